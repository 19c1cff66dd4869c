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

// `roomhistory-server migrate-legacy ...` and `roomhistory-server token ...` run the package's tools
// (what `npm run migrate-legacy` / `npm run token` run in a checkout); the `roomhistory` CLI of
// @roomhistory/client delegates to them, as they act on Redis and the tokens file, not over gRPC. Each
// tool runs its main only when it is the script node started, so argv[1] becomes the tool's path.
const TOOLS = { "migrate-legacy": "../src/tools/migrate-legacy.ts", token: "../src/tools/tokens.ts" };
const tool = Object.hasOwn(TOOLS, process.argv[2] ?? "") ? new URL(TOOLS[process.argv[2]], import.meta.url) : undefined;
if (tool) {
  process.argv.splice(1, 2, fileURLToPath(tool));
  await import(tool.href);
} else {
  await import("../src/main.ts");
}
