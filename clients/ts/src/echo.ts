/**
 * The Echo bot's saved conversations ("Conversation JSON Format": created_at, updated_at, summary,
 * guild_id, guild_name, requester, participants, history of chat / thinking / tool_call /
 * tool_call_response messages) as "roomhistory.export.v1" records, ready for importRooms or
 * writeExportFile. Pure: no file, no network. The rules (the Python client's
 * roomhistory.importers.echo follows them too):
 *
 * - room id: options.roomId, else the conversation's `thread_id`, else options.fileName without its
 *   directory and ".json" (the bot names files "yyyy-mm-dd_conversation-with-<user>-in-<guild>.json");
 *   none of them: TypeError.
 * - namespace: options.namespace, else `guild_id` (empty: none). Title: `guild_name` and the day of
 *   `created_at` ("My Discord Server 2025-11-25"). Summary: `summary`. Labels: options.labels.
 * - participants: `participants`, `requester` and every message's `meta.requester`, ordered by id, with
 *   first/last seen from the messages they wrote.
 * - chat with `meta.requester` → ROLE_USER, sender = requester; chat without → ROLE_ASSISTANT.
 *   thinking → ROLE_ASSISTANT with MESSAGE_KIND_THINKING. tool_call → ROLE_ASSISTANT with one tool call
 *   per `meta.tools` entry (id "call_<message number>_<tool number>", arguments = params as JSON),
 *   content = message_content. tool_call_response → ROLE_TOOL answering the oldest call not yet
 *   answered (a response with no call waiting is kept as an assistant chat turn, so nothing is lost).
 *   Any other message_type: TypeError naming the message.
 * - message ids "echo-<n>", seqs 1..n, created_at from each message; version and last_seq = n (at least
 *   1); the room's created_at/updated_at from the conversation's. Times without an offset are read as UTC.
 */
import type { ExportRecord, ExportedRoom } from "./gen/roomhistory/v1/export.js";
import { MessageKind, Role, type Message, type ToolCall } from "./gen/roomhistory/v1/message.js";
import type { Participant } from "./gen/roomhistory/v1/metadata.js";
import type { Timestamp } from "./gen/google/protobuf/timestamp.js";
import { exportHeader } from "./export-file.js";

/** One message of an Echo conversation file. */
export interface EchoMessage {
  created_at?: string;
  message_type: string;
  message_content?: string;
  meta?: { requester?: string; tools?: { name: string; params?: unknown }[] } & Record<string, unknown>;
}

/** An Echo conversation file, as the bot's Conversation.to_json writes it. */
export interface EchoConversation {
  thread_id?: string;
  created_at?: string;
  updated_at?: string;
  summary?: string;
  guild_id?: string;
  guild_name?: string;
  requester?: string;
  participants?: string[];
  history?: EchoMessage[];
}

/** Options of echoConversationToRecords. */
export interface EchoImportOptions {
  /** roomId names the room (else thread_id, else fileName). */
  roomId?: string;
  /** fileName is the file the conversation came from; its base name is the room id when nothing else is. */
  fileName?: string;
  /** namespace overrides guild_id. */
  namespace?: string;
  /** labels are put on the room. */
  labels?: string[];
  /** header: whether the first record is a header (source "echo-bot"). Default true. */
  header?: boolean;
}

/** The records of one Echo conversation: a header (unless options.header is false), then its room. */
export function echoConversationToRecords(json: EchoConversation | string, options: EchoImportOptions = {}): ExportRecord[] {
  const conv = (typeof json === "string" ? JSON.parse(json) : json) as EchoConversation;
  const room = echoRoom(conv, options);
  return options.header === false ? [{ room }] : [exportHeader("echo-bot"), { room }];
}

function echoRoom(conv: EchoConversation, options: EchoImportOptions): ExportedRoom {
  const roomId = options.roomId || conv.thread_id || baseName(options.fileName);
  if (!roomId) throw new TypeError("echo conversation: no room id (give options.roomId or fileName, or a thread_id)");
  const messages = echoMessages(conv.history ?? []);
  const n = Math.max(1, messages.length);
  const day = conv.created_at ? toTimestampText(conv.created_at).slice(0, 10) : "";
  return {
    roomId,
    version: n,
    lastSeq: messages.length,
    limit: 0,
    maxBytes: 0,
    idleTtlSeconds: undefined,
    rebackfillRequested: false,
    metadata: {
      title: [conv.guild_name, day].filter(Boolean).join(" "),
      namespace: options.namespace ?? conv.guild_id ?? "",
      participants: participants(conv, messages),
      labels: [...new Set(options.labels ?? [])].sort(),
      summary: conv.summary ?? "",
    },
    createdAt: timestamp(conv.created_at),
    updatedAt: timestamp(conv.updated_at ?? conv.history?.at(-1)?.created_at),
    messages,
    archive: [],
    renderDefaults: undefined,
    agentOptions: undefined,
    runCursors: [],
  };
}

