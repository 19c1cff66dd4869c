/**
 * The `roomhistory` CLI as a subprocess against a real server on a real redis-server: listing, info,
 * show (pretty and --json), append, render (OpenAI and Anthropic, with a budget), delete, reap, an export
 * -> import round trip into a second server with the progress bar, tail receiving a live change in
 * colour, exit codes (NOT_FOUND 5, usage 2, UNAVAILABLE 14) and --help on every command.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, RoomHistoryClient } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { cli, CliProcess } from "./cli/run.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;
const dir = mkdtempSync(join(tmpdir(), "roomhistory-cli-"));
const user = (content: string, sender = "ana") => ({ role: Role.ROLE_USER, content, sender });
/** The CLI against the test server. */
const rh = (...args: string[]) => cli(["--address", server.address, ...args]);

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("cli") });
  client = new RoomHistoryClient(server.address);
  await client.appendMessages({ roomId: "team/a", messages: [user("hello"), user("second\nline", "bo")] });
  await client.updateRoomMetadata({ roomId: "team/a", title: "Team A", namespace: "ns1", labels: ["x"] });
  await client.appendMessages({ roomId: "team/b", messages: [user("b1")] });
  await client.appendMessages({ roomId: "other/c", messages: [user("c1")] });
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

describe("reading", () => {
  it("rooms lists every room, page after page, and filters by namespace or prefix", async () => {
    const all = await rh("rooms", "--page-size", "1");
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split("\n")).toEqual(["other/c", "team/a", "team/b"]);
    const ns = await rh("rooms", "--namespace", "ns1", "--long");
    expect(ns.stdout.trim().split("\t")).toEqual(["team/a", expect.stringMatching(/^20\d\d-/) as string, "ns1", "x", "Team A"]);
    expect((await rh("rooms", "--prefix", "team/")).stdout).toBe("team/a\nteam/b\n");
    const json = await rh("rooms", "--json", "--order", "activity");
    expect(json.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { roomId: string }).roomId)).toEqual(["other/c", "team/b", "team/a"]);
  });

  it("info prints the room's facts, --json the response; a room that does not exist exits 5 (NOT_FOUND)", async () => {
    const [pretty, json, missing] = await Promise.all([rh("info", "team/a"), rh("info", "team/a", "--json"), rh("info", "nope")]);
    expect(pretty.stdout).toMatch(/version:\s+2\n/);
    expect(pretty.stdout).toMatch(/title:\s+Team A\n/);
    expect(JSON.parse(json.stdout)).toMatchObject({ version: 2, messageCount: 2, exists: true });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toBe("roomhistory: NOT_FOUND: room nope does not exist\n");
    expect(missing.stdout).toBe("");
  });

  it("show prints one line per message, --json the messages in proto3 JSON; a room never written exits 5", async () => {
    const [pretty, json, missing] = await Promise.all([rh("show", "team/a"), rh("show", "team/a", "--json"), rh("show", "nope")]);
    expect(missing).toMatchObject({ code: 5, stdout: "", stderr: "roomhistory: NOT_FOUND: room nope does not exist\n" });
    expect(pretty.stdout).toBe("#1 user ana: hello\n#2 user bo: second ⏎ line\n");
    const parsed = JSON.parse(json.stdout) as { version: number; messages: { content: string }[] };
    expect(parsed.version).toBe(2);
    expect(parsed.messages.map((m) => m.content)).toEqual(["hello", "second\nline"]);
  });
});

