/**
 * CompactHistory and CompactPreservingStructure end to end through the generated client: the summary
 * turn (PRESERVED VALUES from the room's output_keys), a watcher applying the CHANGE_KIND_COMPACT
 * change by the replaced_through_seq rule ends equal to GetHistory, seqs unique and increasing,
 * nothing to compact is no version, the errors (empty or oversized summary, ABORTED), two compactions
 * racing under one expected_version (one wins), and a compaction racing appends without one (it
 * re-plans; no append is lost). Memory store and both Redis layouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import { MessageKind, Role, type Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";
import { applyCompactChange, seqsIncreasing } from "../agent/mirror.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

const LAYOUTS = [
  { name: "memory store", env: () => ({}) },
  { name: "redis, hash-tagged keys", env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("cp") }) },
  {
    name: "redis, unbraced keys",
    env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("cp"), ROOMHISTORY_KEY_HASHTAG: "false" }),
  },
];

/** The issue-11 RPCs these tests call, as promises. */
function agentRpc(client: pb.RoomHistoryServiceClient) {
  const call = <Req, Res>(method: string, make: { fromPartial(o: object): Req }) => (req: object) =>
    new Promise<Res>((resolve, reject) => {
      const fn = (client as unknown as Record<string, (r: Req, m: Metadata, cb: (e: ServiceError | null, r: Res) => void) => void>)[method];
      fn.call(client, make.fromPartial(req), new Metadata(), (e, r) => (e ? reject(e) : resolve(r)));
    });
  return {
    compact: call<pb.CompactHistoryRequest, pb.CompactHistoryResponse>("compactHistory", pb.CompactHistoryRequest),
    structure: call<pb.CompactPreservingStructureRequest, pb.CompactPreservingStructureResponse>(
      "compactPreservingStructure", pb.CompactPreservingStructureRequest),
    options: call<pb.SetAgentOptionsRequest, pb.SetAgentOptionsResponse>("setAgentOptions", pb.SetAgentOptionsRequest),
    archive: call<pb.GetArchiveRequest, pb.GetArchiveResponse>("getArchive", pb.GetArchiveRequest),
    prune: call<pb.PruneToolResultsRequest, pb.PruneToolResultsResponse>("pruneToolResults", pb.PruneToolResultsRequest),
  };
}

let rooms = 0;
const room = () => `cp-${++rooms}-${Math.random().toString(36).slice(2, 6)}`;
const toolCall = (id: string, name: string, args: string, content = "") =>
  assistant(content, { toolCalls: [{ id, name, arguments: args }] });
const toolResult = (id: string, content: string, isError = false) =>
  ({ role: Role.ROLE_TOOL, content, toolCallId: id, isError }) as Message;

