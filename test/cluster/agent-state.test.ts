/**
 * Agent state on a Redis Cluster: SetAgentOptions, the token total, GetRoomInfo's archive count and
 * archive_trimmed run in each room's slot (the archive shares the room's hash tag; append-6.lua and
 * set-limit-5.lua name it), for rooms spread over every node.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { TestRedisCluster } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";

let cluster: TestRedisCluster;
let server: TestServer;
const ROOMS = Array.from({ length: 8 }, (_, i) => `agent-room-${i}`);

beforeAll(async () => {
  cluster = await TestRedisCluster.start(3);
  server = await startTestServer({ ROOMHISTORY_REDIS_CLUSTER: cluster.seeds, ROOMHISTORY_KEY_PREFIX: uniquePrefix("ca") });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
});

it("keeps agent options, the token total and the trimmed archive of rooms on every node", async () => {
  const api = rpc(server.client);
  const setOptions = (req: pb.DeepPartial<pb.SetAgentOptionsRequest>) => new Promise<pb.SetAgentOptionsResponse>((resolve, reject) =>
    server.client.setAgentOptions(pb.SetAgentOptionsRequest.fromPartial(req), new Metadata(),
      (e: ServiceError | null, r: pb.SetAgentOptionsResponse) => (e ? reject(e) : resolve(r))));
  const batch = Array.from({ length: 52 }, (_, i) => user(`turn ${i}`));
  for (const roomId of ROOMS) {
    await api.setLimit({ roomId, limit: 50 });
    await setOptions({ roomId, maxContextTokens: 100_000, archiveTrimmed: true, outputKeys: ["answer"] });
    expect((await api.append({ roomId, messages: batch })).trimmed).toBe(2);
    const tokens = (await api.history({ roomId })).messages.reduce((n, m) => n + m.tokens, 0);
    expect(await api.info({ roomId })).toMatchObject({
      tokenCount: tokens, maxContextTokens: 100_000, outputKeys: ["answer"], archiveTrimmed: true, archiveCount: 2,
    });
    await api.setLimit({ roomId, limit: 50, maxBytes: 64 * 1024 });
    await api.deleteRoom({ roomId });
    expect(await api.info({ roomId })).toMatchObject({ tokenCount: 0, maxContextTokens: 0, archiveCount: 0 });
  }
});
