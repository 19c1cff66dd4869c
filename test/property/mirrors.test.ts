/**
 * Mirrors converge (issue 8, "Proof"): random operations through a real server on a real redis-server,
 * some of them concurrent, with a TS RoomMirror following the rooms; at the end every mirror holds
 * exactly what GetHistory answers, at the same version. Both key layouts (the unbraced one writes
 * legacy markers that the mirror must never see). Trims (a window of 3), omitted messages (small
 * events), deletions and expiries (reaped by the server) all pass through the mirror.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import fc from "fast-check";
import { Role, RoomHistoryClient, RoomHistoryError, RoomMirror, type Message } from "@roomhistory/client";
import type { DeepPartial } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { expectMirrored } from "../../clients/ts/test/compare.js";
import { MESSAGE_IDS } from "./ops.js";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1);

let redis: TestRedis;
const servers: { layout: string; server: TestServer; client: RoomHistoryClient }[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  for (const hashTag of ["true", "false"]) {
    const server = await startTestServer({
      ROOMHISTORY_REDIS_URL: redis.url,
      ROOMHISTORY_KEY_PREFIX: uniquePrefix("mirrors"),
      ROOMHISTORY_KEY_HASHTAG: hashTag,
      ROOMHISTORY_MAX_HISTORY: "3",
      ROOMHISTORY_MAX_EVENT_BYTES: "400",
      ROOMHISTORY_REAP_INTERVAL_MS: "200",
    });
    servers.push({ layout: hashTag === "true" ? "hash-tagged" : "unbraced", server, client: new RoomHistoryClient(server.address) });
  }
});
afterAll(async () => {
  for (const s of servers) {
    s.client.close();
    await s.server.stop();
  }
  await redis?.stop();
});

type MirrorOp =
  | { t: "append"; room: number; messages: { id?: string; text: string; big: boolean; image: boolean }[] }
  | { t: "update" | "markDeleted" | "reactions"; room: number; id: string; text: string }
  | { t: "clear" | "discard" | "deleteRoom"; room: number }
  | { t: "setLimit"; room: number; limit: number }
  | { t: "expire"; room: number };

const room = fc.nat(1);
const text = fc.constantFrom("hi", "", "[deleted at x] y", "café 😀", '"q" \\ /', "[Reactions: 👍] z");
const opArb: fc.Arbitrary<MirrorOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    t: fc.constant("append" as const), room,
    messages: fc.array(fc.record({
      id: fc.option(fc.constantFrom(...MESSAGE_IDS), { nil: undefined }), text, big: fc.boolean(), image: fc.boolean(),
    }), { minLength: 1, maxLength: 3 }),
  }) },
  { weight: 3, arbitrary: fc.record({
    t: fc.constantFrom("update" as const, "markDeleted" as const, "reactions" as const), room, id: fc.constantFrom(...MESSAGE_IDS), text,
  }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom("clear" as const, "discard" as const, "deleteRoom" as const), room }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("setLimit" as const), room, limit: fc.constantFrom(50, 60) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("expire" as const), room }) },
);

/**
 * Groups of operations; the operations of one group run concurrently. An expiry runs alone, so that
 * no write lands inside its one-second retention and no room can expire while the mirrors are compared.
 */
const runArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 })
  .filter((groups) => groups.flat().filter((o) => o.t === "expire").length <= 1)
  .map((groups) => groups.flatMap((g) => (g.some((o) => o.t === "expire") ? g.map((o) => [o]) : [g])));

function message(m: { id?: string; text: string; big: boolean; image: boolean }): DeepPartial<Message> {
  const content = m.big ? m.text + "x".repeat(500) : m.text;
  const parts = m.image ? [{ text: content }, { imageUrl: { url: "https://example.invalid/i.png" } }] : [];
  return { role: Role.ROLE_USER, content: m.image ? "" : content, parts, id: m.id ?? "" };
}

async function perform(client: RoomHistoryClient, rooms: string[], op: MirrorOp): Promise<void> {
  const roomId = rooms[op.room];
  try {
    switch (op.t) {
      case "append": await client.appendMessages({ roomId, messages: op.messages.map(message) }); break;
      case "update": await client.updateMessage({ roomId, messageId: op.id, content: op.text }); break;
      case "markDeleted":
        await client.markDeleted({ roomId, messageId: op.id, deletedAt: { seconds: 1_750_000_000, nanos: 0 } });
        break;
      case "reactions": await client.patchReactions({ roomId, messageId: op.id, reactions: [{ emoji: "👍", count: 2 }] }); break;
      case "clear": await client.clearRoom({ roomId }); break;
      case "discard": await client.discardRebackfill({ roomId }); break;
      case "deleteRoom": await client.deleteRoom({ roomId }); break;
      case "setLimit": await client.setRoomLimit({ roomId, limit: op.limit }); break;
      case "expire": {
        // Retention of one second, then the server's own reaper (every 200 ms) expires the room; a
        // ReapIdleRooms after it makes sure, however slow the machine.
        await client.setRoomRetention({ roomId, idleTtlSeconds: 1 });
        await new Promise((r) => setTimeout(r, 1300));
        await client.reapIdleRooms({ maxIdleSeconds: 0 });
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof RoomHistoryError)) throw err; // NOT_FOUND for ids not (or no longer) in the window
  }
}

let runNo = 0;

/** One run in one layout: its own rooms and mirror; the mirror must end equal to GetHistory. */
async function runOn(client: RoomHistoryClient, groups: MirrorOp[][]): Promise<void> {
  const rooms = [`mr${++runNo}:a`, `mr${runNo}/b`];
  const mirror = new RoomMirror(client, rooms, { progressIntervalMs: 200 });
  try {
    await mirror.ready();
    for (const group of groups) await Promise.all(group.map((op) => perform(client, rooms, op)));
    for (const roomId of rooms) await expectMirrored(mirror, client, roomId);
  } finally {
    mirror.close();
  }
}

describe("mirrors in both key layouts", () => {
  it("equal GetHistory after random operations, some concurrent", async () => {
    await fc.assert(
      // The layouts run side by side (their own server, rooms and mirror), so the expiry waits overlap.
      fc.asyncProperty(runArb, (groups) => Promise.all(servers.map((s) => runOn(s.client, groups))).then(() => undefined)),
      { numRuns: 25 * RUNS },
    );
  }, 120_000);
});