describe("writing and rendering", () => {
  it("append writes a message (text, or stdin with -), --expected-version conflicts exit 10 (ABORTED)", async () => {
    const first = await rh("append", "w/1", "hi", "there", "--sender", "op");
    expect(first.stdout).toMatch(/^w\/1 v1: #1 rh_/);
    const stdin = await cli(["--address", server.address, "append", "w/1", "-", "--role", "assistant"], {}, "from stdin");
    expect(stdin.code).toBe(0);
    const conflict = await rh("append", "w/1", "late", "--expected-version", "1");
    expect(conflict.code).toBe(10);
    expect(conflict.stderr).toMatch(/^roomhistory: ABORTED: .*\n$/);
    const history = await client.getHistory({ roomId: "w/1" });
    expect(history.messages.map((m) => [m.role, m.content, m.sender])).toEqual([
      [Role.ROLE_USER, "hi there", "op"], [Role.ROLE_ASSISTANT, "from stdin", ""],
    ]);
  });

  it("append --messages appends a JSON array of messages (a tool call and its result)", async () => {
    const file = join(dir, "messages.json");
    writeFileSync(file, JSON.stringify([
      { role: "ROLE_ASSISTANT", toolCalls: [{ id: "c1", name: "lookup", arguments: "{\"q\":1}" }] },
      { role: "ROLE_TOOL", toolCallId: "c1", content: "found" },
    ]));
    const res = await rh("append", "w/tools", "--messages", file, "--json");
    expect(JSON.parse(res.stdout)).toMatchObject({ version: 1, messages: [{ seq: 1 }, { seq: 2 }] });
    expect((await rh("show", "w/tools")).stdout).toBe('#1 assistant: → lookup({"q":1})\n#2 tool: found (answers c1)\n');
    const bad = await rh("append", "w/tools", "--messages", join(dir, "missing.json"));
    expect(bad.code).toBe(2);
  });

  it("render prints what the model gets: OpenAI messages, Anthropic system + messages, within --max-tokens", async () => {
    const [openai, anthropic, budget] = await Promise.all([
      rh("render", "team/a"), rh("render", "team/a", "--format", "anthropic"),
      rh("render", "team/a", "--max-tokens", "1", "--stats"),
    ]);
    const o = JSON.parse(openai.stdout) as { messages: { role: string; content: string }[] };
    const server = await client.renderMessages({ roomId: "team/a", form: 2 });
    expect(o).toEqual({ messages: JSON.parse(server.messagesJson) as unknown });
    expect(o.messages.at(-1)?.content).toContain("second\nline");
    const a = JSON.parse(anthropic.stdout) as { system: string; messages: { role: string }[] };
    expect(Object.keys(a)).toEqual(["system", "messages"]);
    expect(a.messages.every((m) => m.role !== "system")).toBe(true);
    // A budget of one token: the server refuses a system prompt over it, or drops the history.
    if (budget.code === 0) expect(budget.stderr).toMatch(/dropped \d+ messages/);
    else expect(budget.code).toBe(8);
  });

  it("delete removes a room", async () => {
    await client.appendMessages({ roomId: "gone/1", messages: [user("x")] });
    const del = await rh("delete", "gone/1");
    expect(del.stdout).toBe("deleted gone/1 (v2)\n");
    expect((await client.getRoomInfo({ roomId: "gone/1" })).exists).toBe(false);
  });

  it("reap --dry-run lists the idle rooms, reap expires them (a server of its own: it reaps every idle room)", async () => {
    const own = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("cli-reap") });
    const c = new RoomHistoryClient(own.address);
    try {
      await c.appendMessages({ roomId: "idle/1", messages: [user("x")] });
      await new Promise((r) => setTimeout(r, 1100)); // idle for a second is what --max-idle 1 measures: time itself
      const dry = await cli(["--address", own.address, "reap", "--max-idle", "1", "--dry-run"]);
      expect(dry).toMatchObject({ code: 0, stdout: "idle/1\n", stderr: "would reap 1 room\n" });
      expect((await c.getRoomInfo({ roomId: "idle/1" })).exists).toBe(true);
      const reaped = await cli(["--address", own.address, "reap", "--max-idle", "1", "--json"]);
      expect(JSON.parse(reaped.stdout)).toMatchObject({ roomIds: ["idle/1"], count: 1 });
      expect((await c.getRoomInfo({ roomId: "idle/1" })).exists).toBe(false);
    } finally {
      c.close();
      await own.stop();
    }
  });
});

