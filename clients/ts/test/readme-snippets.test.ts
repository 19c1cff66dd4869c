/**
 * Every TypeScript snippet of the READMEs (README.md, clients/ts/README.md) runs as written against a live
 * server (the memory store): each ```ts block becomes a module run with tsx, its address replaced by the
 * test server's. The Python snippets are run by clients/python/tests/test_readme_snippets.py.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../test/helpers/server.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const READMES = ["README.md", "clients/ts/README.md"];
const run = promisify(execFile);

/** The ```ts blocks of a markdown file, with the line each starts on. */
function snippets(file: string): { line: number; code: string }[] {
  const found: { line: number; code: string }[] = [];
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```ts") continue;
    const end = lines.indexOf("```", i + 1);
    found.push({ line: i + 1, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return found;
}

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer({});
  // Inside the repository (not node_modules, where tsx skips the tsconfig paths to the client's sources),
  // so a snippet's imports of packages (@langchain/core) resolve as in a project; .gitignore'd.
  dir = mkdtempSync(join(ROOT, ".readme-snippets-"));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(READMES)("%s", (readme) => {
  const blocks = snippets(readme);

  it("has TypeScript snippets", () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((b) => [b.line, b] as const))("the snippet at line %i runs", async (line, { code }) => {
    const file = join(dir, `${readme.replace(/\W/g, "_")}-${line}.mts`);
    writeFileSync(file, code.replaceAll("127.0.0.1:50051", server.address));
    const env = { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, "tsconfig.json") };
    await run(process.execPath, ["--import", "tsx", file], { cwd: ROOT, env, timeout: 30_000 });
  });
});
