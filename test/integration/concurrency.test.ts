import { afterAll, beforeAll, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";

const WRITERS = 20;
const APPENDS = 50;

let redis: TestRedis;
let server: TestServer;
let api: ReturnType<typeof rpc>;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix() });
  api = rpc(server.client);
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

async function checkRoom(room: string, seen: number[][]) {
  const all = seen.flat();
  expect(new Set(all).size, "every append got its own version").toBe(WRITERS * APPENDS);
  for (const versions of seen) expect(versions).toEqual([...versions].sort((a, b) => a - b));
  const h = await api.history({ roomId: room });
  expect(h.version).toBe(WRITERS * APPENDS + 1); // + SetRoomLimit
  const contents = h.messages.map((m) => m.content);
  expect(new Set(contents).size, "no duplicates").toBe(WRITERS * APPENDS);
  for (let w = 0; w < WRITERS; w++) {
    const mine = contents.filter((c) => c.startsWith(`w${w}:`));
    expect(mine, `writer ${w}'s messages all present, in its order`).toEqual(
      Array.from({ length: APPENDS }, (_, i) => `w${w}:${i}`),
    );
  }
  expect(h.messages.map((m) => m.seq)).toEqual(Array.from({ length: WRITERS * APPENDS }, (_, i) => i + 1));
}

it("20 unconditional writers × 50 appends lose nothing", async () => {
  const room = "concurrent-plain";
  await api.setLimit({ roomId: room, limit: 1000 });
  const seen = await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const versions: number[] = [];
      for (let i = 0; i < APPENDS; i++) {
        versions.push((await api.append({ roomId: room, messages: [user(`w${w}:${i}`)] })).version);
      }
      return versions;
    }),
  );
  await checkRoom(room, seen);
});

it("20 compare-and-set writers × 50 appends lose nothing and retry on ABORTED", async () => {
  const room = "concurrent-cas";
  await api.setLimit({ roomId: room, limit: 1000 });
  let conflicts = 0;
  const seen = await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const versions: number[] = [];
      let known = (await api.info({ roomId: room })).version;
      for (let i = 0; i < APPENDS; ) {
        try {
          known = (await api.append({ roomId: room, messages: [user(`w${w}:${i}`)], expectedVersion: known })).version;
          versions.push(known);
          i++;
        } catch (err) {
          const e = err as { code: number; metadata: { get(k: string): unknown[] } };
          expect(e.code).toBe(status.ABORTED);
          conflicts++;
          known = (await api.info({ roomId: room })).version;
        }
      }
      return versions;
    }),
  );
  expect(conflicts).toBeGreaterThan(0);
  await checkRoom(room, seen);
});
