/**
 * Request checks. Every failure names the field; nothing reaches the store until a request passes.
 */
import { MessageKind, Role, type ContentPart, type Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import type { Timestamp } from "@roomhistory/client/gen/google/protobuf/timestamp.js";
import { invalid, tooLarge } from "../domain/errors.js";
import { MAX_RETENTION_SECONDS } from "../store/store.js";
import { instantProblem } from "../domain/timestamps.js";

export interface Limits {
  /** Largest encoded message, in bytes. */
  maxMessageBytes: number;
  /** Most messages in one AppendMessages call. */
  maxBatchMessages: number;
  /** Largest encoded room_context, in bytes. */
  maxContextBytes: number;
  /** Most rooms on one watch stream. */
  maxWatchRooms: number;
}


// UUIDs, ULIDs and base64url tokens fit; the small alphabet keeps a key safe wherever the store puts it.
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_DURABILITY_REPLICAS = 16;
const MAX_DURABILITY_TIMEOUT_MS = 60_000;
const ROOM_ID = /^[A-Za-z0-9._\-:@!#+=/]{1,256}$/;
// No "]" (it would end a "[Message ID: X]" marker early) and no control characters or spaces.
const MESSAGE_ID = /^[^\][\s\p{Cc}]{1,256}$/u;
const DATA_URL = /^data:[^,]*,/;

export function checkRoomId(roomId: string, field = "room_id"): string {
  if (!ROOM_ID.test(roomId)) {
    throw invalid(field, "must be 1 to 256 characters of A-Z a-z 0-9 . _ - : @ ! # + = /");
  }
  return roomId;
}

const KNOWN_KINDS: ReadonlySet<MessageKind> = new Set([
  MessageKind.MESSAGE_KIND_UNSPECIFIED, MessageKind.MESSAGE_KIND_CHAT, MessageKind.MESSAGE_KIND_THINKING,
]);
const AGENT_NAME = /^[^\s\p{Cc}]{1,128}$/u;

/** A run or phase id: optional; 1 to 128 characters without spaces or control characters. */
export function checkAgentName(name: string, field: string): string {
  if (name && !AGENT_NAME.test(name)) throw invalid(field, "must be 1 to 128 characters without spaces or control characters");
  return name;
}

export function checkMessageId(id: string, field = "message_id"): string {
  if (!MESSAGE_ID.test(id)) throw invalid(field, "must be 1 to 256 characters, without spaces, '[' or ']'");
  return id;
}

export function checkBatch(messages: Message[], encodedSizes: number[], limits: Limits): void {
  if (messages.length === 0) throw invalid("messages", "at least one message is required");
  if (messages.length > limits.maxBatchMessages) {
    throw tooLarge("messages", `${messages.length} messages, more than the ${limits.maxBatchMessages} allowed per call`);
  }
  messages.forEach((m, i) => {
    if (encodedSizes[i] > limits.maxMessageBytes) {
      throw tooLarge(`messages[${i}]`, `${encodedSizes[i]} bytes, more than the ${limits.maxMessageBytes} allowed`);
    }
    checkMessage(m, `messages[${i}]`);
  });
}

export function checkMessage(m: Message, at: string): void {
  if (![Role.ROLE_USER, Role.ROLE_ASSISTANT, Role.ROLE_SYSTEM, Role.ROLE_TOOL].includes(m.role)) {
    throw invalid(`${at}.role`, "must be ROLE_USER, ROLE_ASSISTANT, ROLE_SYSTEM or ROLE_TOOL");
  }
  if (m.id) checkMessageId(m.id, `${at}.id`);
  if (m.kind === MessageKind.MESSAGE_KIND_SUMMARY) {
    throw invalid(`${at}.kind`, "MESSAGE_KIND_SUMMARY is written by compaction only (CompactHistory, CompactPreservingStructure)");
  }
  if (!KNOWN_KINDS.has(m.kind)) throw invalid(`${at}.kind`, `unknown kind ${m.kind}`);
  checkAgentName(m.runId, `${at}.run_id`);
  checkAgentName(m.phaseId, `${at}.phase_id`);
  if (m.role === Role.ROLE_TOOL && !m.toolCallId) throw invalid(`${at}.tool_call_id`, "is required for ROLE_TOOL");
  if (m.role !== Role.ROLE_TOOL && m.toolCallId) throw invalid(`${at}.tool_call_id`, "is only for ROLE_TOOL");
  if (m.toolCalls.length && m.role !== Role.ROLE_ASSISTANT) {
    throw invalid(`${at}.tool_calls`, "are only for ROLE_ASSISTANT");
  }
  m.toolCalls.forEach((c, j) => {
    if (!c.id) throw invalid(`${at}.tool_calls[${j}].id`, "is required");
    if (!c.name) throw invalid(`${at}.tool_calls[${j}].name`, "is required");
  });
  m.parts.forEach((p, j) => checkPart(p, `${at}.parts[${j}]`));
  checkReactions(m.reactions, `${at}.reactions`);
  checkTimestamp(m.createdAt, `${at}.created_at`);
  checkTimestamp(m.editedAt, `${at}.edited_at`);
  checkTimestamp(m.deletedAt, `${at}.deleted_at`);
}

/**
 * A part must be complete, whatever model will read it: which targets can carry which kinds is
 * RenderMessages' business (it drops or converts per target), never a reason to refuse a write.
 */
function checkPart(p: ContentPart, at: string): void {
  if (p.text === undefined && !p.imageUrl && !p.inputAudio && !p.file) {
    throw invalid(at, "must set text, image_url, input_audio or file");
  }
  if (p.imageUrl && !p.imageUrl.url) throw invalid(`${at}.image_url.url`, "is required");
  if (p.inputAudio) {
    if (!p.inputAudio.data) throw invalid(`${at}.input_audio.data`, "is required (the recording, base64-encoded)");
    if (!p.inputAudio.format) throw invalid(`${at}.input_audio.format`, 'is required (e.g. "wav" or "mp3")');
  }
  if (p.file) {
    if (!p.file.fileId && !p.file.fileData) throw invalid(`${at}.file`, "needs file_id or file_data");
    if (p.file.fileData && !DATA_URL.test(p.file.fileData)) {
      throw invalid(`${at}.file.file_data`, 'must be a data: URL (e.g. "data:application/pdf;base64,...")');
    }
  }
}

/** An unset timestamp passes; a set one must be a valid google.protobuf.Timestamp (year 1 to 9999). */
export function checkTimestamp(t: Timestamp | undefined, field: string): void {
  const problem = t && instantProblem(t);
  if (problem) throw invalid(field, problem);
}

export function checkReactions(reactions: { emoji: string }[], field = "reactions"): void {
  if (reactions.length > 100) throw tooLarge(field, `${reactions.length} reactions, more than the 100 allowed`);
  reactions.forEach((r, i) => {
    if (!r.emoji || r.emoji.length > 64 || /[\][,]/.test(r.emoji)) {
      throw invalid(`${field}[${i}].emoji`, "must be 1 to 64 characters, without '[', ']' or ','");
    }
  });
}

export function checkContextSize(bytes: number, limits: Limits): void {
  if (bytes > limits.maxContextBytes) {
    throw tooLarge("room_context", `${bytes} bytes, more than the ${limits.maxContextBytes} allowed`);
  }
}

export function checkUpdateContent(content: string, limits: Limits): void {
  const bytes = Buffer.byteLength(content);
  if (bytes > limits.maxMessageBytes) {
    throw tooLarge("content", `${bytes} bytes, more than the ${limits.maxMessageBytes} allowed`);
  }
}

/** The key, or undefined when empty (the call is not deduplicated). */
export function checkIdempotencyKey(key: string): string | undefined {
  if (!key) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) throw invalid("idempotency_key", "must be 1 to 128 characters of A-Z a-z 0-9 . _ -");
  return key;
}

/**
 * Bounds a durability request, so one call cannot hold a connection in WAIT for long or wait for more
 * replicas than any deployment has.
 */
export function checkDurability<D extends { replicas: number; timeoutMs: number; fsync: boolean }>(
  d: D | undefined,
  field = "durability",
): D | undefined {
  if (!d) return d;
  if (d.replicas > MAX_DURABILITY_REPLICAS) {
    throw invalid(`${field}.replicas`, `must be at most ${MAX_DURABILITY_REPLICAS}`);
  }
  if (d.timeoutMs > MAX_DURABILITY_TIMEOUT_MS) {
    throw invalid(`${field}.timeout_ms`, `must be at most ${MAX_DURABILITY_TIMEOUT_MS}`);
  }
  return d;
}

/** An idle retention in seconds: undefined (the server default), 0 (never) or at most ten years. */
export function checkRetention(seconds: number | undefined): number | undefined {
  if (seconds !== undefined && seconds > MAX_RETENTION_SECONDS) {
    throw invalid("idle_ttl_seconds", `must be at most ${MAX_RETENTION_SECONDS} (ten years)`);
  }
  return seconds;
}
