/**
 * Export → import into an empty Redis (a second server on another key prefix) → the same rooms: the
 * GetHistory and GetArchive replies byte for byte, GetRoomInfo (metadata, created_at, settings), run
 * cursors, GetMemoryBank; and the import rules over the RPC: ALREADY_EXISTS and expected_version conflicts reported in
 * `failures` while the other records import, and a version never lowered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import * as md from "@roomhistory/client/gen/roomhistory/v1/metadata.js";
import * as mb from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import { MessageKind, Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import type { ExportRecord } from "@roomhistory/client/gen/roomhistory/v1/export.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, user } from "../helpers/rpc.js";
import { exportRecords, importRecords } from "./transfer-rpc.js";
import { rawReply, unary } from "./unary.js";

let redis: TestRedis;
let source: TestServer;
let target: TestServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  source = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("src") });
  target = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("dst") });
  await seedRooms(source);
});
afterAll(async () => {
  await source?.stop();
  await target?.stop();
  await redis?.stop();
});

/** Three rooms using every part of a room an export carries. */
async function seedRooms(s: TestServer): Promise<void> {
  const c = s.client;
  const append = (roomId: string, messages: pb.AppendMessagesRequest["messages"]) =>
    unary(c, "appendMessages", pb.AppendMessagesRequest.fromPartial({ roomId, messages }));
  await append("team/a", [
    user("hello", { id: "m1", sender: "u1", reactions: [{ emoji: "👍", count: 2 }] }),
    assistant("", { id: "m2", kind: MessageKind.MESSAGE_KIND_THINKING, content: "let me look" }),
    assistant("", { id: "m3", toolCalls: [{ id: "call_1", name: "search", arguments: '{"q":"x"}' }] }),
    { ...user("x"), role: Role.ROLE_TOOL, id: "m4", toolCallId: "call_1", content: "result ".repeat(50) },
    assistant("found it", { id: "m5", parts: [{ imageUrl: { url: "https://example.com/a.png", detail: "low" } }] }),
    user("thanks", { id: "m6", sender: "u2", metadata: { platform: "discord" } }),
  ]);
  await unary(c, "updateMessage", pb.UpdateMessageRequest.fromPartial({ roomId: "team/a", messageId: "m6", content: "thanks!" }));
  await unary(c, "markDeleted", pb.MarkDeletedRequest.fromPartial({ roomId: "team/a", messageId: "m1" }));
  await unary(c, "compactHistory", pb.CompactHistoryRequest.fromPartial({ roomId: "team/a", summary: "they said hello", keepRecent: 2 }));
  await unary(c, "setRoomLimit", pb.SetRoomLimitRequest.fromPartial({ roomId: "team/a", limit: 40 }));
  await unary(c, "setRoomRetention", pb.SetRoomRetentionRequest.fromPartial({ roomId: "team/a", idleTtlSeconds: 0 }));
  await unary(c, "setRoomRenderDefaults", pb.SetRoomRenderDefaultsRequest.fromPartial({ roomId: "team/a", roomContext: { bot: "echo" } }));
  await unary(c, "setAgentOptions", pb.SetAgentOptionsRequest.fromPartial({ roomId: "team/a", maxContextTokens: 8000, outputKeys: ["plan"] }));
  await unary(c, "updateRunCursor", pb.UpdateRunCursorRequest.fromPartial({ roomId: "team/a", runId: "run-1", nextSeq: 3, values: { k: "v" } }));
  await unary(c, "updateRoomMetadata", md.UpdateRoomMetadataRequest.fromPartial({
    roomId: "team/a", title: "Team A", namespace: "team", labels: ["b", "a"], summary: "a summary",
    participants: [{ id: "u9", displayName: "Nine" }],
  }));
  await append("team/b", [user("one", { id: "b1" }), assistant("two", { id: "b2" })]);
  await unary(c, "updateRoomMetadata", md.UpdateRoomMetadataRequest.fromPartial({ roomId: "team/b", namespace: "team" }));
  await append("other", [user("solo", { id: "o1" })]);
  await unary(c, "setNamespaceOptions", mb.SetNamespaceOptionsRequest.fromPartial({ namespace: "team", memoryBankEnabled: true, maxTokens: 500 }));
  const { version } = await unary(c, "getRoomInfo", pb.GetRoomInfoRequest.fromPartial({ roomId: "team/b" }));
  await unary(c, "putConversationSummary", mb.PutConversationSummaryRequest.fromPartial({
    roomId: "team/b", summary: "- they counted to two", coversVersion: version, sourceMessageCount: 2,
  }));
}

const ROOMS = ["other", "team/a", "team/b"];