function echoMessages(history: readonly EchoMessage[]): Message[] {
  const waiting: string[] = []; // tool call ids not yet answered, oldest first
  return history.map((m, i) => {
    const n = i + 1;
    const base: Message = { ...emptyMessage(), id: `echo-${n}`, seq: n, content: m.message_content ?? "", createdAt: timestamp(m.created_at) };
    switch (m.message_type) {
      case "chat": {
        const requester = m.meta?.requester;
        return requester
          ? { ...base, role: Role.ROLE_USER, sender: requester }
          : { ...base, role: Role.ROLE_ASSISTANT };
      }
      case "thinking":
        return { ...base, role: Role.ROLE_ASSISTANT, kind: MessageKind.MESSAGE_KIND_THINKING };
      case "tool_call": {
        const toolCalls: ToolCall[] = (m.meta?.tools ?? []).map((t, j) => ({
          id: `call_${n}_${j + 1}`, name: t.name, arguments: JSON.stringify(t.params ?? {}),
        }));
        waiting.push(...toolCalls.map((c) => c.id));
        return { ...base, role: Role.ROLE_ASSISTANT, toolCalls };
      }
      case "tool_call_response": {
        const answered = waiting.shift();
        return answered ? { ...base, role: Role.ROLE_TOOL, toolCallId: answered } : { ...base, role: Role.ROLE_ASSISTANT };
      }
      default:
        throw new TypeError(`echo conversation: history[${i}].message_type ${JSON.stringify(m.message_type)} is not chat, thinking, tool_call or tool_call_response`);
    }
  });
}

function participants(conv: EchoConversation, messages: readonly Message[]): Participant[] {
  const byId = new Map<string, Participant>();
  const add = (id: string | undefined) => {
    if (id && !byId.has(id)) byId.set(id, { id, displayName: "", firstSeen: undefined, lastSeen: undefined });
  };
  for (const id of conv.participants ?? []) add(id);
  add(conv.requester);
  for (const m of messages) {
    if (!m.sender) continue;
    add(m.sender);
    const p = byId.get(m.sender)!;
    p.firstSeen ??= m.createdAt;
    p.lastSeen = m.createdAt ?? p.lastSeen;
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** ISO text, read as UTC when it has no offset (the bot writes naive local datetimes). */
function toTimestampText(text: string): string {
  const hasOffset = /(?:Z|[+-]\d\d:?\d\d)$/i.test(text);
  return new Date(hasOffset ? text : `${text}Z`).toISOString();
}

function timestamp(text: string | undefined): Timestamp | undefined {
  if (!text) return undefined;
  const hasOffset = /(?:Z|[+-]\d\d:?\d\d)$/i.test(text);
  const match = /\.(\d+)/.exec(text.replace(/(?:Z|[+-]\d\d:?\d\d)$/i, ""));
  const ms = new Date(hasOffset ? text : `${text}Z`).getTime();
  if (Number.isNaN(ms)) throw new TypeError(`echo conversation: ${JSON.stringify(text)} is not a date and time`);
  const seconds = Math.floor(ms / 1000);
  // Microseconds (Python's isoformat) are kept: Date keeps only milliseconds.
  const nanos = match ? Number(match[1].slice(0, 9).padEnd(9, "0")) : 0;
  return { seconds, nanos };
}

function baseName(fileName: string | undefined): string {
  return (fileName ?? "").split(/[\\/]/).pop()!.replace(/\.json$/i, "");
}

function emptyMessage(): Message {
  return {
    id: "", seq: 0, role: Role.ROLE_UNSPECIFIED, content: "", parts: [], toolCalls: [], toolCallId: "", isError: false,
    kind: MessageKind.MESSAGE_KIND_UNSPECIFIED, sender: "", createdAt: undefined, editedAt: undefined,
    deletedAt: undefined, reactions: [], metadata: {}, tokens: 0, runId: "", phaseId: "", transitionMarker: false,
    clientInput: false, skillContent: false, pruned: false,
  };
}
