import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidArgumentError, NotFoundError, ResourceExhaustedError, Role, RoomHistoryClient, RoomHistoryError,
  UnavailableError, VersionConflictError,
} from "@roomhistory/client";
import { status } from "@grpc/grpc-js";
import { WatchCancelReason, type WatchCancelled } from "../src/gen/roomhistory/v1/room_history_service.js";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { freePort } from "../../../test/helpers/ports.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url,
    ROOMHISTORY_KEY_PREFIX: uniquePrefix("errors"),
    ROOMHISTORY_MAX_BATCH_MESSAGES: "3",
  });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

const user = (content: string) => ({ role: Role.ROLE_USER, content });

describe("typed errors", () => {
  it("a conflicting append is a VersionConflictError carrying the room's current version", async () => {
    await client.appendMessages({ roomId: "conflict", messages: [user("a")] });
    await client.appendMessages({ roomId: "conflict", messages: [user("b")] });
    const err = await client
      .appendMessages({ roomId: "conflict", messages: [user("c")], expectedVersion: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(err).toBeInstanceOf(RoomHistoryError);
    expect((err as VersionConflictError).code).toBe(status.ABORTED);
    expect((err as VersionConflictError).currentVersion).toBe(2);
    expect((err as VersionConflictError).expectedVersion).toBe(1);
    expect((err as VersionConflictError).roomId).toBe("conflict");
    expect((err as VersionConflictError).reason).toBe("VERSION_CONFLICT");
  });

  it("an update of an unknown message is a NotFoundError", async () => {
    await client.appendMessages({ roomId: "nf", messages: [user("a")] });
    const err = await client.updateMessage({ roomId: "nf", messageId: "nope", content: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe(status.NOT_FOUND);
    expect((err as NotFoundError).messageId).toBe("nope");
  });

  it("a bad room id is an InvalidArgumentError naming the field", async () => {
    const err = await client.getHistory({ roomId: "has space" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).field).toBe("room_id");
    expect((err as InvalidArgumentError).code).toBe(status.INVALID_ARGUMENT);
  });

  it("a bad room id in a watch is cancelled on its own (onCancelled, naming the field); the other rooms go on", async () => {
    const cancelled: WatchCancelled[] = [];
    const stream = client.watch(["ok-w", "not ok"], { onCancelled: (c) => cancelled.push(c) });
    const first = stream.next();
    await client.appendMessages({ roomId: "ok-w", messages: [user("1")] });
    expect((await first).value).toMatchObject({ roomId: "ok-w", version: 1 });
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]).toMatchObject({ roomId: "not ok", reason: WatchCancelReason.WATCH_CANCEL_REASON_INVALID_ROOM_ID });
    expect(cancelled[0].message).toMatch(/^add\.rooms\[1\]\.room_id: /);
    expect(stream.rooms).toEqual(["ok-w"]);
    stream.close();
  });

  it("a batch over the limit is a ResourceExhaustedError", async () => {
    const err = await client
      .appendMessages({ roomId: "big", messages: [user("1"), user("2"), user("3"), user("4")] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect((err as ResourceExhaustedError).field).toBe("messages");
  });

  it("a server that is not there is an UnavailableError, after the read's retries", async () => {
    const nobody = new RoomHistoryClient(`127.0.0.1:${await freePort()}`, {
      backoff: { initialMs: 10, maxMs: 20, maxAttempts: 3 },
    });
    try {
      const err = await nobody.getRoomInfo({ roomId: "x" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
    } finally {
      nobody.close();
    }
  });

  it("a call past its deadline fails with DEADLINE_EXCEEDED", async () => {
    const err = await client.getHistory({ roomId: "nf" }, { timeoutMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RoomHistoryError);
    expect((err as RoomHistoryError).code).toBe(status.DEADLINE_EXCEEDED);
  });
});