describe.each(LAYOUTS)("compaction ($name)", ({ env }) => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  let agent: ReturnType<typeof agentRpc>;
  beforeAll(async () => {
    server = await startTestServer({ ...env(), ROOMHISTORY_MAX_MESSAGE_BYTES: "65536" });
    api = rpc(server.client);
    agent = agentRpc(server.client);
  });
  afterAll(async () => server?.stop());

  it("CompactHistory: one COMPACT change a mirror applies to GetHistory's window; values of output keys preserved", async () => {
    const r = room();
    await agent.options({ roomId: r, maxContextTokens: 100_000, outputKeys: ["answer", "plan"] });
    await api.append({ roomId: r, messages: [
      user("task"), assistant('{"plan": "search first"}'), toolCall("c1", "web_search", '{"query":"cats"}'),
      toolResult("c1", "many cats"), assistant("answer: 41"), assistant("answer = 42"), user("go on", { clientInput: true }),
      user("next"), assistant("done"),
    ] });
    const before = await api.history({ roomId: r });
    const w = new WatchRecorder(server.client, { rooms: [{ roomId: r, knownVersion: before.version }] });
    await w.until((x) => x.responses.some((res) => res.created));
    const res = await agent.compact({ roomId: r, summary: "We looked for cats." });
    expect(res.version).toBe(before.version + 1);
    expect(res.compacted).toBe(6);
    expect(res.preservedValues).toEqual({ answer: "42", plan: "search first" });
    expect(res.summary).toMatchObject({ role: Role.ROLE_USER, kind: MessageKind.MESSAGE_KIND_SUMMARY, seq: before.messages[0].seq });
    expect(res.summary!.content).toBe(
      "PRESERVED VALUES (do not lose these):\n- answer: 42\n- plan: search first\n\nCONVERSATION SUMMARY:\nWe looked for cats.");
    expect(res.summary!.tokens).toBeGreaterThan(0);
    expect(res.replacedThroughSeq).toBe(before.messages[6].seq);
    await w.until((x) => x.changes.length === 1);
    const change = w.changes[0];
    w.cancel();
    expect(change.kind).toBe(ChangeKind.CHANGE_KIND_COMPACT);
    expect(change.replacedThroughSeq).toBe(res.replacedThroughSeq);
    const after = await api.history({ roomId: r });
    expect(after.version).toBe(res.version);
    expect(applyCompactChange(before.messages, change.messages, change.replacedThroughSeq)).toEqual(after.messages);
    expect(seqsIncreasing(after.messages)).toBe(true);
    expect(after.messages.map((m) => m.content)).toEqual([res.summary!.content, "go on", "next", "done"]);
    // The archive holds exactly the compacted originals, as GetHistory returned them.
    expect((await agent.archive({ roomId: r })).messages).toEqual([0, 1, 2, 3, 4, 5].map((i) => before.messages[i]));
    // Appends after a compaction continue the seqs.
    const more = await api.append({ roomId: r, messages: [user("later")] });
    expect(more.messages[0].seq).toBeGreaterThan(before.messages.at(-1)!.seq);
  });

  it("keep_recent_tokens and nothing to compact (no version)", async () => {
    const r = room();
    await api.append({ roomId: r, messages: [user("one"), assistant("two")] });
    const nothing = await agent.compact({ roomId: r, summary: "s" });
    expect(nothing).toMatchObject({ version: 1, compacted: 0, replacedThroughSeq: 0 });
    expect(nothing.summary).toBeUndefined();
    expect((await api.info({ roomId: r })).version).toBe(1);
    const byTokens = await agent.compact({ roomId: r, summary: "s", keepRecentTokens: 0 });
    expect(byTokens.compacted).toBe(2);
    expect((await api.history({ roomId: r })).messages.map((m) => m.content)).toEqual(["s"]);
  });

  it("refuses an empty or oversized summary, and a stale expected_version", async () => {
    const r = room();
    await api.append({ roomId: r, messages: [user("a"), assistant("b"), user("c")] });
    const empty = await expectStatus(agent.compact({ roomId: r, summary: "  " }), status.INVALID_ARGUMENT);
    expect(empty.err.details).toMatch(/^summary: /);
    const big = await expectStatus(agent.compact({ roomId: r, summary: "x".repeat(70_000) }), status.RESOURCE_EXHAUSTED);
    expect(big.err.details).toMatch(/^summary: /);
    const stale = await expectStatus(agent.compact({ roomId: r, summary: "s", expectedVersion: 0 }), status.ABORTED);
    expect(stale.info?.metadata.current_version).toBe("1");
    await expectStatus(agent.structure({ roomId: r, expectedVersion: 5 }), status.ABORTED);
    expect((await api.info({ roomId: r })).version).toBe(1);
  });

  it("two compactions under one expected_version: one wins, the other is ABORTED", async () => {
    const r = room();
    await api.append({ roomId: r, messages: Array.from({ length: 10 }, (_, i) => (i % 2 ? assistant(`a${i}`) : user(`u${i}`))) });
    const results = await Promise.allSettled([
      agent.compact({ roomId: r, summary: "first", expectedVersion: 1 }),
      agent.compact({ roomId: r, summary: "second", expectedVersion: 1 }),
    ]);
    const won = results.filter((x) => x.status === "fulfilled");
    const lost = results.filter((x): x is PromiseRejectedResult => x.status === "rejected");
    expect(won.length).toBe(1);
    expect((lost[0].reason as ServiceError).code).toBe(status.ABORTED);
    const after = await api.history({ roomId: r });
    expect(after.version).toBe(2);
    expect(after.messages.length).toBe(3);
  });

  it("a compaction racing appends without expected_version re-plans: no append is lost", async () => {
    const r = room();
    await api.append({ roomId: r, messages: Array.from({ length: 20 }, (_, i) => user(`old${i}`)) });
    const appends = Array.from({ length: 10 }, (_, i) => api.append({ roomId: r, messages: [user(`new${i}`)] }));
    const compaction = agent.compact({ roomId: r, summary: "S", keepRecent: 2 });
    await Promise.all(appends);
    const res = await compaction;
    const after = await api.history({ roomId: r });
    // Every message is in the window or was compacted (the conformance suite shows the archive holds
    // exactly what a compaction moved), and the compaction applied once, after the appends it saw.
    expect(after.messages[0].content).toBe("S");
    expect(res.compacted + after.messages.length - 1).toBe(30);
    expect(after.version).toBe(12);
    expect(res.version).toBeGreaterThan(1);
    expect(seqsIncreasing(after.messages)).toBe(true);
  });

  it("a pruned tool result compacted later: GetArchive returns its original once, not the placeholder", async () => {
    const r = room();
    const big = "data ".repeat(3000);
    await api.append({ roomId: r, messages: [user("task"), toolCall("t1", "web_search", '{"query":"x"}'), toolResult("t1", big),
      toolCall("t2", "web_search", '{"query":"y"}'), toolResult("t2", big), user("a"), assistant("b")] });
    const before = await api.history({ roomId: r });
    const pruned = await agent.prune({ roomId: r, protectTokens: 0, minPruneTokens: 1 });
    expect(pruned.pruned).toBeGreaterThan(0);
    await agent.compact({ roomId: r, summary: "S" });
    const archived = (await agent.archive({ roomId: r })).messages;
    expect(archived).toEqual(before.messages.slice(0, 5));
  });

  it("CompactPreservingStructure (aggressive): keeps set_output and error pairs, reference turn names the archived seqs", async () => {
    const r = room();
    const long = JSON.stringify({ url: `http://example.com/${"p".repeat(300)}` });
    await api.append({ roomId: r, messages: [
      user("task"), toolCall("s1", "web_search", '{"query":"cats"}', "searching"), toolResult("s1", "lots of cats"),
      toolCall("o1", "set_output", JSON.stringify({ key: "answer", value: "v".repeat(300) })), toolResult("o1", "ok"),
      toolCall("e1", "web_scrape", long), toolResult("e1", "timeout", true),
      assistant("thinking"), user("r1"), assistant("r2"), user("r3"), assistant("r4"),
    ] });
    const before = await api.history({ roomId: r });
    const res = await agent.structure({ roomId: r, aggressive: true });
    expect(res.version).toBe(before.version + 1);
    expect(res.shortened).toBe(2);
    const after = await api.history({ roomId: r });
    expect(seqsIncreasing(after.messages)).toBe(true);
    const [ref, ...rest] = after.messages;
    expect(ref).toMatchObject({ kind: MessageKind.MESSAGE_KIND_SUMMARY, role: Role.ROLE_USER, seq: before.messages[0].seq });
    const seqOf = (i: number) => before.messages[i].seq;
    expect(ref.content).toContain(`seqs ${seqOf(0)}-${seqOf(2)}, ${seqOf(7)}; GetArchive(from_seq=${seqOf(0)}, to_seq=${seqOf(7)})`);
    expect(ref.content).toContain("TOOLS ALREADY CALLED:\n  web_search (1x):\n  - cats");
    expect(rest.map((m) => m.toolCallId || m.toolCalls[0]?.id || m.content)).toEqual(["o1", "o1", "e1", "e1", "r1", "r2", "r3", "r4"]);
    for (const m of rest) for (const c of m.toolCalls) expect(c.arguments.length).toBeLessThanOrEqual(200);
    expect(res.archived).toBe(6); // task, the search pair, thinking, and the two rewritten call turns' originals
    expect(res.replacedThroughSeq).toBe(seqOf(7));
    // The range the reference turn names returns the moved messages and the rewritten turns' originals.
    const named = await agent.archive({ roomId: r, fromSeq: seqOf(0), toSeq: seqOf(7) });
    expect(named.messages).toEqual([0, 1, 2, 3, 5, 7].map(seqOf).map((q) => before.messages.find((m) => m.seq === q)));
    // Again: only already compact structure is left before the split.
    expect((await agent.structure({ roomId: r, aggressive: true })).archived).toBe(0);
  });
});
