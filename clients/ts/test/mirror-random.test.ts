/**
 * Random operation sequences (fast-check) against a real server with RoomMirrors attached: appends with
 * duplicate and server-made ids, some too large to carry in a change, edits, deletions, reactions,
 * clears, limits, retention changes, room deletions and the mirror's own conditional appends. Every
 * mirror, one attached from the start and one attached part-way, ends equal to GetHistory.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import fc from "fast-check";
import { NotFoundError, Role, RoomHistoryClient, RoomMirror, VersionConflictError } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { expectMirrored } from "./compare.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url,
    ROOMHISTORY_KEY_PREFIX: uniquePrefix("mirror-random"),
    ROOMHISTORY_MAX_HISTORY: "4", // appends trim
    ROOMHISTORY_MAX_EVENT_BYTES: "2000", // big appends travel without their messages
    ROOMHISTORY_REAP_INTERVAL_MS: "0",
  });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

/** Ids from a small pool, so they repeat; "" lets the server make one. */
const ID = fc.constantFrom("a", "b", "c", "");
const append = fc.record({
  t: fc.constant("append" as const), ids: fc.array(ID, { minLength: 1, maxLength: 3 }), big: fc.boolean(),
});
const edit = fc.record({ t: fc.constantFrom("update" as const, "delete" as const, "react" as const), id: ID });
const roomWide = fc.record({
  t: fc.constantFrom("clear" as const, "deleteRoom" as const, "retention" as const, "rebackfill" as const),
});
const op = fc.oneof(
  { arbitrary: append, weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("mirrorAppend" as const), id: ID }), weight: 2 },
  { arbitrary: edit, weight: 4 },
  roomWide,
  fc.record({ t: fc.constant("limit" as const), limit: fc.constantFrom(50, 60) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

let n = 0;
const ignoring = (...classes: (new (...args: never[]) => Error)[]) => (err: unknown) => {
  if (!classes.some((c) => err instanceof c)) throw err;
};

async function run(roomId: string, o: Op, mirror: RoomMirror, step: number): Promise<void> {
  const text = (id: string) => (o.t === "append" && o.big ? `${id}:${step}:`.padEnd(3000, "x") : `${id}:${step}`);
  switch (o.t) {
    case "append":
      await client.appendMessages({
        roomId, messages: o.ids.map((id) => ({ role: Role.ROLE_USER, content: text(id), id })),
      });
      return;
    case "mirrorAppend":
      await mirror.append(roomId, [{ role: Role.ROLE_ASSISTANT, content: text(o.id), id: o.id }])
        .catch(ignoring(VersionConflictError));
      return;
    case "update":
      await client.updateMessage({ roomId, messageId: o.id || "a", content: `edited ${step}` })
        .catch(ignoring(NotFoundError));
      return;
    case "delete":
      await client.markDeleted({ roomId, messageId: o.id || "b" }).catch(ignoring(NotFoundError));
      return;
    case "react":
      await client.patchReactions({ roomId, messageId: o.id || "c", reactions: [{ emoji: "👍", count: step }] })
        .catch(ignoring(NotFoundError));
      return;
    case "clear":
      await client.clearRoom({ roomId });
      return;
    case "deleteRoom":
      await client.deleteRoom({ roomId });
      return;
    case "retention":
      await client.setRoomRetention({ roomId, idleTtlSeconds: step % 2 ? 3600 : undefined });
      return;
    case "rebackfill":
      await client.discardRebackfill({ roomId });
      return;
    case "limit":
      await client.setRoomLimit({ roomId, limit: o.limit });
      return;
  }
}

it("mirrors attached to a room end equal to GetHistory, whatever the operations", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), fc.nat(30), async (ops, lateAt) => {
      const roomId = `random-${++n}-${Math.random().toString(36).slice(2, 8)}`;
      const early = new RoomMirror(client, [roomId], { progressIntervalMs: 200 });
      let late: RoomMirror | undefined;
      try {
        await early.ready();
        for (const [i, o] of ops.entries()) {
          if (i === lateAt) late = new RoomMirror(client, [roomId], { progressIntervalMs: 200 });
          await run(roomId, o, early, i + 1);
        }
        late ??= new RoomMirror(client, [roomId], { progressIntervalMs: 200 });
        await late.ready();
        await expectMirrored(early, client, roomId);
        await expectMirrored(late, client, roomId);
      } finally {
        early.close();
        late?.close();
      }
    }),
    { numRuns: 25, endOnFailure: true },
  );
  expect(n).toBeGreaterThan(0);
});
