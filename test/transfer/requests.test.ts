/**
 * ExportRooms and ImportRooms requests on a real server with the Redis store: the selector rules,
 * the header check, the auth rule of ImportRooms (admin, all rooms) applied before any record is
 * read, and a refused record reported while the stream goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status, type ServiceError } from "@grpc/grpc-js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { expectStatus } from "../helpers/rpc.js";
import { details, entry, startAuthServer, TokensFile } from "../auth/helpers.js";
import { Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { exportRecords, importRecords } from "./transfer-rpc.js";

let redis: TestRedis;
let server: TestServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("xfer") });
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

describe("ExportRooms selectors", () => {
  it("needs one of room_ids, namespace, all", async () => {
    const { err } = await expectStatus(exportRecords(server.client, {}), status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^room_ids: set exactly one of room_ids, namespace or all/);
  });

  it("refuses two at once, naming the second", async () => {
    const { err } = await expectStatus(exportRecords(server.client, { roomIds: ["a"], all: true }), status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^all: cannot be combined with room_ids/);
    const second = await expectStatus(exportRecords(server.client, { namespace: "n", all: true }), status.INVALID_ARGUMENT);
    expect(second.err.details).toMatch(/^all: cannot be combined with namespace/);
  });

  it("refuses more than 10000 rooms and a bad room id, naming the field", async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => `r${i}`);
    const { err } = await expectStatus(exportRecords(server.client, { roomIds: many }), status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^room_ids: 10001 rooms, more than the 10000/);
    const bad = await expectStatus(exportRecords(server.client, { roomIds: ["ok", "not ok"] }), status.INVALID_ARGUMENT);
    expect(bad.err.details).toMatch(/^room_ids\[1\]: /);
  });

  it("opens with the header, and skips rooms that do not exist", async () => {
    const records = await exportRecords(server.client, { roomIds: ["never-written"] });
    expect(records).toHaveLength(1);
    expect(records[0].header?.format).toBe("roomhistory.export.v1");
    expect(records[0].header?.source).toBe("roomhistory");
    expect(records[0].header?.exportedAt?.seconds).toBeGreaterThan(0);
  });
});

describe("ImportRooms records", () => {
  it("fails the stream on a header of another format", async () => {
    const { err } = await expectStatus(importRecords(server.client, [
      { record: { header: { format: "roomhistory.export.v2", source: "x" } } },
    ]), status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^record\.header\.format: must be "roomhistory\.export\.v1"/);
  });

  it("reports a record that is none of the kinds, and an invalid room, and goes on", async () => {
    const res = await importRecords(server.client, [
      { record: { header: { format: "roomhistory.export.v1" } } },
      {},
      { record: { room: { roomId: "bad id" } } },
      { record: { room: { roomId: "r", messages: [{ role: 99 as Role, content: "x" }] } } },
    ]);
    expect(res.failedCount).toBe(3);
    // Records of different rooms import concurrently: failures are listed as they are found.
    expect(res.failures.map((f) => [f.code, f.message.split(":")[0], f.roomId]).sort()).toEqual([
      [status.INVALID_ARGUMENT, "record", ""],
      [status.INVALID_ARGUMENT, "record.room.messages[0].role", "r"],
      [status.INVALID_ARGUMENT, "record.room.room_id", "bad id"],
    ]);
  });
});

describe("ImportRooms under auth", () => {
  it("refuses a token without admin, or limited to some rooms, before reading any record", async () => {
    const file = new TokensFile([
      entry("writer", "rh_t_writer", [""], ["read", "write"]),
      entry("tenant-admin", "rh_t_tenant", ["tenant-a/"], ["read", "write", "admin"]),
      entry("admin", "rh_t_admin", [""], ["read", "write", "admin"]),
    ]);
    const auth = await startAuthServer(file.path, { ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("xa") });
    try {
      // A header of another format would fail with INVALID_ARGUMENT if the handler read it.
      const wrongHeader = [{ record: { header: { format: "other" } } }];
      const writer = (await importRecords(auth.client("rh_t_writer"), wrongHeader).catch((e: ServiceError) => e)) as ServiceError;
      expect(writer.code).toBe(status.PERMISSION_DENIED);
      expect(details(writer).info?.reason).toBe("RIGHT_MISSING");
      const tenant = (await importRecords(auth.client("rh_t_tenant"), wrongHeader).catch((e: ServiceError) => e)) as ServiceError;
      expect(tenant.code).toBe(status.PERMISSION_DENIED);
      expect(details(tenant).info?.reason).toBe("ROOM_OUT_OF_SCOPE");
      const admin = (await importRecords(auth.client("rh_t_admin"), wrongHeader).catch((e: ServiceError) => e)) as ServiceError;
      expect(admin.code).toBe(status.INVALID_ARGUMENT);
    } finally {
      await auth.stop();
    }
  });
});
