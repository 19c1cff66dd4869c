/**
 * Issue 11's races, end to end through the generated client on the memory store and both Redis key
 * layouts: workers compacting (with and without expected_version), pruning and appending on one room at
 * once, with a watcher following it. After each race:
 * - per expected version at most one compaction lands; the others are ABORTED (never a silent loss);
 * - every acknowledged append is in GetHistory's window or, byte for byte, in GetArchive;
 * - a mirror that applies the watch's changes by the proto's rules (APPEND, PRUNE by seq, COMPACT by
 *   replaced_through_seq; test/agent/mirror.ts) ends equal to GetHistory, seqs unique and increasing;
 * - every pruned placeholder's original sits in the archive under the same seq.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ChangeKind, type RoomChange } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import { MessageKind, Role, type Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { RoomHistoryClient, RoomMirror, type RoomChangedEvent } from "@roomhistory/client";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";
import { applyCompactChange, seqsIncreasing } from "./mirror.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

const LAYOUTS = [
  { name: "memory store", env: () => ({}) },
  { name: "redis, hash-tagged keys", env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("race") }) },
  {
    name: "redis, unbraced keys",
    env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("race"), ROOMHISTORY_KEY_HASHTAG: "false" }),
  },
];

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
    prune: call<pb.PruneToolResultsRequest, pb.PruneToolResultsResponse>("pruneToolResults", pb.PruneToolResultsRequest),
    archive: call<pb.GetArchiveRequest, pb.GetArchiveResponse>("getArchive", pb.GetArchiveRequest),
  };
}

let rooms = 0;
const roomName = () => `race-${++rooms}-${Math.random().toString(36).slice(2, 6)}`;
const toolCall = (id: string) => assistant("", { toolCalls: [{ id, name: "search_docs", arguments: `{"q":"${id}"}` }] });
const toolResult = (id: string, content: string) => ({ role: Role.ROLE_TOOL, content, toolCallId: id, isError: false }) as Message;

/** A watcher's copy of the window: the proto's rules for the change kinds these races produce. */
function applyChange(window: Message[], c: RoomChange): Message[] {
  expect(c.messagesOmitted, `change ${c.version} arrived without its messages`).toBe(false);
  switch (c.kind) {
    case ChangeKind.CHANGE_KIND_APPEND:
      return [...window.slice(c.trimmed), ...c.messages];
    case ChangeKind.CHANGE_KIND_PRUNE: {
      const bySeq = new Map(c.messages.map((m) => [m.seq, m]));
      return window.map((m) => bySeq.get(m.seq) ?? m);
    }
    case ChangeKind.CHANGE_KIND_COMPACT:
      return applyCompactChange(window, c.messages, c.replacedThroughSeq);
    default:
      throw new Error(`unexpected change kind ${ChangeKind[c.kind]} at version ${c.version}`);
  }
}

/** Equality of what a mirror and GetHistory hold (the fields a window is made of). */
const shape = (ms: readonly Message[]) =>
  ms.map((m) => ({ seq: m.seq, id: m.id, role: m.role, content: m.content, toolCallId: m.toolCallId, toolCalls: m.toolCalls }));