describe("round trip", () => {
  let records: ExportRecord[];

  beforeAll(async () => {
    records = await exportRecords(source.client, { all: true });
    const res = await importRecords(target.client, records.map((record) => ({ record })));
    expect(res.failures).toEqual([]);
    expect(res.roomsCreated).toBe(3);
    expect(res.namespacesImported).toBe(1);
  });

  it("exports the header, then every room in id order, then every namespace", () => {
    expect(records[0].header?.format).toBe("roomhistory.export.v1");
    expect(records.slice(1, 4).map((r) => r.room?.roomId)).toEqual(ROOMS);
    expect(records.slice(4).map((r) => r.namespace?.options?.namespace)).toEqual(["team"]);
  });

  it("GetMemoryBank of the namespace is the same", async () => {
    const req = mb.GetMemoryBankRequest.fromPartial({ namespace: "team" });
    const [a, b] = await Promise.all([unary(source.client, "getMemoryBank", req), unary(target.client, "getMemoryBank", req)]);
    expect(a.entries.map((e) => e.summary)).toEqual(["- they counted to two"]);
    expect(b).toEqual(a);
  });

  it.each(ROOMS)("GetHistory of %s is byte-identical", async (roomId) => {
    const req = pb.GetHistoryRequest.fromPartial({ roomId });
    const [a, b] = await Promise.all([rawReply(source.client, "getHistory", req), rawReply(target.client, "getHistory", req)]);
    expect(b.equals(a)).toBe(true);
    expect(a.length).toBeGreaterThan(10);
  });

  it("GetArchive is byte-identical (compaction's originals)", async () => {
    const req = pb.GetArchiveRequest.fromPartial({ roomId: "team/a" });
    const [a, b] = await Promise.all([rawReply(source.client, "getArchive", req), rawReply(target.client, "getArchive", req)]);
    expect(pb.GetArchiveResponse.decode(a).messages.length).toBeGreaterThan(0);
    expect(b.equals(a)).toBe(true);
  });

  it.each(ROOMS)("GetRoomInfo of %s is the same, metadata and created_at included", async (roomId) => {
    const req = pb.GetRoomInfoRequest.fromPartial({ roomId });
    const [a, b] = await Promise.all([unary(source.client, "getRoomInfo", req), unary(target.client, "getRoomInfo", req)]);
    expect(b).toEqual(a);
  });

  it("keeps the metadata, settings and run cursors", async () => {
    const info = await unary(target.client, "getRoomInfo", pb.GetRoomInfoRequest.fromPartial({ roomId: "team/a" }));
    expect(info.metadata?.title).toBe("Team A");
    expect(info.metadata?.labels).toEqual(["a", "b"]);
    expect(info.metadata?.participants.map((p) => p.id)).toContain("u9");
    expect(info.roomContext).toEqual({ bot: "echo" });
    const cursor = await unary(target.client, "getRunCursor", pb.GetRunCursorRequest.fromPartial({ roomId: "team/a", runId: "run-1" }));
    expect(cursor.nextSeq).toBe(3);
    expect(cursor.values).toEqual({ k: "v" });
  });

  it("a namespace export selects that namespace's rooms", async () => {
    const ns = await exportRecords(source.client, { namespace: "team" });
    expect(ns.filter((r) => r.room).map((r) => r.room!.roomId)).toEqual(["team/a", "team/b"]);
    expect(ns.at(-1)?.namespace?.entries).toHaveLength(1);
    const some = await exportRecords(source.client, { roomIds: ["team/b", "missing", "other"] });
    expect(some.slice(1).map((r) => r.room!.roomId)).toEqual(["team/b", "other"]);
  });

  it("appends after an import continue the seqs", async () => {
    const res = await unary(target.client, "appendMessages", pb.AppendMessagesRequest.fromPartial({ roomId: "team/b", messages: [user("three")] }));
    const before = records.find((r) => r.room?.roomId === "team/b")!.room!;
    expect(res.messages[0].seq).toBe(before.lastSeq + 1);
    expect(res.version).toBe(before.version + 1);
  });
});

describe("import rules", () => {
  it("reports ALREADY_EXISTS and a version conflict while the other records import, and never lowers a version", async () => {
    const [, ...rooms] = await exportRecords(source.client, { roomIds: ["other", "team/b"] });
    const dst = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("rules") });
    try {
      const first = await importRecords(dst.client, [{ record: rooms[0] }]);
      expect(first.roomsCreated).toBe(1);
      const other = rooms[0].room!;
      // Move "other" past its exported version.
      for (let i = 0; i < 3; i++) {
        await unary(dst.client, "appendMessages", pb.AppendMessagesRequest.fromPartial({ roomId: "other", messages: [user(`n${i}`)] }));
      }
      const current = other.version + 3;
      const res = await importRecords(dst.client, [
        { record: rooms[0] },
        { record: rooms[0], expectedVersion: other.version },
        { record: rooms[1] },
        { record: rooms[0], expectedVersion: current },
      ]);
      expect(res.failedCount).toBe(2);
      expect(res.failures.map((f) => [f.roomId, f.code, f.currentVersion])).toEqual([
        ["other", status.ALREADY_EXISTS, current],
        ["other", status.ABORTED, current],
      ]);
      expect(res.roomsCreated).toBe(1);
      expect(res.roomsReplaced).toBe(1);
      const info = await unary(dst.client, "getRoomInfo", pb.GetRoomInfoRequest.fromPartial({ roomId: "other" }));
      // The replacement carries the export's (older) version: the room moves on instead.
      expect(info.version).toBe(current + 1);
      expect(info.messageCount).toBe(1);
      const replaced = await importRecords(dst.client, [{ record: rooms[0], replaceExisting: true }]);
      expect(replaced.roomsReplaced).toBe(1);
      const again = await unary(dst.client, "getRoomInfo", pb.GetRoomInfoRequest.fromPartial({ roomId: "other" }));
      expect(again.version).toBe(current + 2);
    } finally {
      await dst.stop();
    }
  });
});
