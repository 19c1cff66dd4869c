/**
 * Protobuf messages ↔ stored entries. The one place that knows both shapes.
 */
import { randomBytes } from "node:crypto";
import { Role, MessageKind, type Message, type ContentPart } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import type { Timestamp } from "@roomhistory/client/gen/google/protobuf/timestamp.js";
import { entryId, type Entry, type EntryFile, type EntryPart } from "../domain/entry.js";
import { instantProblem, instantToIso, isoToInstant, nowIso } from "../domain/timestamps.js";
import { invalid } from "../domain/errors.js";
import { parseDeletedTag, parseReactionsTag } from "../domain/tags.js";
import { memo } from "./encoded.js";

const ROLE_NAMES: Record<number, string> = {
  [Role.ROLE_USER]: "user",
  [Role.ROLE_ASSISTANT]: "assistant",
  [Role.ROLE_SYSTEM]: "system",
  [Role.ROLE_TOOL]: "tool",
};
const ROLES_BY_NAME = new Map(Object.entries(ROLE_NAMES).map(([k, v]) => [v, Number(k) as Role]));

export function roleName(role: Role): string | undefined {
  return ROLE_NAMES[role];
}

export function roleFromName(name: string | undefined): Role {
  return (name && ROLES_BY_NAME.get(name)) || Role.ROLE_UNSPECIFIED;
}

/** Random bytes for ID_POOL ids at a time: one call into the CSPRNG per 256 ids instead of one per id. */
const ID_BYTES = 12;
const ID_POOL = 256;
let idPool = Buffer.alloc(0);
let idAt = 0;

/** A server-made message id, for messages that come without a platform id. */
export function newMessageId(): string {
  if (idAt >= idPool.length) {
    idPool = randomBytes(ID_BYTES * ID_POOL);
    idAt = 0;
  }
  const id = idPool.toString("base64url", idAt, idAt + ID_BYTES);
  idAt += ID_BYTES;
  return `rh_${id}`;
}

/** A request's timestamp as stored text; outside Timestamp's range it is INVALID_ARGUMENT naming `field`. */
export function timestampToIso(t: Timestamp | undefined, field: string): string | undefined {
  if (!t) return undefined;
  const problem = instantProblem(t);
  if (problem) throw invalid(field, problem);
  return instantToIso(t);
}

export function isoToTimestamp(text: string | undefined): Timestamp | undefined {
  return text ? isoToInstant(text) : undefined;
}

/** A validated part as stored: OpenAI's content-part shape, empty fields left out. */
export function partToEntry(part: ContentPart): EntryPart {
  if (part.imageUrl) {
    const { url, detail } = part.imageUrl;
    return { type: "image_url", image_url: detail ? { url, detail } : { url } };
  }
  if (part.inputAudio) {
    return { type: "input_audio", input_audio: { data: part.inputAudio.data, format: part.inputAudio.format } };
  }
  if (part.file) {
    const { fileId, filename, fileData } = part.file;
    const file: EntryFile = {};
    if (fileId) file.file_id = fileId;
    if (filename) file.filename = filename;
    if (fileData) file.file_data = fileData;
    return { type: "file", file };
  }
  return { type: "text", text: part.text ?? "" };
}

export function partFromEntry(part: EntryPart): ContentPart {
  switch (part.type) {
    case "image_url":
      return { imageUrl: { url: part.image_url.url, detail: part.image_url.detail ?? "" } };
    case "input_audio":
      return { inputAudio: { data: part.input_audio.data, format: part.input_audio.format } };
    case "file":
      return { file: { fileId: part.file.file_id ?? "", filename: part.file.filename ?? "", fileData: part.file.file_data ?? "" } };
    default:
      return { text: part.text };
  }
}