describe.each(LAYOUTS)("agent races ($name)", ({ env }) => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  let agent: ReturnType<typeof agentRpc>;
  beforeAll(async () => {
    server = await startTestServer(env());
    api = rpc(server.client);
    agent = agentRpc(server.client);
  });
  afterAll(async () => server?.stop());

  /** A fresh room whose limit no race reaches: a trim would drop acked turns without archiving them. */
  async function room(): Promise<string> {
    const r = roomName();
    await api.setLimit({ roomId: r, limit: 100_000 });
    return r;
  }

  /** The whole archive, page after page. */
  async function archiveOf(roomId: string): Promise<Message[]> {
    const out: Message[] = [];
    let pageToken = "";
    do {
      const page = await agent.archive({ roomId, pageSize: 7, pageToken });
      out.push(...page.messages);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  /** Opens a watch at the room's current version; `finish` waits for `version` and checks the mirror. */
  async function follow(roomId: string) {
    const start = await api.history({ roomId });
    const w = new WatchRecorder(server.client, { rooms: [{ roomId, knownVersion: start.version }] });
    await w.until((x) => x.responses.some((r) => r.created));
    return async () => {
      const end = await api.history({ roomId });
      await w.until((x) => x.changes.some((c) => c.version >= end.version));
      w.cancel();
      const mirror = w.changes.filter((c) => c.version <= end.version).reduce(applyChange, start.messages);
      expect(shape(mirror)).toEqual(shape(end.messages));
      expect(seqsIncreasing(end.messages)).toBe(true);
      return end;
    };
  }

  /** Every acknowledged content is in the window or in the archive (the archive keeps originals). */
  async function expectNothingLost(roomId: string, acked: readonly string[]): Promise<Message[]> {
    const window = (await api.history({ roomId })).messages;
    const archive = await archiveOf(roomId);
    const seen = new Set([...window, ...archive].map((m) => m.content));
    expect(acked.filter((c) => !seen.has(c))).toEqual([]);
    return archive;
  }

  it("two workers compacting under one expected_version while a third appends: one wins per version, the other is ABORTED, nothing acked is lost", async () => {
    const r = await room();
    const seed = Array.from({ length: 30 }, (_, i) => `seed ${i}`);
    await api.append({ roomId: r, messages: seed.map((c, i) => (i % 2 ? assistant(c) : user(c))) });
    const finish = await follow(r);
    const acked = [...seed];
    let wins = 0;
    for (let round = 0; round < 8; round++) {
      const { version } = await api.history({ roomId: r });
      const compact = (w: string) => agent.compact({ roomId: r, summary: `summary ${round} by ${w}`, keepRecent: 4, expectedVersion: version });
      // Odd rounds: an append races both compactions (it may beat both; then both are ABORTED).
      const appends = round % 2 ? [0, 1, 2].map((k) => `append ${round}.${k}`) : [];
      const [a, b, ...rest] = await Promise.allSettled([compact("A"), compact("B"),
        ...appends.map((c) => api.append({ roomId: r, messages: [user(c)] }))]);
      rest.forEach((s, k) => {
        expect(s.status).toBe("fulfilled");
        acked.push(appends[k]);
      });
      const landed = [a, b].filter((s) => s.status === "fulfilled");
      for (const s of [a, b]) if (s.status === "rejected") expect((s.reason as ServiceError).code).toBe(status.ABORTED);
      expect(landed.length).toBeLessThanOrEqual(1);
      if (round % 2 === 0) {
        // Nothing else wrote: exactly one wins, and the loser is told the winner's version.
        expect(landed.length).toBe(1);
        const loser = [a, b].find((s) => s.status === "rejected")!;
        const { info } = await expectStatus(Promise.reject(loser.reason as Error), status.ABORTED);
        expect(info?.metadata).toMatchObject({ expected_version: String(version), current_version: String(version + 1) });
      }
      wins += landed.length;
      // More to compact next round.
      const more = [0, 1, 2, 3, 4, 5].map((k) => `more ${round}.${k}`);
      await api.append({ roomId: r, messages: more.map((c) => user(c)) });
      acked.push(...more);
    }
    expect(wins).toBeGreaterThanOrEqual(4);
    await finish();
    await expectNothingLost(r, acked);
  });

  it("compactions without expected_version racing three appenders: each lands (re-planned) or is ABORTED, the mirror converges, nothing acked is lost", async () => {
    const r = await room();
    await api.append({ roomId: r, messages: Array.from({ length: 20 }, (_, i) => user(`seed ${i}`)) });
    const finish = await follow(r);
    const acked: string[] = [];
    let stop = false;
    const appender = async (w: number) => {
      for (let i = 0; !stop; i++) {
        await api.append({ roomId: r, messages: [user(`w${w} ${i}`), assistant(`w${w} ${i} reply`)] });
        acked.push(`w${w} ${i}`, `w${w} ${i} reply`);
      }
    };
    const writers = [0, 1, 2].map(appender);
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const call = i % 2 ? agent.structure({ roomId: r, keepRecent: 6 }) : agent.compact({ roomId: r, summary: `summary ${i}`, keepRecent: 6 });
      outcomes.push(await call.then(() => "ok", (e: ServiceError) => {
        expect(e.code, e.details).toBe(status.ABORTED);
        return "aborted";
      }));
    }
    stop = true;
    await Promise.all(writers);
    expect(acked.length).toBeGreaterThan(0);
    expect(outcomes).toContain("ok");
    const end = await finish();
    expect(end.messages.filter((m) => m.kind === MessageKind.MESSAGE_KIND_SUMMARY).length).toBeGreaterThan(0);
    await expectNothingLost(r, acked.slice());
  });

  it("prune racing appends of tool results: placeholders keep their seqs, originals are in the archive byte for byte, the mirror converges", async () => {
    const r = await room();
    const body = (id: string) => `${id}: ${"rows of figures ".repeat(80)}`; // ~1.3 KB, well over 100 characters
    const pair = (id: string) => [toolCall(id), toolResult(id, body(id))];
    await api.append({ roomId: r, messages: Array.from({ length: 12 }, (_, i) => pair(`seed-${i}`)).flat() });
    const finish = await follow(r);
    const acked = Array.from({ length: 12 }, (_, i) => body(`seed-${i}`));
    let stop = false;
    const appender = async (w: number) => {
      for (let i = 0; !stop; i++) {
        await api.append({ roomId: r, messages: [user(`ask ${w}.${i}`), ...pair(`w${w}-${i}`)] });
        acked.push(`ask ${w}.${i}`, body(`w${w}-${i}`));
      }
    };
    const writers = [0, 1].map(appender);
    const pruned: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await agent.prune({ roomId: r, protectTokens: 400, minPruneTokens: 1 }).catch((e: ServiceError) => {
        expect(e.code, e.details).toBe(status.ABORTED);
        return undefined;
      });
      if (res) pruned.push(...res.seqs);
    }
    stop = true;
    await Promise.all(writers);
    expect(pruned.length).toBeGreaterThan(0);
    const end = await finish();
    const archive = await expectNothingLost(r, acked);
    const originals = new Map(archive.map((m) => [m.seq, m]));
    for (const seq of pruned) {
      const placeholder = end.messages.find((m) => m.seq === seq)!;
      expect(placeholder.content).toMatch(/^\[Pruned tool result: \d+ characters cleared/);
      const original = originals.get(seq)!;
      expect(original.content).toBe(body(original.content.split(":")[0]));
      expect(placeholder.toolCallId).toBe(original.toolCallId);
    }
  });

  it("the TS client's RoomMirror follows a room through racing compactions, prunes and appends: it applies PRUNE and COMPACT without a refetch and ends equal to GetHistory", async () => {
    const r = await room();
    const pair = (id: string) => [toolCall(id), toolResult(id, `${id}: ${"x".repeat(600)}`)];
    await api.append({ roomId: r, messages: Array.from({ length: 10 }, (_, i) => [user(`ask ${i}`), ...pair(`s${i}`)]).flat() });
    const client = new RoomHistoryClient(server.address, { timeoutMs: 10_000 });
    const mirror = new RoomMirror(client, [r]);
    const events: RoomChangedEvent[] = [];
    mirror.on("changed", (e) => events.push(e));
    try {
      await mirror.ready();
      let stop = false;
      const writer = (async () => {
        for (let i = 0; !stop; i++) await api.append({ roomId: r, messages: [user(`more ${i}`), ...pair(`m${i}`)] });
      })();
      const aborted = (e: ServiceError) => expect(e.code, e.details).toBe(status.ABORTED);
      for (let i = 0; i < 6; i++) {
        await agent.prune({ roomId: r, protectTokens: 200, minPruneTokens: 1 }).catch(aborted);
        await (i % 2 ? agent.structure({ roomId: r, keepRecent: 4 }) : agent.compact({ roomId: r, summary: `s${i}`, keepRecent: 4 })).catch(aborted);
      }
      stop = true;
      await writer;
      const end = await api.history({ roomId: r });
      await mirror.waitForVersion(r, end.version, 10_000);
      expect(shape(await mirror.getMessages(r))).toEqual(shape(end.messages));
      const rewrites = events.filter((e) => [ChangeKind.CHANGE_KIND_PRUNE, ChangeKind.CHANGE_KIND_COMPACT].includes(e.change.kind));
      expect(rewrites.length).toBeGreaterThan(0);
      expect(rewrites.filter((e) => e.refetched).map((e) => `${ChangeKind[e.change.kind]}@${e.version}`)).toEqual([]);
    } finally {
      mirror.close();
      client.close();
    }
  });
});
