/**
 * Issue 11's context accounting end to end through the generated client: SetAgentOptions (one
 * version, one AGENT_OPTIONS change, compare-and-set, checked fields), GetRoomInfo's agent fields
 * (token_count = the sum of GetHistory's Message.tokens, usage_ratio with the room's calibration,
 * needs_compaction, current_phase, archive_count), token_count and needs_compaction on the watch, and
 * archive_trimmed. Memory store and both Redis layouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

const LAYOUTS = [
  { name: "memory store", env: () => ({}) },
  { name: "redis, hash-tagged keys", env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("ag") }) },
  {
    name: "redis, unbraced keys",
    env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("ag"), ROOMHISTORY_KEY_HASHTAG: "false" }),
  },
];

function agentRpc(client: pb.RoomHistoryServiceClient) {
  const done = <T>(resolve: (v: T) => void, reject: (e: ServiceError) => void) =>
    (e: ServiceError | null, r: T) => (e ? reject(e) : resolve(r));
  return {
    setOptions: (req: pb.DeepPartial<pb.SetAgentOptionsRequest>) => new Promise<pb.SetAgentOptionsResponse>(
      (resolve, reject) => client.setAgentOptions(pb.SetAgentOptionsRequest.fromPartial(req), new Metadata(), done(resolve, reject))),
    report: (req: pb.DeepPartial<pb.ReportUsageRequest>) => new Promise<pb.ReportUsageResponse>(
      (resolve, reject) => client.reportUsage(pb.ReportUsageRequest.fromPartial(req), new Metadata(), done(resolve, reject))),
    compact: (req: pb.DeepPartial<pb.CompactHistoryRequest>) => new Promise<pb.CompactHistoryResponse>(
      (resolve, reject) => client.compactHistory(pb.CompactHistoryRequest.fromPartial(req), new Metadata(), done(resolve, reject))),
    archive: (req: pb.DeepPartial<pb.GetArchiveRequest>) => new Promise<pb.GetArchiveResponse>(
      (resolve, reject) => client.getArchive(pb.GetArchiveRequest.fromPartial(req), new Metadata(), done(resolve, reject))),
  };
}

let rooms = 0;
const room = () => `ag-${++rooms}-${Math.random().toString(36).slice(2, 6)}`;

describe.each(LAYOUTS)("agent state ($name)", ({ env }) => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  let agent: ReturnType<typeof agentRpc>;
  beforeAll(async () => {
    server = await startTestServer(env());
    api = rpc(server.client);
    agent = agentRpc(server.client);
  });
  afterAll(async () => server?.stop());

  const tokensOf = async (roomId: string) =>
    (await api.history({ roomId })).messages.reduce((n, m) => n + m.tokens, 0);

  it("checks the options: threshold in (0, 1], at most 32 output keys of 1 to 64 characters; ABORTED on a stale version", async () => {
    const id = room();
    await api.append({ roomId: id, messages: [user("hi")] });
    for (const bad of [0, -0.5, 1.0001, Number.NaN]) {
      const { err } = await expectStatus(agent.setOptions({ roomId: id, maxContextTokens: 100, compactionThreshold: bad }), status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/^compaction_threshold: /);
    }
    const many = Array.from({ length: 33 }, (_, i) => `k${i}`);
    expect((await expectStatus(agent.setOptions({ roomId: id, outputKeys: many }), status.INVALID_ARGUMENT)).err.details).toMatch(/^output_keys: /);
    expect((await expectStatus(agent.setOptions({ roomId: id, outputKeys: ["ok", ""] }), status.INVALID_ARGUMENT)).err.details)
      .toMatch(/^output_keys\[1\]: /);
    expect((await expectStatus(agent.setOptions({ roomId: id, outputKeys: ["x".repeat(65)] }), status.INVALID_ARGUMENT)).err.details)
      .toMatch(/^output_keys\[0\]: /);
    expect((await api.info({ roomId: id })).version).toBe(1);
    await expectStatus(agent.setOptions({ roomId: id, maxContextTokens: 100, expectedVersion: 7 }), status.ABORTED);

    // 32 keys of 64 characters (not bytes) and a threshold of exactly 1 are fine; unset means 0.8.
    const keys = Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(64, "é"));
    expect(await agent.setOptions({ roomId: id, maxContextTokens: 100, compactionThreshold: 1, outputKeys: keys, expectedVersion: 1 }))
      .toEqual({ version: 2, needsCompaction: false });
    expect(await api.info({ roomId: id })).toMatchObject({ compactionThreshold: 1, outputKeys: keys, maxContextTokens: 100 });
    await agent.setOptions({ roomId: id, maxContextTokens: 100 });
    expect(await api.info({ roomId: id })).toMatchObject({ compactionThreshold: 0.8, outputKeys: [], archiveTrimmed: false });
  });

  it("reports token_count, usage_ratio (with the calibration), needs_compaction and current_phase in GetRoomInfo", async () => {
    const id = room();
    const before = await api.info({ roomId: id });
    expect(before).toMatchObject({ tokenCount: 0, maxContextTokens: 0, usageRatio: 0, needsCompaction: false, currentPhase: "", archiveCount: 0 });
    await api.append({ roomId: id, messages: [user("plan the trip", { phaseId: "plan" }), assistant("first, the budget: " + "x ".repeat(200))] });
    await api.append({ roomId: id, messages: [user("now book it", { phaseId: "book" }), assistant("booked")] });
    const tokens = await tokensOf(id);
    expect(tokens).toBeGreaterThan(200);
    const budget = tokens * 2;
    const set = await agent.setOptions({ roomId: id, maxContextTokens: budget, compactionThreshold: 0.5 });
    expect(set.needsCompaction).toBe(true);
    expect(await api.info({ roomId: id })).toMatchObject({
      tokenCount: tokens, maxContextTokens: budget, compactionThreshold: 0.5, usageRatio: 0.5, needsCompaction: true, currentPhase: "book",
    });
    // A calibration of 0.25 (the provider counted a quarter of the estimate) brings the ratio down.
    const r = await agent.report({ roomId: id, version: set.version, inputTokens: 100, estimatedTokens: 1000 });
    expect(r.calibration).toBe(0.25);
    expect(await api.info({ roomId: id })).toMatchObject({ tokenCount: tokens, usageRatio: 0.125, needsCompaction: false });
  });

  it("sends token_count and needs_compaction on every change of a room with a budget; the crossing is the first true", async () => {
    const id = room();
    await api.append({ roomId: id, messages: [user("hello")] });
    const w = new WatchRecorder(server.client, { rooms: [{ roomId: id, knownVersion: 1 }] });
    await w.until((x) => x.responses.length >= 1);
    const first = await tokensOf(id);
    await agent.setOptions({ roomId: id, maxContextTokens: 1000, compactionThreshold: 0.5 });
    // Grow the room until it crosses 500 tokens.
    let version = 2;
    while ((await tokensOf(id)) < 500) version = (await api.append({ roomId: id, messages: [assistant("word ".repeat(60))] })).version;
    await w.until((x) => x.changes.length >= version - 1);
    const changes = w.changes;
    expect(changes[0]).toMatchObject({ kind: ChangeKind.CHANGE_KIND_AGENT_OPTIONS, tokenCount: first, needsCompaction: false });
    const crossing = changes.findIndex((c) => c.needsCompaction);
    expect(crossing).toBe(changes.length - 1);
    expect(changes.every((c) => c.tokenCount > 0)).toBe(true);
    expect(changes.at(-1)!.tokenCount).toBe(await tokensOf(id));
    expect(changes.at(-1)!.tokenCount).toBeGreaterThanOrEqual(500);
    expect(changes.at(-2)!.tokenCount).toBeLessThan(500);
    // A clear drops the total to 0 and the room under its threshold.
    const cleared = await api.clear({ roomId: id });
    await w.until((x) => x.changes.some((c) => c.version === cleared.version));
    expect(w.changes.at(-1)).toMatchObject({ kind: ChangeKind.CHANGE_KIND_CLEAR, tokenCount: 0, needsCompaction: false });
    expect(await api.info({ roomId: id })).toMatchObject({ tokenCount: 0, maxContextTokens: 1000, needsCompaction: false });
    w.stream.cancel();
  });

  it("a compaction answering needs_compaction: its COMPACT change carries the lower total and needs_compaction false", async () => {
    const id = room();
    await agent.setOptions({ roomId: id, maxContextTokens: 400, compactionThreshold: 0.5 });
    const w = new WatchRecorder(server.client, { rooms: [{ roomId: id, knownVersion: 1 }] });
    await w.until((x) => x.responses.length >= 1);
    let version = 1;
    while (!w.changes.some((c) => c.needsCompaction)) {
      version = (await api.append({ roomId: id, messages: [user("question " + "q ".repeat(40)), assistant("answer " + "a ".repeat(40))] })).version;
      await w.until((x) => x.changes.some((c) => c.version === version));
    }
    const compacted = await agent.compact({ roomId: id, summary: "short summary", keepRecent: 2 });
    expect(compacted.compacted).toBeGreaterThan(0);
    await w.until((x) => x.changes.some((c) => c.version === compacted.version));
    const change = w.changes.find((c) => c.version === compacted.version)!;
    const total = (await api.history({ roomId: id })).messages.reduce((n, m) => n + m.tokens, 0);
    expect(change).toMatchObject({ kind: ChangeKind.CHANGE_KIND_COMPACT, tokenCount: total, needsCompaction: false });
    expect(await api.info({ roomId: id })).toMatchObject({ tokenCount: total, needsCompaction: false });
    w.stream.cancel();
  });

  it("archive_trimmed: turns trimmed off the window go to the archive; off by default", async () => {
    const id = room();
    await api.setLimit({ roomId: id, limit: 50 });
    await agent.setOptions({ roomId: id, archiveTrimmed: true });
    const batch = Array.from({ length: 53 }, (_, i) => user(`turn ${i + 1}`));
    const appended = await api.append({ roomId: id, messages: batch });
    expect(appended.trimmed).toBe(3);
    const info = await api.info({ roomId: id });
    expect(info).toMatchObject({ archiveTrimmed: true, archiveCount: 3, entryCount: 50 });
    expect(info.tokenCount).toBe(await tokensOf(id));
    const archived = await agent.archive({ roomId: id }).catch((e: ServiceError) => e);
    // While this server has no GetArchive handler, the count above (and the store conformance suite,
    // which reads the archive) is the proof; once it has one, it returns the trimmed turns.
    if (archived instanceof Error) expect(archived.code).toBe(status.UNIMPLEMENTED);
    else expect(archived.messages.map((m) => [m.seq, m.content])).toEqual([[1, "turn 1"], [2, "turn 2"], [3, "turn 3"]]);

    const off = room();
    await api.setLimit({ roomId: off, limit: 50 });
    await api.append({ roomId: off, messages: batch });
    expect(await api.info({ roomId: off })).toMatchObject({ archiveTrimmed: false, archiveCount: 0, entryCount: 50 });
  });
});

describe.each([true, false])("agent state after a legacy writer's RPUSH + LTRIM (redis, hashTag %s)", (hashTag) => {
  let server: TestServer;
  const prefix = uniquePrefix("lg");
  beforeAll(async () => {
    server = await startTestServer({
      ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_KEY_HASHTAG: hashTag ? "true" : "false",
    });
  });
  afterAll(async () => server?.stop());

  it("counts the token total again from the list: the next change carries the window's sum", async () => {
    const api = rpc(server.client);
    const agent = agentRpc(server.client);
    const id = room();
    const list = hashTag ? `${prefix}:{${id}}` : `${prefix}:${id}`;
    await api.append({ roomId: id, messages: [user("one two three"), assistant("four five six seven"), user("eight")] });
    await agent.setOptions({ roomId: id, maxContextTokens: 50, compactionThreshold: 0.5 });
    const w = new WatchRecorder(server.client, { rooms: [{ roomId: id, knownVersion: 2 }] });
    await w.until((x) => x.responses.length >= 1);
    // The legacy manager's persist: its entry (no token count) pushed, the oldest entry trimmed away.
    const raw = redis.client();
    await raw.rpush(list, JSON.stringify({ role: "user", content: "[Message ID: L1] legacy words here" }));
    await raw.ltrim(list, 1, -1);
    const r = await api.append({ roomId: id, messages: [user("nine")] });
    await w.until((x) => x.changes.some((c) => c.version === r.version));
    const total = (await api.history({ roomId: id })).messages.reduce((n, m) => n + m.tokens, 0);
    const change = w.changes.find((c) => c.version === r.version)!;
    expect(change.tokenCount).toBe(total);
    expect(change.needsCompaction).toBe(total / 50 >= 0.5);
    expect((await api.info({ roomId: id })).tokenCount).toBe(total);
    w.stream.cancel();
    raw.disconnect();
  });

  it("counts the total of a room an older server wrote (counts kept, no tok) at its next write", async () => {
    const api = rpc(server.client);
    const agent = agentRpc(server.client);
    const id = room();
    const meta = hashTag ? `${prefix}:{${id}}:meta` : `${prefix}:${id}:meta`;
    await api.append({ roomId: id, messages: [user("one two three"), assistant("four five")] });
    const raw = redis.client();
    await raw.hdel(meta, "tok");
    const set = await agent.setOptions({ roomId: id, maxContextTokens: 10, compactionThreshold: 1 });
    const total = (await api.history({ roomId: id })).messages.reduce((n, m) => n + m.tokens, 0);
    expect(set.needsCompaction).toBe(total >= 10);
    await api.append({ roomId: id, messages: [user("six")] });
    const after = (await api.history({ roomId: id })).messages.reduce((n, m) => n + m.tokens, 0);
    expect(Number(await raw.hget(meta, "tok"))).toBe(after);
    raw.disconnect();
  });
});
