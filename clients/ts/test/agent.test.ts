import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AbortedError, ChangeKind, MessageKind, Role, RoomHistoryClient, RoomMirror, VersionConflictError,
  type RoomChange, type RoomChangedEvent,
} from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { expectMirrored } from "./compare.js";

// The issue 11 RPCs through the client against the real server, and a mirror following what they change.
let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;
const mirrors: RoomMirror[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("agent") });
  client = new RoomHistoryClient(server.address);
});
afterEach(() => mirrors.splice(0).forEach((m) => m.close()));
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

let n = 0;
const room = () => `agent-${++n}`;
const page = (p: number) => `page ${p}: ` + "the quick brown fox jumps over the lazy dog. ".repeat(40);

/** A tool-using run: a task, then `pages` assistant calls each answered by a long tool result. */
async function toolRun(roomId: string, pages: number, runId = "run-a"): Promise<number> {
  let version = (await client.appendMessages({
    roomId, messages: [{ role: Role.ROLE_USER, content: "read the pages", clientInput: true, runId }],
  })).version;
  for (let p = 1; p <= pages; p++) {
    const id = `call_${p}`;
    version = (await client.appendMessages({
      roomId,
      messages: [
        { role: Role.ROLE_ASSISTANT, toolCalls: [{ id, name: "read_page", arguments: `{"page":${p}}` }], runId, phaseId: `p${p}` },
        { role: Role.ROLE_TOOL, toolCallId: id, content: page(p), runId, phaseId: `p${p}` },
      ],
    })).version;
  }
  return version;
}

function follow(roomId: string): { mirror: RoomMirror; events: RoomChangedEvent[]; crossings: RoomChange[] } {
  const mirror = new RoomMirror(client, [roomId], { progressIntervalMs: 200 });
  const events: RoomChangedEvent[] = [];
  const crossings: RoomChange[] = [];
  mirror.on("changed", (e) => events.push(e));
  mirror.on("needsCompaction", (c) => crossings.push(c));
  mirrors.push(mirror);
  return { mirror, events, crossings };
}

describe("agent RPCs (issue 11)", () => {
  it("setAgentOptions, then the watch says when the room crosses its threshold, and a compaction brings it back", async () => {
    const id = room();
    const { mirror, crossings } = follow(id);
    await mirror.ready();
    const set = await client.setAgentOptions({ roomId: id, maxContextTokens: 1000, compactionThreshold: 0.5, outputKeys: ["answer"] });
    expect(set.needsCompaction).toBe(false);
    const version = await toolRun(id, 3);
    await mirror.waitForVersion(id, version, 10_000);
    expect(mirror.needsCompaction(id)).toBe(true);
    expect(crossings).toHaveLength(1);
    const info = await client.getRoomInfo({ roomId: id });
    expect(info).toMatchObject({ maxContextTokens: 1000, compactionThreshold: 0.5, needsCompaction: true, outputKeys: ["answer"] });
    expect(mirror.tokenCount(id)).toBe(info.tokenCount);

    // A stale expectedVersion loses; the one the mirror holds wins.
    await expect(client.compactHistory({ roomId: id, summary: "s", expectedVersion: version - 1 }))
      .rejects.toBeInstanceOf(VersionConflictError);
    const done = await client.compactHistory({ roomId: id, summary: "the pages were read", keepRecent: 2, expectedVersion: version });
    expect(done.compacted).toBeGreaterThan(0);
    expect(done.summary?.kind).toBe(MessageKind.MESSAGE_KIND_SUMMARY);
    await expectMirrored(mirror, client, id);
    expect(mirror.needsCompaction(id)).toBe(false);
    expect(mirror.tokenCount(id)).toBeLessThan(info.tokenCount);
    const history = await client.getHistory({ roomId: id });
    expect(history.messages[0].clientInput).toBe(true); // never compacted away
    const archive = await client.getArchive({ roomId: id });
    expect(archive.messages.map((m) => m.seq)).toContain(done.replacedThroughSeq);

    // Over the threshold again: the watch says so once more.
    const again = await toolRun(id, 3, "run-b");
    await mirror.waitForVersion(id, again, 10_000);
    expect(crossings).toHaveLength(2);
  });

  it("a prune and a structure-preserving compaction reach a mirror exactly", async () => {
    const id = room();
    await toolRun(id, 4);
    const { mirror, events } = follow(id);
    await mirror.ready();
    const pruned = await client.pruneToolResults({ roomId: id, protectTokens: 0, minPruneTokens: 0 });
    expect(pruned.pruned).toBeGreaterThan(0);
    await expectMirrored(mirror, client, id);
    const prune = events.find((e) => e.change.kind === ChangeKind.CHANGE_KIND_PRUNE);
    expect(prune?.refetched).toBe(false);
    expect((await mirror.getMessages(id)).filter((m) => m.pruned).map((m) => m.seq)).toEqual(pruned.seqs);
    const originals = await client.getArchive({ roomId: id, fromSeq: pruned.seqs[0], toSeq: pruned.seqs[0] });
    expect(originals.messages[0].content).toMatch(/^page \d+: the quick/);

    const structure = await client.compactPreservingStructure({ roomId: id, keepRecent: 2, aggressive: true });
    expect(structure.archived).toBeGreaterThan(0);
    await expectMirrored(mirror, client, id);
    const compact = events.find((e) => e.change.kind === ChangeKind.CHANGE_KIND_COMPACT);
    expect(compact?.change.replacedThroughSeq).toBe(structure.replacedThroughSeq);
    expect(compact?.refetched).toBe(false);
  });

  it("run and phase filters, search, export and run cursors", async () => {
    const id = room();
    await toolRun(id, 2, "run-a");
    await client.appendMessages({ roomId: id, messages: [{ role: Role.ROLE_USER, content: "other run", runId: "run-b" }] });
    const runB = await client.getHistory({ roomId: id, runId: "run-b" });
    expect(runB.messages.map((m) => m.content)).toEqual(["other run"]);
    const phase = await client.getHistory({ roomId: id, phaseId: "p2" });
    expect(phase.messages).toHaveLength(2);
    const rendered = await client.renderMessages({ roomId: id, runId: "run-b" });
    expect(rendered.messages.at(-1)?.content).toContain("other run");

    const found = await client.searchHistory({ roomId: id, text: "OTHER RUN" });
    expect(found.hits.map((h) => h.message?.content)).toEqual(["other run"]);
    const summary = await client.exportSummary({ roomId: id, recent: 2 });
    expect(summary.runIds).toEqual(["run-a", "run-b"]);
    expect(summary.toolCallsByName).toEqual({ read_page: 2 });
    expect(summary.recentMessages).toHaveLength(2);

    expect((await client.getRunCursor({ roomId: id, runId: "run-a" })).exists).toBe(false);
    const set = await client.updateRunCursor({ roomId: id, runId: "run-a", nextSeq: 4, values: { k: "v" }, expectedNextSeq: 0 });
    expect(set).toMatchObject({ nextSeq: 4, values: { k: "v" } });
    const stale = client.updateRunCursor({ roomId: id, runId: "run-a", nextSeq: 9, expectedNextSeq: 0 });
    await expect(stale).rejects.toBeInstanceOf(AbortedError);
    await expect(stale).rejects.toMatchObject({ reason: "CURSOR_CONFLICT" });
    expect(await client.getRunCursor({ roomId: id, runId: "run-a" })).toMatchObject({ exists: true, nextSeq: 4 });
  });
});
