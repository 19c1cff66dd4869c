#!/usr/bin/env node
// `roomhistory`: the admin CLI of @roomhistory/client (src/cli/). An installed package runs the built
// dist/cli/main.js. A repository checkout may not have built dist/ (it is not committed), so there the
// TypeScript source runs through the repository's tsx instead: `npx roomhistory` works in the repo root
// right after `npm ci`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = new URL("../dist/cli/main.js", import.meta.url);
const source = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(fileURLToPath(source))) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import(built.href);
}
