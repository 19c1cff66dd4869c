/**
 * Request checks. Every failure names the field; nothing reaches the store until a request passes.
 */
import { Role, type Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { invalid, tooLarge } from "../domain/errors.js";

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

export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 1024 * 1024,
  maxBatchMessages: 500,
  maxContextBytes: 64 * 1024,
  maxWatchRooms: 10_000,
};

const ROOM_ID = /^[A-Za-z0-9._\-:@!#+=/]{1,256}$/;
// No "]" (it would end a "[Message ID: X]" marker early) and no control characters or spaces.
const MESSAGE_ID = /^[^\]\[\s\p{Cc}]{1,256}$/u;

export function checkRoomId(roomId: string, field = "room_id"): string {
  if (!ROOM_ID.test(roomId)) {
    throw invalid(field, "must be 1 to 256 characters of A-Z a-z 0-9 . _ - : @ ! # + = /");
  }
  return roomId;
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

function checkMessage(m: Message, at: string): void {
  if (![Role.ROLE_USER, Role.ROLE_ASSISTANT, Role.ROLE_SYSTEM, Role.ROLE_TOOL].includes(m.role)) {
    throw invalid(`${at}.role`, "must be ROLE_USER, ROLE_ASSISTANT, ROLE_SYSTEM or ROLE_TOOL");
  }
  if (m.id) checkMessageId(m.id, `${at}.id`);
  if (m.role === Role.ROLE_TOOL && !m.toolCallId) throw invalid(`${at}.tool_call_id`, "is required for ROLE_TOOL");
  if (m.role !== Role.ROLE_TOOL && m.toolCallId) throw invalid(`${at}.tool_call_id`, "is only for ROLE_TOOL");
  if (m.toolCalls.length && m.role !== Role.ROLE_ASSISTANT) {
    throw invalid(`${at}.tool_calls`, "are only for ROLE_ASSISTANT");
  }
  m.toolCalls.forEach((c, j) => {
    if (!c.id) throw invalid(`${at}.tool_calls[${j}].id`, "is required");
    if (!c.name) throw invalid(`${at}.tool_calls[${j}].name`, "is required");
  });
  m.parts.forEach((p, j) => {
    if (p.text === undefined && !p.imageUrl) throw invalid(`${at}.parts[${j}]`, "must set text or image_url");
    if (p.imageUrl && !p.imageUrl.url) throw invalid(`${at}.parts[${j}].image_url.url`, "is required");
  });
  checkReactions(m.reactions, `${at}.reactions`);
}

export function checkReactions(reactions: { emoji: string }[], field = "reactions"): void {
  if (reactions.length > 100) throw tooLarge(field, `${reactions.length} reactions, more than the 100 allowed`);
  reactions.forEach((r, i) => {
    if (!r.emoji || r.emoji.length > 64 || /[\]\[,]/.test(r.emoji)) {
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
