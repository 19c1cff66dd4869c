#!/usr/bin/env node
// `roomhistory-server`: starts the server from this package, configured by the same ROOMHISTORY_*
// environment variables as `npm start` (README "Configuration"), which runs this file too. The server is
// TypeScript run by tsx, with this package's own tsconfig.json rather than whatever the working
// directory holds; the signals reach this process directly (no npm in between).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

const tsconfig = fileURLToPath(new URL("../tsconfig.json", import.meta.url));
register({ tsconfig: existsSync(tsconfig) ? tsconfig : false });
await import("../src/main.ts");
