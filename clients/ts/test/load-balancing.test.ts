/**
 * Client-side load balancing across replicas (README "Several replicas"): two servers on one
 * redis-server, one client whose target lists both. With `loadBalancing: "round_robin"` its watches
 * land on both replicas; when one replica shuts down, the watches it held resume on the other and
 * nothing is missed; calls go on. Without the option (grpc's pick_first) every stream lands on one.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { Role, RoomHistoryClient, type WatchStream } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { waitFor } from "../../../test/helpers/ports.js";

let redis: TestRedis;
let replicas: TestServer[] = [];
const clients: RoomHistoryClient[] = [];
const streams: WatchStream[] = [];
/** Each stream's first change, asked for at once: a stream reads (and answers progress) while iterated. */
const firsts: Promise<IteratorResult<unknown>>[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  firsts.length = 0;
  for (const c of clients.splice(0)) c.close();
  await Promise.all(replicas.map((r) => r.stop()));
  replicas = [];
});
afterAll(async () => {
  await redis?.stop();
});

async function twoReplicas(): Promise<string> {
  const env = { ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("lb") };
  replicas = await Promise.all([startTestServer(env), startTestServer(env)]);
  return `ipv4:${replicas.map((r) => r.address).join(",")}`;
}

const openOn = (r: TestServer) => r.app.watch.openStreams;
const user = (content: string) => ({ role: Role.ROLE_USER, content });

describe("a client over several replicas", () => {
  it("spreads watches with round_robin, and a replica's shutdown moves its watches to the other", async () => {
    const client = new RoomHistoryClient(await twoReplicas(), { loadBalancing: "round_robin" });
    clients.push(client);
    await client.appendMessages({ roomId: "lb/1", messages: [user("first")] });
    // round_robin uses a replica once its connection is ready: open watches until both hold some.
    await waitFor(async () => {
      const stream = client.watch([{ roomId: "lb/1", knownVersion: 1 }]);
      streams.push(stream);
      firsts.push(stream.next());
      await stream.requestProgress();
      return replicas.every((r) => openOn(r) > 0) || streams.length >= 12;
    }, 30_000, "watches opened");
    expect(replicas.map(openOn).every((n) => n > 0)).toBe(true);
    expect(openOn(replicas[0]) + openOn(replicas[1])).toBe(streams.length);

    const [gone, staying] = replicas;
    replicas = [staying];
    await gone.stop();
    await client.appendMessages({ roomId: "lb/1", messages: [user("after the shutdown")] });
    for (const first of firsts) {
      expect((await first).value).toMatchObject({ roomId: "lb/1", version: 2, previousVersion: 1 });
    }
    await waitFor(() => openOn(staying) === streams.length, 30_000, "every watch on the remaining replica");
  }, 90_000);

  it("sends every stream to one replica without it (pick_first)", async () => {
    const client = new RoomHistoryClient(await twoReplicas());
    clients.push(client);
    for (let i = 0; i < 6; i++) {
      const stream = client.watch(["lb/2"]);
      streams.push(stream);
      firsts.push(stream.next());
      await stream.requestProgress();
    }
    expect(replicas.map(openOn).sort()).toEqual([0, 6]);
  }, 60_000);
});
