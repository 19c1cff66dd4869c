/**
 * Every right against every RPC, and every room-scoped RPC inside and outside a token's rooms, on a
 * real server with the Redis store: allowed calls are never UNAUTHENTICATED or PERMISSION_DENIED,
 * denied ones are PERMISSION_DENIED with an ErrorInfo naming what was missing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { ALL_ROOMS, METHOD_RULES } from "../../src/auth/rights.js";
import { RIGHTS } from "../../src/auth/token-file.js";
import type { MethodName } from "../../src/server/implementation.js";
import { details, entry, startAuthServer, TokensFile, type AuthServer } from "./helpers.js";
import { callOutcome, requestFor } from "./calls.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";

const METHODS = Object.keys(METHOD_RULES) as MethodName[];
const tokenOf = (right: string) => `rh_test_${right}`;

let redis: TestRedis;
let server: AuthServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  const file = new TokensFile([
    ...RIGHTS.map((r) => entry(`only-${r}`, tokenOf(r), [""], [r])),
    entry("tenant-a", "rh_test_tenant_a", ["tenant-a/"], [...RIGHTS]),
  ]);
  server = await startAuthServer(file.path, { ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("auth") });
});

afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

describe("every right against every RPC", () => {
  const cases = METHODS.flatMap((method) => RIGHTS.map((right) => ({ method, right })));
  it.each(cases)("$method with only $right", async ({ method, right }) => {
    const err = await callOutcome(server.client(tokenOf(right)), method, "room-1");
    const needed = METHOD_RULES[method].right;
    if (right === needed) {
      expect([status.PERMISSION_DENIED, status.UNAUTHENTICATED]).not.toContain(err?.code);
      return;
    }
    expect(err?.code, err?.details).toBe(status.PERMISSION_DENIED);
    const { info } = details(err!);
    expect(info?.reason).toBe("RIGHT_MISSING");
    expect(info?.domain).toBe("roomhistory.v1");
    expect(info?.metadata.right).toBe(needed);
    expect(info?.metadata.token).toBe(`only-${right}`);
  });
});

describe("room scope", () => {
  // RPCs over every room (reaping, namespaces, imports) need a token for every room; ListRooms names none.
  const overAll = METHODS.filter((m) => METHOD_RULES[m].rooms(requestFor(m, "tenant-a/x") as never) === ALL_ROOMS);
  // WatchRooms names its rooms in the stream's messages: each add is checked on its own (below).
  const roomScoped = METHODS.filter((m) => m !== "listRooms" && m !== "watchRooms" && !overAll.includes(m));

  it.each(overAll)("%s needs a token for every room", async (method) => {
    const err = await callOutcome(server.client("rh_test_tenant_a"), method, "tenant-a/x");
    expect(err?.code, err?.details).toBe(status.PERMISSION_DENIED);
    expect(details(err!).info?.reason).toBe("ROOM_OUT_OF_SCOPE");
  });

  it.each(roomScoped)("%s outside the token's rooms is PERMISSION_DENIED", async (method) => {
    const err = await callOutcome(server.client("rh_test_tenant_a"), method, "tenant-b/x");
    expect(err?.code, err?.details).toBe(status.PERMISSION_DENIED);
    const { info } = details(err!);
    expect(info?.reason).toBe("ROOM_OUT_OF_SCOPE");
    expect(info?.metadata.room).toBe("tenant-b/x");
  });

  it.each(roomScoped)("%s inside the token's rooms is allowed", async (method) => {
    const err = await callOutcome(server.client("rh_test_tenant_a"), method, "tenant-a/x");
    expect([status.PERMISSION_DENIED, status.UNAUTHENTICATED]).not.toContain(err?.code);
  });

  it("ReapIdleRooms needs a token for every room", async () => {
    const err = await callOutcome(server.client("rh_test_tenant_a"), "reapIdleRooms", "");
    expect(err?.code).toBe(status.PERMISSION_DENIED);
    expect(details(err!).info?.reason).toBe("ROOM_OUT_OF_SCOPE");
  });

  it("WatchRooms answers each room, prefix or namespace out of scope with its own cancelled and goes on", async () => {
    const stream = server.client("rh_test_tenant_a").watchRooms();
    const answers: pb.WatchRoomsResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on("data", (r: pb.WatchRoomsResponse) => answers.push(r) >= 5 && resolve());
      stream.on("error", reject);
    });
    stream.write(pb.WatchRoomsRequest.fromPartial({ add: { rooms: [{ roomId: "tenant-a/1" }, { roomId: "tenant-c/2" }], requestId: 1 } }));
    stream.write(pb.WatchRoomsRequest.fromPartial({ add: { prefix: "tenant-", requestId: 2 } }));
    stream.write(pb.WatchRoomsRequest.fromPartial({ add: { namespace: "ns", requestId: 3 } }));
    await done;
    stream.cancel();
    const cancelled = answers.flatMap((r) => (r.cancelled ? [r.cancelled] : []));
    expect(cancelled.map((c) => [c.roomId || c.prefix || c.namespace, c.reason, c.requestId])).toEqual([
      ["tenant-c/2", pb.WatchCancelReason.WATCH_CANCEL_REASON_OUT_OF_SCOPE, 1],
      ["tenant-", pb.WatchCancelReason.WATCH_CANCEL_REASON_OUT_OF_SCOPE, 2],
      ["ns", pb.WatchCancelReason.WATCH_CANCEL_REASON_OUT_OF_SCOPE, 3],
    ]);
    expect(answers.find((r) => r.created?.requestId === 1)!.created!.rooms.map((r) => r.roomId)).toEqual(["tenant-a/1"]);
  });

  it("a Watch naming one room out of scope is refused whole", async () => {
    const client = server.client("rh_test_tenant_a");
    const err = await new Promise<{ code: number; details: string } | undefined>((resolve) => {
      const stream = client.watch({ rooms: [{ roomId: "tenant-a/1", knownVersion: 0 }, { roomId: "tenant-c/2", knownVersion: 0 }],
        progressIntervalMs: 0, versionsOnly: false });
      stream.on("data", () => resolve(undefined));
      stream.on("error", (e: { code: number; details: string }) => resolve(e));
    });
    expect(err?.code).toBe(status.PERMISSION_DENIED);
    expect(err?.details).toContain("tenant-c/2");
  });
});
