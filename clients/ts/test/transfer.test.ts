/**
 * exportRooms / importRooms and the file helpers against real servers on one real redis-server: a file
 * exported from one server imports into a second (another key prefix) with identical GetHistory; refused
 * records are reported while the others import; streams cancel; a mirror follows a room across a metadata
 * change and an import.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelledError, ChangeKind, ClientClosedError, EXPORT_FORMAT, ExportFileError, GetHistoryResponse, InvalidArgumentError, Role,
  RoomHistoryClient, RoomMirror, echoConversationToRecords, exportHeader, exportRoomsToFile, importRoomsFromFile,
  type ExportRecord, type RoomChangedEvent, type TransferProgress,
} from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { canonical } from "./compare.js";

let redis: TestRedis;
let serverA: TestServer;
let serverB: TestServer;
let a: RoomHistoryClient;
let b: RoomHistoryClient;
const dir = mkdtempSync(join(tmpdir(), "rh-transfer-"));

beforeAll(async () => {
  redis = await TestRedis.start();
  serverA = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("xa") });
  serverB = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("xb") });
  a = new RoomHistoryClient(serverA.address);
  b = new RoomHistoryClient(serverB.address);
});
afterAll(async () => {
  a?.close();
  b?.close();
  await serverA?.stop();
  await serverB?.stop();
  await redis?.stop();
});

let n = 0;
const newRoom = (tag: string) => `${tag}-${++n}`;
const user = (content: string, sender = "ana") => ({ role: Role.ROLE_USER, content, sender });

async function seed(roomId: string, turns: number, namespace = ""): Promise<void> {
  for (let i = 0; i < turns; i++) {
    await a.appendMessages({ roomId, messages: [user(`q${i}`), { role: Role.ROLE_ASSISTANT, content: `a${i}` }] });
  }
  await a.updateRoomMetadata({ roomId, title: `Room ${roomId}`, namespace, labels: ["imported"], summary: "s" });
}

const historyBytes = async (c: RoomHistoryClient, roomId: string) =>
  Buffer.from(GetHistoryResponse.encode(await c.getHistory({ roomId })).finish()).toString("base64");

async function collect(it: AsyncIterable<ExportRecord>): Promise<ExportRecord[]> {
  const out: ExportRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe("exportRoomsToFile → importRoomsFromFile", () => {
  it("a second server (another prefix) ends with identical GetHistory, metadata and versions", async () => {
    const ns = newRoom("ns");
    const rooms = [newRoom("rt"), newRoom("rt"), newRoom("rt")];
    for (const [i, roomId] of rooms.entries()) await seed(roomId, i + 2, ns);
    const path = join(dir, "rt.jsonl");
    const exported: TransferProgress[] = [];
    const totals = await exportRoomsToFile(a, { namespace: ns }, path, { onProgress: (p) => exported.push(p) });
    expect(totals.rooms).toBe(3);
    expect(exported.at(-1)).toEqual(totals);

    const imported: TransferProgress[] = [];
    const report = await importRoomsFromFile(b, path, { onProgress: (p) => imported.push(p) });
    expect(report).toMatchObject({ roomsCreated: 3, roomsReplaced: 0, failedCount: 0, failures: [] });
    expect(imported.at(-1)).toEqual(totals);
    for (const roomId of rooms) {
      expect(await historyBytes(b, roomId)).toBe(await historyBytes(a, roomId));
      const [infoA, infoB] = await Promise.all([a.getRoomInfo({ roomId }), b.getRoomInfo({ roomId })]);
      expect(infoB.metadata).toEqual(infoA.metadata);
      expect(infoB.version).toBe(infoA.version);
    }
  });

  it("the same file again: ALREADY_EXISTS per room; replaceExisting replaces them; expectedVersion guards one", async () => {
    const roomId = newRoom("again");
    await seed(roomId, 1);
    const path = join(dir, "again.jsonl");
    await exportRoomsToFile(a, { roomIds: [roomId] }, path);
    expect(await importRoomsFromFile(b, path)).toMatchObject({ roomsCreated: 1 });
    const again = await importRoomsFromFile(b, path);
    expect(again).toMatchObject({ roomsCreated: 0, failedCount: 1 });
    expect(again.failures[0]).toMatchObject({ roomId, code: status.ALREADY_EXISTS });
    const { version } = await b.getRoomInfo({ roomId });
    expect(await importRoomsFromFile(b, path, { replaceExisting: true })).toMatchObject({ roomsReplaced: 1 });
    const stale = await importRoomsFromFile(b, path, { expectedVersion: version });
    expect(stale.failures[0]).toMatchObject({ roomId, code: status.ABORTED });
    const current = (await b.getRoomInfo({ roomId })).version;
    expect(current).toBeGreaterThan(version); // an import never lowers a version
    expect(await importRoomsFromFile(b, path, { expectedVersion: current })).toMatchObject({ roomsReplaced: 1 });
  });

  it("a malformed file stops the import with an ExportFileError naming the line", async () => {
    const path = join(dir, "bad.jsonl");
    writeFileSync(path, `${JSON.stringify({ header: { format: EXPORT_FORMAT } })}\n{oops\n`);
    const err = await importRoomsFromFile(b, path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportFileError);
    expect((err as ExportFileError).line).toBe(2);
  });
});

describe("exportRooms / importRooms", () => {
  it("exportRooms streams the header, then the rooms asked for, in order, skipping unknown ones", async () => {
    const [r1, r2] = [newRoom("sel"), newRoom("sel")];
    await seed(r1, 1);
    await seed(r2, 1);
    const records = await collect(a.exportRooms({ roomIds: [r2, "no-such-room", r1] }));
    expect(records[0].header).toMatchObject({ format: EXPORT_FORMAT, source: "roomhistory" });
    expect(records.slice(1).map((r) => r.room?.roomId)).toEqual([r2, r1]);
  });

  it("a selector that is not exactly one of room_ids, namespace, all is an InvalidArgumentError", async () => {
    const err = await collect(a.exportRooms({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
  });

  it("an aborted export rejects with a CancelledError; leaving the loop early ends the stream", async () => {
    const roomIds = [newRoom("cut"), newRoom("cut"), newRoom("cut")];
    for (const roomId of roomIds) await seed(roomId, 1);
    const controller = new AbortController();
    const got: ExportRecord[] = [];
    const err = await (async () => {
      for await (const r of a.exportRooms({ roomIds }, { signal: controller.signal })) {
        got.push(r);
        if (got.length === 2) controller.abort(new Error("enough"));
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).cause).toEqual(new Error("enough"));
    let first: ExportRecord | undefined;
    for await (const r of a.exportRooms({ roomIds })) {
      first = r;
      break;
    }
    expect(first?.header).toBeDefined();
  });

  it("close() ends an export in flight with ClientClosedError; a closed client refuses both streams", async () => {
    const roomIds = [newRoom("closing"), newRoom("closing")];
    for (const roomId of roomIds) await seed(roomId, 1);
    const c = new RoomHistoryClient(serverA.address);
    const err = await (async () => {
      for await (const r of c.exportRooms({ roomIds })) if (r.header) c.close();
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientClosedError);
    expect(await collect(c.exportRooms({ roomIds })).catch((e: unknown) => e)).toBeInstanceOf(ClientClosedError);
    expect(await c.importRooms([]).catch((e: unknown) => e)).toBeInstanceOf(ClientClosedError);
  });

  it("an abort ends an import at once, even while its source is still producing", async () => {
    const controller = new AbortController();
    async function* stalled() {
      yield exportHeader();
      controller.abort(new Error("stop"));
      await new Promise(() => undefined); // a source that never produces again
    }
    const err = await b.importRooms(stalled(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).cause).toEqual(new Error("stop"));
  });

  it("importRooms takes an async iterable of records and whole requests; a wrong header fails the stream", async () => {
    const roomId = newRoom("echo");
    const [header, room] = echoConversationToRecords({
      created_at: "2025-11-25T10:30:00", guild_id: "g1", guild_name: "Guild",
      history: [{ created_at: "2025-11-25T10:30:00.123456", message_type: "chat", message_content: "hi", meta: { requester: "u1" } }],
    }, { roomId });
    async function* source() {
      yield header;
      yield { record: room, replaceExisting: true };
    }
    expect(await b.importRooms(source())).toMatchObject({ roomsCreated: 1, failedCount: 0 });
    const history = await b.getHistory({ roomId });
    expect(history.messages[0]).toMatchObject({ content: "hi", sender: "u1", createdAt: { nanos: 123_456_000 } });
    expect((await b.getRoomInfo({ roomId })).metadata).toMatchObject({ namespace: "g1", title: "Guild 2025-11-25" });

    const wrong = { header: { ...exportHeader().header!, format: "roomhistory.export.v0" } };
    const err = await b.importRooms([wrong, room]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
  });
});

describe("a mirror across UpdateRoomMetadata and an import", () => {
  it("a metadata change moves the version and keeps the messages; an import is read again whole", async () => {
    const roomId = newRoom("mir");
    await seed(roomId, 2);
    const mirror = new RoomMirror(a, [roomId]);
    try {
      const events: RoomChangedEvent[] = [];
      mirror.on("changed", (e) => events.push(e));
      const before = await mirror.getMessages(roomId);

      const { version } = await a.updateRoomMetadata({ roomId, title: "renamed" });
      await mirror.waitForVersion(roomId, version, 10_000);
      expect(await mirror.getMessages(roomId)).toBe(before); // the same window, not a copy
      expect(events.at(-1)).toMatchObject({ version, refetched: false, change: { kind: ChangeKind.CHANGE_KIND_METADATA } });

      const [, other] = echoConversationToRecords({
        history: [{ message_type: "chat", message_content: "imported turn", meta: { requester: "zoe" } }],
      }, { roomId });
      const report = await a.importRooms([other], { replaceExisting: true });
      expect(report.roomsReplaced).toBe(1);
      const after = await a.getHistory({ roomId });
      await mirror.waitForVersion(roomId, after.version, 10_000);
      expect(canonical(await mirror.getMessages(roomId))).toEqual(canonical(after.messages));
      expect(events.at(-1)).toMatchObject({ refetched: true, change: { kind: ChangeKind.CHANGE_KIND_IMPORTED } });
    } finally {
      mirror.close();
    }
  });
});
