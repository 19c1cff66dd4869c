/**
 * Server memory stays bounded while several clients read a 64 MiB room again and again: the decoded
 * window, its encoded reply and the rendered histories live in one budget (ROOMHISTORY_READ_CACHE_BYTES),
 * and replies leave without extra copies. The server runs as its own process; its RSS comes from
 * /proc/<pid>/status.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RenderForm, Role, RoomHistoryClient } from "@roomhistory/client";
import { TestRedis } from "../helpers/redis.js";
import { ServerProcess, uniquePrefix } from "../helpers/server.js";

const MiB = 1024 * 1024;
const ROOM_BYTES = 64 * MiB;
const CACHE_BYTES = 160 * MiB;
const CLIENTS = 4;
/**
 * The stated bound on RSS above idle: the read cache's budget, plus one framed copy of a reply per
 * reader in flight (grpc-js's frame, the only copy a reply makes), plus 64 MiB of allocator and V8 slack.
 */
const BOUND_BYTES = CACHE_BYTES + CLIENTS * ROOM_BYTES + 64 * MiB;
const ROUNDS = 4;

let redis: TestRedis;
let server: ServerProcess;
const clients: RoomHistoryClient[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await ServerProcess.start({
    ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("rss"),
    ROOMHISTORY_MAX_ROOM_BYTES: String(ROOM_BYTES + 4 * MiB), ROOMHISTORY_MAX_REPLY_BYTES: String(ROOM_BYTES + 8 * MiB),
    ROOMHISTORY_READ_CACHE_BYTES: String(CACHE_BYTES),
  });
  for (let i = 0; i < CLIENTS; i++) clients.push(new RoomHistoryClient(server.address, { timeoutMs: 120_000 }));
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
  await redis?.stop();
});

function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** One client's round: the whole window, the window in 8 MiB pages, and both render forms. */
async function readRound(client: RoomHistoryClient): Promise<void> {
  const whole = await client.getHistory({ roomId: "big" });
  let pageToken = "";
  let paged = 0;
  do {
    const page = await client.getHistory({ roomId: "big", pageSize: 8, pageToken });
    expect(page.version).toBe(whole.version);
    paged += page.messages.length;
    pageToken = page.nextPageToken;
  } while (pageToken);
  expect(paged).toBe(whole.messages.length);
  await client.renderMessages({ roomId: "big" });
  await client.renderMessages({ roomId: "big", form: RenderForm.RENDER_FORM_JSON });
}

it("keeps the server's RSS within a stated bound of its idle value while clients read a 64 MiB room", async () => {
  const writer = clients[0];
  await writer.setRoomLimit({ roomId: "big", limit: 1000 });
  const content = "x".repeat(MiB - 4 * 1024);
  for (let i = 0; i < ROOM_BYTES / MiB; i++) {
    await writer.appendMessages({ roomId: "big", messages: [{ role: i % 2 ? Role.ROLE_ASSISTANT : Role.ROLE_USER, content }] });
  }
  const info = await writer.getRoomInfo({ roomId: "big" });
  expect(info.windowBytes).toBeGreaterThan(ROOM_BYTES - 2 * MiB);
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rss(server.pid!);

  const after: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(clients.map(readRound));
    after.push(rss(server.pid!));
  }
  const growth = after.map((r) => Math.round((r - idle) / MiB));
  console.log(`server RSS idle ${Math.round(idle / MiB)} MiB; after each round +${growth.join(", +")} MiB`);
  for (const r of after) expect(r - idle).toBeLessThanOrEqual(BOUND_BYTES);
  // Bounded, not growing: the last round ends where the second did, give or take the slack.
  expect(after.at(-1)! - after[1]).toBeLessThanOrEqual(64 * MiB);
}, 300_000);