describe("export, import and tail", () => {
  it("export --all -> import into another server: the same rooms, with the progress bar's rate and ETA", async () => {
    const file = join(dir, "all.jsonl");
    const exported = await rh("export", file, "--all", "--progress");
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/rooms\/s \| ETA /);
    expect(exported.stderr).toMatch(/exported \d+ rooms and 0 namespaces to /);
    expect(readFileSync(file, "utf8").split("\n")[0]).toContain('"format":"roomhistory.export.v1"');
    const target = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("cli-import") });
    try {
      const imported = await cli(["--address", target.address, "import", file, "--progress"]);
      expect(imported.code).toBe(0);
      expect(imported.stderr).toMatch(/records\/s \| ETA /);
      const rooms = (await rh("rooms")).stdout;
      expect(rooms).toContain("team/a");
      expect((await cli(["--address", target.address, "rooms"])).stdout).toBe(rooms);
      expect((await cli(["--address", target.address, "show", "team/a"])).stdout).toBe((await rh("show", "team/a")).stdout);
      // Again: every room exists now, each refused (ALREADY_EXISTS, 6), the exit code the first refusal's.
      const again = await cli(["--address", target.address, "import", file, "--no-progress"]);
      expect(again.code).toBe(6);
      expect(again.stderr).toMatch(/\d+ refused/);
      expect(again.stderr.trim().split("\n").at(-1)).toMatch(/^roomhistory: \d+ records refused/);
    } finally {
      await target.stop();
    }
  });

  it("export of a namespace or of rooms by id; a selector is required (usage, exit 2)", async () => {
    const file = join(dir, "ns.jsonl");
    expect((await rh("export", file, "--namespace", "ns1")).stderr).toBe(`exported 1 rooms and 0 namespaces to ${file}\n`);
    expect((await rh("export", file, "--room", "team/b", "--room", "other/c")).stderr).toContain("exported 2 rooms");
    const none = await rh("export", file);
    expect(none).toMatchObject({ code: 2, stderr: "roomhistory: export: give exactly one of --all, --namespace, --room\n" });
  });

  it("tail prints a live change, coloured by kind, and ends after --count", async () => {
    const tail = new CliProcess(["--address", server.address, "tail", "live/1", "team/b", "--count", "1"], { NO_COLOR: "", FORCE_COLOR: "1" });
    await tail.stderrHas("watching 2 rooms");
    await client.appendMessages({ roomId: "live/1", messages: [user("live one")] });
    const res = await tail.done;
    expect(res.code).toBe(0);
    const plain = stripVTControlCharacters(res.stdout);
    expect(plain).toMatch(/^\d\d:\d\d:\d\d\.\d{3} live\/1 v1 append\n {2}#1 user ana: live one\n$/);
    expect(res.stdout).toContain("\x1b[32mappend\x1b[39m"); // green
  });

  it("tail --prefix and --namespace watch their rooms, rooms created later included", async () => {
    const tail = new CliProcess(["--address", server.address, "tail", "--prefix", "team/", "--namespace", "ns1", "--count", "1"]);
    await tail.stderrHas("watching 2 rooms"); // team/a (in ns1 too) and team/b
    await client.appendMessages({ roomId: "team/b", messages: [user("to the team")] });
    expect((await tail.done).stdout).toMatch(/ team\/b v2 append\n {2}#2 user ana: to the team\n$/);
    const later = new CliProcess(["--address", server.address, "tail", "--prefix", "later/", "--count", "1", "--versions-only"]);
    await later.stderrHas("watching 0 rooms");
    await client.appendMessages({ roomId: "later/1", messages: [user("new room")] });
    expect((await later.done).stdout).toMatch(/ later\/1 v1 (append|resync)\b/);
    expect(await rh("tail")).toMatchObject({ code: 2, stderr: "roomhistory: tail: give room ids, --prefix or --namespace\n" });
  });

  it("tail ends with exit 0 on SIGINT", async () => {
    const tail = new CliProcess(["--address", server.address, "tail", "live/3"]);
    await tail.stderrHas("watching 1 room");
    tail.child.kill("SIGINT");
    expect(await tail.done).toMatchObject({ code: 0, stdout: "" });
  });

  it("tail --json prints RoomChange objects", async () => {
    const tail = new CliProcess(["--address", server.address, "tail", "live/2", "--json", "--count", "2"]);
    await tail.stderrHas("watching 1 room");
    await client.appendMessages({ roomId: "live/2", messages: [user("one")] });
    await client.deleteRoom({ roomId: "live/2" });
    const lines = (await tail.done).stdout.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; version: number });
    expect(lines.map((l) => [l.kind, l.version])).toEqual([["CHANGE_KIND_APPEND", 1], ["CHANGE_KIND_DELETED", 2]]);
  });
});

describe("usage and failures", () => {
  const COMMANDS = [
    [], ["rooms"], ["info"], ["show"], ["tail"], ["append"], ["render"], ["reap"], ["delete"], ["export"], ["import"],
    ["migrate-legacy"], ["token"], ["token", "create"], ["token", "list"], ["token", "revoke"],
  ];

  it("--help works on every command (exit 0, usage on stdout)", async () => {
    const results = await Promise.all(COMMANDS.map((c) => cli([...c, "--help"])));
    results.forEach((r, i) => {
      expect(r.code, COMMANDS[i].join(" ")).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: roomhistory ${COMMANDS[i].join(" ")}`.trimEnd()));
    });
    expect(results[0].stdout).toContain("Exit codes: 0 success; a failed call exits with its gRPC status code");
  });

  it("usage errors exit 2 with one line on stderr; an unreachable server exits 14 (UNAVAILABLE)", async () => {
    const [unknown, missing, badNumber, down] = await Promise.all([
      cli(["frobnicate"]), cli(["info"]), cli(["show", "r", "--limit", "many"]),
      cli(["--address", "127.0.0.1:1", "--timeout", "2", "info", "r"]),
    ]);
    for (const r of [unknown, missing, badNumber]) {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(missing.stderr).toBe("error: missing required argument 'room'\n");
    expect(down.code).toBe(14);
    expect(down.stderr).toMatch(/^roomhistory: UNAVAILABLE: [^\n]*\n$/);
  });
});
