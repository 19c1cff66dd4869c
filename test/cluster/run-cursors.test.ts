/**
 * Run cursors on a Redis Cluster: the cursor hash shares the room's hash tag, so the cursor scripts run
 * in the room's slot, and DeleteRoom's bury() drops the cursors (KEYS[5] of every room script, in the
 * same slot) for rooms spread over every node.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { TestRedisCluster } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";

let cluster: TestRedisCluster;
let server: TestServer;
const ROOMS = Array.from({ length: 8 }, (_, i) => `cursor-room-${i}`);

beforeAll(async () => {
  cluster = await TestRedisCluster.start(3);
  server = await startTestServer({ ROOMHISTORY_REDIS_CLUSTER: cluster.seeds, ROOMHISTORY_KEY_PREFIX: uniquePrefix("cc") });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
});

it("sets, reads and drops run cursors of rooms on every node", async () => {
  const api = rpc(server.client);
  const done = <T>(resolve: (v: T) => void, reject: (e: ServiceError) => void) =>
    (e: ServiceError | null, r: T) => (e ? reject(e) : resolve(r));
  const get = (roomId: string) => new Promise<pb.GetRunCursorResponse>((resolve, reject) =>
    server.client.getRunCursor(pb.GetRunCursorRequest.fromPartial({ roomId, runId: "run" }), new Metadata(), done(resolve, reject)));
  const update = (roomId: string) => new Promise<pb.UpdateRunCursorResponse>((resolve, reject) =>
    server.client.updateRunCursor(pb.UpdateRunCursorRequest.fromPartial({ roomId, runId: "run", nextSeq: 2, values: { k: roomId } }),
      new Metadata(), done(resolve, reject)));
  for (const roomId of ROOMS) {
    await api.append({ roomId, messages: [user("hi", { runId: "run" })] });
    expect(await update(roomId)).toEqual({ nextSeq: 2, values: { k: roomId } });
    expect(await get(roomId)).toEqual({ exists: true, nextSeq: 2, values: { k: roomId } });
    await api.deleteRoom({ roomId });
    expect((await get(roomId)).exists).toBe(false);
  }
});
