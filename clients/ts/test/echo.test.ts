/**
 * echoConversationToRecords on the Echo bot's documented conversation JSON (../shared/reference file 002,
 * "Conversation JSON Format", with its tool call example): the rules in clients/ts/src/echo.ts.
 */
import { describe, expect, it } from "vitest";
import {
  EXPORT_FORMAT, MessageKind, Role, echoConversationToRecords, type EchoConversation,
} from "@roomhistory/client";
import { readExactTimes } from "../src/json-times.js";
import { ExportRecord } from "../src/gen/roomhistory/v1/export.js";
import { recordToLine } from "../src/export-file.js";

/** The reference's conversation, with its tool call and tool call response examples appended. */
const conversation: EchoConversation = {
  created_at: "2025-11-25T10:30:00.000000",
  updated_at: "2025-11-25T10:35:00.000000",
  summary: "User asked about async programming",
  guild_id: "987654321",
  guild_name: "My Discord Server",
  requester: "123456789012345678",
  participants: ["123456789012345678", "987654321012345678"],
  history: [
    { created_at: "2025-11-25T10:30:00.123456", message_type: "chat", message_content: "Hello, Echo!", meta: { requester: "123456789012345678" } },
    { created_at: "2025-11-25T10:30:02.123456", message_type: "thinking", message_content: "Processing request...", meta: {} },
    { created_at: "2025-11-25T10:30:03.123456", message_type: "chat", message_content: "Hi! How can I help you?", meta: {} },
    {
      created_at: "2025-11-25T10:30:05.123456", message_type: "tool_call", message_content: "Calling search_documents",
      meta: { tools: [{ name: "search_documents", params: { query: "python async", limit: 5 } }] },
    },
    { created_at: "2025-11-25T10:30:06.5", message_type: "tool_call_response", message_content: "Found 5 documents matching the query" },
  ],
};
const FILE = "2025-11-25_conversation-with-123456789012345678-in-987654321.json";

describe("echoConversationToRecords", () => {
  it("turns the reference conversation into a header and one room", () => {
    const records = echoConversationToRecords(conversation, { fileName: `/data/echo/${FILE}` });
    expect(records).toHaveLength(2);
    expect(records[0].header).toMatchObject({ format: EXPORT_FORMAT, source: "echo-bot" });
    const room = records[1].room!;
    expect(room.roomId).toBe("2025-11-25_conversation-with-123456789012345678-in-987654321");
    expect(room.version).toBe(5);
    expect(room.lastSeq).toBe(5);
    expect(room.metadata).toMatchObject({
      title: "My Discord Server 2025-11-25", namespace: "987654321", summary: "User asked about async programming", labels: [],
    });
    expect(room.createdAt).toEqual({ seconds: Date.UTC(2025, 10, 25, 10, 30) / 1000, nanos: 0 });
    expect(room.updatedAt).toEqual({ seconds: Date.UTC(2025, 10, 25, 10, 35) / 1000, nanos: 0 });

    const [hello, thinking, reply, call, result] = room.messages;
    expect(hello).toMatchObject({ id: "echo-1", seq: 1, role: Role.ROLE_USER, sender: "123456789012345678", content: "Hello, Echo!" });
    expect(hello.createdAt).toEqual({ seconds: Date.UTC(2025, 10, 25, 10, 30) / 1000, nanos: 123_456_000 });
    expect(thinking).toMatchObject({ role: Role.ROLE_ASSISTANT, kind: MessageKind.MESSAGE_KIND_THINKING, content: "Processing request..." });
    expect(reply).toMatchObject({ role: Role.ROLE_ASSISTANT, kind: MessageKind.MESSAGE_KIND_UNSPECIFIED, sender: "" });
    expect(call).toMatchObject({ role: Role.ROLE_ASSISTANT, content: "Calling search_documents" });
    expect(call.toolCalls).toEqual([{ id: "call_4_1", name: "search_documents", arguments: '{"query":"python async","limit":5}' }]);
    expect(result).toMatchObject({ role: Role.ROLE_TOOL, toolCallId: "call_4_1", content: "Found 5 documents matching the query" });
    expect(result.createdAt?.nanos).toBe(500_000_000);
  });

  it("lists participants by id with first and last seen from the messages they wrote", () => {
    const [, { room }] = echoConversationToRecords(conversation, { roomId: "r" });
    const [writer, silent] = room!.metadata!.participants;
    expect(writer.id).toBe("123456789012345678");
    expect(writer.firstSeen).toEqual(room!.messages[0].createdAt);
    expect(writer.lastSeen).toEqual(room!.messages[0].createdAt);
    expect(silent).toEqual({ id: "987654321012345678", displayName: "", firstSeen: undefined, lastSeen: undefined });
  });

  it("takes the room id from options, then thread_id, then the file name; the namespace and labels from options", () => {
    const id = (conv: EchoConversation, opts = {}) => echoConversationToRecords(conv, opts)[1].room!.roomId;
    expect(id(conversation, { roomId: "x", fileName: FILE })).toBe("x");
    expect(id({ ...conversation, thread_id: "1234567890" }, { fileName: FILE })).toBe("1234567890");
    expect(() => echoConversationToRecords(conversation)).toThrow(TypeError);
    const [{ room }] = echoConversationToRecords(JSON.stringify(conversation), {
      roomId: "r", namespace: "ns", labels: ["echo", "b", "echo"], header: false,
    });
    expect(room!.metadata).toMatchObject({ namespace: "ns", labels: ["b", "echo"] });
  });

  it("keeps a response with no call waiting as an assistant turn, and refuses an unknown message type", () => {
    const orphan = { history: [{ message_type: "tool_call_response", message_content: "late" }] };
    expect(echoConversationToRecords(orphan, { roomId: "r" })[1].room!.messages[0]).toMatchObject({ role: Role.ROLE_ASSISTANT, content: "late" });
    const odd = { history: [{ message_type: "image" }] };
    expect(() => echoConversationToRecords(odd, { roomId: "r" })).toThrow(/history\[0\]\.message_type "image"/);
  });

  it("produces records that survive the proto3 JSON round trip of the file form", () => {
    for (const record of echoConversationToRecords(conversation, { roomId: "r" })) {
      const json = JSON.parse(recordToLine(record)) as unknown;
      expect(readExactTimes(ExportRecord.fromJSON(json), json)).toEqual(record);
    }
  });
});
