/**
 * PruneToolResults and GetArchive end to end through the generated client: a prune is one version
 * and one PRUNE change on the watch, the placeholders keep their seqs, GetArchive returns the originals
 * exactly as GetHistory returned them before, nothing happens below min_prune_tokens, and a caller's
 * expected_version that does not match is ABORTED with the current version. Memory store and both
 * Redis layouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

const LAYOUTS = [
  { name: "memory store", env: () => ({}) },
  { name: "redis, hash-tagged keys", env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("pr") }) },
  {
    name: "redis, unbraced keys",
    env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("pr"), ROOMHISTORY_KEY_HASHTAG: "false" }),
  },
];

function pruneRpc(client: pb.RoomHistoryServiceClient) {
  const done = <T>(resolve: (v: T) => void, reject: (e: ServiceError) => void) =>
    (e: ServiceError | null, r: T) => (e ? reject(e) : resolve(r));
  return {
    prune: (req: pb.DeepPartial<pb.PruneToolResultsRequest>) => new Promise<pb.PruneToolResultsResponse>(
      (resolve, reject) => client.pruneToolResults(pb.PruneToolResultsRequest.fromPartial(req), new Metadata(), done(resolve, reject))),
    archive: (req: pb.DeepPartial<pb.GetArchiveRequest>) => new Promise<pb.GetArchiveResponse>(
      (resolve, reject) => client.getArchive(pb.GetArchiveRequest.fromPartial(req), new Metadata(), done(resolve, reject))),
  };
}

let rooms = 0;
const room = () => `pr-${++rooms}-${Math.random().toString(36).slice(2, 6)}`;

/** A tool-using exchange: the call and its result of `chars` characters (multi-byte included). */
const exchange = (i: number, chars: number) => [
  assistant("", { toolCalls: [{ id: `call-${i}`, name: "search", arguments: `{"q":"${i}"}` }] }),
  { role: Role.ROLE_TOOL, content: `résultat ${i} `.padEnd(chars, "é"), toolCallId: `call-${i}` },
];

describe.each(LAYOUTS)("PruneToolResults and GetArchive ($name)", ({ env }) => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  let agent: ReturnType<typeof pruneRpc>;
  beforeAll(async () => {
    server = await startTestServer(env());
    api = rpc(server.client);
    agent = pruneRpc(server.client);
  });
  afterAll(async () => server?.stop());

  it("prunes old results in one version; GetArchive returns the originals as GetHistory did", async () => {
    const id = room();
    await api.append({ roomId: id, messages: [user("go"), ...exchange(1, 2000), ...exchange(2, 2000), ...exchange(3, 2000)] });
    const before = (await api.history({ roomId: id })).messages;
    const tools = before.filter((m) => m.role === Role.ROLE_TOOL);

    // Below min_prune_tokens: nothing happens, the version stays.
    const none = await agent.prune({ roomId: id, protectTokens: 1, minPruneTokens: 1_000_000 });
    expect(none).toEqual({ version: 1, pruned: 0, freedTokens: 0, seqs: [] });

    const res = await agent.prune({ roomId: id, protectTokens: 1, minPruneTokens: 1 });
    expect(res.version).toBe(2);
    expect(res.seqs).toEqual([tools[0].seq, tools[1].seq]);
    expect(res.freedTokens).toBeGreaterThan(0);
    const after = (await api.history({ roomId: id })).messages;
    expect(after.map((m) => m.seq)).toEqual(before.map((m) => m.seq));
    const pruned = after.filter((m) => m.pruned);
    expect(pruned.map((m) => m.seq)).toEqual(res.seqs);
    expect(pruned[0].content).toBe(`[Pruned tool result: 2000 characters cleared from context. GetArchive(from_seq=${tools[0].seq}, to_seq=${tools[0].seq}) returns the original.]`);
    expect(pruned[0].toolCallId).toBe("call-1");

    const one = await agent.archive({ roomId: id, fromSeq: tools[0].seq, toSeq: tools[0].seq });
    expect(one).toEqual({ messages: [tools[0]], nextPageToken: "" });
    const first = await agent.archive({ roomId: id, pageSize: 1 });
    expect(first.messages).toEqual([tools[0]]);
    const second = await agent.archive({ roomId: id, pageSize: 1, pageToken: first.nextPageToken });
    expect(second).toEqual({ messages: [tools[1]], nextPageToken: "" });

    // Already pruned: a second prune finds nothing more.
    expect((await agent.prune({ roomId: id, protectTokens: 1, minPruneTokens: 1 })).pruned).toBe(0);
  });

  it("answers ABORTED with the current version when expected_version does not match", async () => {
    const id = room();
    await api.append({ roomId: id, messages: [...exchange(1, 500), ...exchange(2, 500)] });
    const { info } = await expectStatus(agent.prune({ roomId: id, protectTokens: 1, minPruneTokens: 1, expectedVersion: 3 }), status.ABORTED);
    expect(info?.metadata.current_version).toBe("1");
    expect((await agent.prune({ roomId: id, protectTokens: 1, minPruneTokens: 1, expectedVersion: 1 })).version).toBe(2);
  });

  it("checks GetArchive's arguments", async () => {
    await expectStatus(agent.archive({ roomId: room(), fromSeq: 5, toSeq: 4 }), status.INVALID_ARGUMENT);
    await expectStatus(agent.archive({ roomId: room(), pageToken: "nope" }), status.INVALID_ARGUMENT);
    expect(await agent.archive({ roomId: room() })).toEqual({ messages: [], nextPageToken: "" });
  });
});