/** The entry to store for a validated message; empty fields are left out. */
export function messageToEntry(m: Message): Entry {
  const entry: Entry = { role: roleName(m.role)!, content: m.content };
  if (m.parts.length) {
    entry.content = m.parts.map(partToEntry);
    if (m.content) entry.content_text = m.content;
  }
  entry.id = m.id || newMessageId();
  if (m.toolCalls.length) {
    entry.tool_calls = m.toolCalls.map((c) => ({
      id: c.id, type: "function", function: { name: c.name, arguments: c.arguments },
    }));
  }
  if (m.toolCallId) entry.tool_call_id = m.toolCallId;
  if (m.isError) entry.is_error = true;
  if (m.kind === MessageKind.MESSAGE_KIND_THINKING) entry.kind = "thinking";
  if (m.kind === MessageKind.MESSAGE_KIND_CHAT) entry.kind = "chat";
  if (m.runId) entry.run_id = m.runId;
  if (m.phaseId) entry.phase_id = m.phaseId;
  if (m.transitionMarker) entry.tm = 1;
  if (m.clientInput) entry.ci = 1;
  if (m.skillContent) entry.sc = 1;
  if (m.sender) entry.sender = m.sender;
  entry.created_at = timestampToIso(m.createdAt, "created_at") ?? nowIso();
  if (m.editedAt) entry.edited_at = timestampToIso(m.editedAt, "edited_at");
  if (m.deletedAt) entry.deleted_at = timestampToIso(m.deletedAt, "deleted_at");
  if (m.reactions.length) entry.reactions = m.reactions.map(({ emoji, count }) => (count ? { emoji, count } : { emoji }));
  if (Object.keys(m.metadata).length) entry.metadata = { ...m.metadata };
  return entry;
}

const KINDS: Record<string, MessageKind> = {
  chat: MessageKind.MESSAGE_KIND_CHAT,
  thinking: MessageKind.MESSAGE_KIND_THINKING,
  summary: MessageKind.MESSAGE_KIND_SUMMARY,
};

/** The message a stored entry stands for; legacy entries get their id and tags from their content. */
export function entryToMessage(e: Entry): Message {
  const text = typeof e.content === "string" ? e.content : "";
  const legacy = e.id === undefined;
  return {
    id: entryId(e) ?? "",
    seq: e.seq ?? 0,
    role: roleFromName(e.role),
    content: typeof e.content === "string" ? e.content : (e.content_text ?? ""),
    parts: typeof e.content === "string" ? [] : e.content.map(partFromEntry),
    toolCalls: (e.tool_calls ?? []).map((c) => ({
      id: c.id, name: c.function?.name ?? "", arguments: c.function?.arguments ?? "",
    })),
    toolCallId: e.tool_call_id ?? "",
    isError: e.is_error === true,
    kind: KINDS[e.kind ?? ""] ?? MessageKind.MESSAGE_KIND_UNSPECIFIED,
    sender: e.sender ?? "",
    createdAt: isoToTimestamp(e.created_at),
    editedAt: isoToTimestamp(e.edited_at),
    deletedAt: isoToTimestamp(e.deleted_at ?? (legacy ? parseDeletedTag(text) : undefined)),
    reactions: (e.reactions ?? (legacy ? parseReactionsTag(text) : [])).map((r) => ({
      emoji: r.emoji, count: r.count ?? 0,
    })),
    metadata: { ...(e.metadata ?? {}) },
    tokens: e.tk ?? 0,
    runId: e.run_id ?? "",
    phaseId: e.phase_id ?? "",
    transitionMarker: e.tm === 1,
    clientInput: e.ci === 1,
    skillContent: e.sc === 1,
    pruned: e.pr === 1,
  };
}

const messages = new WeakMap<Entry, Message>();

/**
 * entryToMessage, once per stored entry object: entries of a snapshot or a change are shared and never
 * modified, so their messages can be too (a window read again, a change sent to many streams).
 */
export function messageOf(e: Entry): Message {
  return memo(messages, e, () => entryToMessage(e));
}
