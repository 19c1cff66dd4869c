/**
 * ExportRooms under a slow reader: the server reads a room only when the call can take its record, so
 * a reader that stops leaves the server holding a few records, not the export (2,000 rooms here). The
 * rooms the server has read are counted in Redis (INFO commandstats: one EVALSHA per room exported),
 * since what the server buffers is what it read and could not send yet. A cancel stops the reads.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import type { ExportRoomsResponse } from "@roomhistory/client/gen/roomhistory/v1/export.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { importRecords } from "./transfer-rpc.js";

const ROOMS = 2000;
let redis: TestRedis;
let admin: Redis;
let server: TestServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  admin = new Redis(redis.url);
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("bp") });
  const text = "x".repeat(2000);
  const res = await importRecords(server.client, Array.from({ length: ROOMS }, (_, i) => ({
    record: { room: { roomId: `room-${String(i).padStart(5, "0")}`, version: 1, messages: [{ role: Role.ROLE_USER, content: text }] } },
  })));
  expect(res.roomsCreated).toBe(ROOMS);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  admin?.disconnect();
  await redis?.stop();
});

/** Scripts run so far (the export reads each room with one). */
async function scriptCalls(): Promise<number> {
  const stats = await admin.info("commandstats");
  return [...stats.matchAll(/cmdstat_(?:evalsha|eval|fcall)[^:]*:calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

/** The script count once it stops moving (nothing to await: the server just stops reading). */
async function settledScriptCalls(): Promise<number> {
  let last = -1;
  let now = await scriptCalls();
  while (now !== last) {
    await sleep(150);
    last = now;
    now = await scriptCalls();
  }
  return now;
}

it("a reader that stops holds the server back; resumed, it gets every room", async () => {
  const before = await scriptCalls();
  const stream = server.client.exportRooms({ roomIds: [], namespace: "", all: true });
  let received = 1;
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  await new Promise<void>((resolve) => stream.once("data", () => {
    stream.pause();
    resolve();
  }));
  stream.on("data", (_: ExportRoomsResponse) => received++);
  const readWhilePaused = (await settledScriptCalls()) - before;
  expect(readWhilePaused).toBeGreaterThan(0);
  // Measured: about 60 (the call buffer, HTTP/2 windows and the client buffer, some 2 KB records each).
  expect(readWhilePaused).toBeLessThan(300);
  stream.resume();
  await ended;
  expect(received).toBe(ROOMS + 1);
}, 60_000);

it("a cancel stops the export's reads", async () => {
  const before = await scriptCalls();
  const stream = server.client.exportRooms({ roomIds: [], namespace: "", all: true });
  stream.on("error", () => undefined);
  await new Promise<void>((resolve) => stream.once("data", () => resolve()));
  stream.cancel();
  expect((await settledScriptCalls()) - before).toBeLessThan(ROOMS / 4);
}, 60_000);
