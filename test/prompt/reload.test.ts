import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { credentials, status } from "@grpc/grpc-js";
import { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { PromptTemplates, RELOAD_CHECK_MS } from "../../src/prompt/templates.js";
import { ServerProcess } from "../helpers/server.js";
import { waitFor } from "../helpers/ports.js";
import { expectStatus, rpc } from "../helpers/rpc.js";

/** Templates read again when their file changes (checked at most once per RELOAD_CHECK_MS) or on SIGHUP. */

const dirs: string[] = [];
const MTIME = 1_700_000_000; // whole seconds, so setting it again gives exactly the same stat
function templatesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rh-templates-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), text);
    utimesSync(path.join(dir, name), MTIME, MTIME);
  }
  return dir;
}

/** Rewrites a file with text of the same length and puts its mtime back: a change no stat can see. */
function rewriteUnseen(file: string, text: string): void {
  expect(Buffer.byteLength(text)).toBe(statSync(file).size);
  writeFileSync(file, text);
  utimesSync(file, MTIME, MTIME);
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("PromptTemplates", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reads a changed file again, checking it at most once per second", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dir = templatesDir({ "a.j2": "one {{ x }}" });
    const t = new PromptTemplates(dir, "a.j2");
    expect(t.render("", { x: 1 })).toBe("one 1");
    writeFileSync(path.join(dir, "a.j2"), "two! {{ x }}");
    expect(t.render("", { x: 1 })).toBe("one 1"); // within the second: the compiled template is kept
    vi.advanceTimersByTime(RELOAD_CHECK_MS);
    expect(t.render("", { x: 1 })).toBe("two! 1");
  });

  it("notices a change to an included template", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dir = templatesDir({ "main.j2": "[{% include 'part.j2' %}]", "part.j2": "old" });
    const t = new PromptTemplates(dir, "main.j2");
    expect(t.render("", {})).toBe("[old]");
    writeFileSync(path.join(dir, "part.j2"), "newer");
    vi.advanceTimersByTime(RELOAD_CHECK_MS);
    expect(t.render("", {})).toBe("[newer]");
  });

  it("reload() reads every template again, even a change its stat does not show", () => {
    const dir = templatesDir({ "a.j2": "AAAA" });
    const t = new PromptTemplates(dir, "a.j2");
    expect(t.render("", {})).toBe("AAAA");
    rewriteUnseen(path.join(dir, "a.j2"), "BBBB");
    expect(t.render("", {})).toBe("AAAA");
    PromptTemplates.reloadAll();
    expect(t.render("", {})).toBe("BBBB");
  });

  it("a template whose file was removed is not found once the check runs", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dir = templatesDir({ "a.j2": "here", "b.j2": "b" });
    const t = new PromptTemplates(dir, "a.j2");
    expect(t.render("", {})).toBe("here");
    rmSync(path.join(dir, "a.j2"));
    vi.advanceTimersByTime(RELOAD_CHECK_MS);
    expect(() => t.render("", {})).toThrow(/a\.j2: template not found/);
  });
});

describe("a running server (tsx src/main.ts)", () => {
  let dir: string;
  let server: ServerProcess;
  let client: RoomHistoryServiceClient;
  const system = async (template = "") => {
    const res = await rpc(client).render({ roomId: "reload", template });
    return res.messages[0].content;
  };

  beforeAll(async () => {
    dir = templatesDir({ "live.j2": "version 1", "hup.j2": "hup AAAA" });
    server = await ServerProcess.start({ ROOMHISTORY_TEMPLATES: dir, ROOMHISTORY_DEFAULT_TEMPLATE: "live.j2" });
    client = new RoomHistoryServiceClient(server.address, credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it("renders a template's new text after its file changes, without a restart", async () => {
    expect(await system()).toBe("version 1");
    writeFileSync(path.join(dir, "live.j2"), "version 2, edited");
    await waitFor(async () => (await system()) === "version 2, edited", 5000, "the edited template");
  });

  it("drops its compiled templates on SIGHUP", async () => {
    const pid = server.pid!;
    expect(await system("hup.j2")).toBe("hup AAAA");
    rewriteUnseen(path.join(dir, "hup.j2"), "hup BBBB");
    expect(await system("hup.j2")).toBe("hup AAAA"); // same size, mtime and inode: only SIGHUP tells
    process.kill(pid, "SIGHUP");
    await waitFor(() => server.log.includes("SIGHUP: templates will be read again"), 5000, "the SIGHUP log line");
    expect(await system("hup.j2")).toBe("hup BBBB");
    expect(server.pid).toBe(pid); // the same process: no restart
  });

  it("answers INVALID_ARGUMENT naming the template and line when an edit breaks it", async () => {
    writeFileSync(path.join(dir, "live.j2"), "line one\n{{ broken }");
    process.kill(server.pid!, "SIGHUP");
    await waitFor(async () => {
      try {
        await system();
        return false;
      } catch {
        return true;
      }
    }, 5000, "the broken template");
    const { err } = await expectStatus(system(), status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^template: live\.j2 line 2, column \d+: /);
  });
});
