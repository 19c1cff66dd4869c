/**
 * How the CLI prints rooms, messages and changes for a person: one line per message or change, colours
 * only when the stream is a terminal (picocolors follows NO_COLOR and FORCE_COLOR). `--json` output
 * never goes through here: it is the proto3 JSON mapping of the generated types, one object per line.
 */
import { createColors } from "picocolors";
import { ChangeKind, type RoomChange } from "../gen/roomhistory/v1/change.js";
import type { Timestamp } from "../gen/google/protobuf/timestamp.js";
import { MessageKind, Role, type Message } from "../gen/roomhistory/v1/message.js";
import type { RoomListing } from "../gen/roomhistory/v1/metadata.js";
import type { GetRoomInfoResponse } from "../gen/roomhistory/v1/room_history_service.js";

/** An enum value's name without its prefix, lower-case: ROLE_ASSISTANT -> "assistant". */
export function enumWord(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length).toLowerCase() : name.toLowerCase();
}

/** A timestamp as ISO 8601 (UTC, milliseconds); "-" when unset. */
export function isoTime(t: Timestamp | undefined): string {
  if (!t || (t.seconds === 0 && t.nanos === 0)) return "-";
  return new Date(t.seconds * 1000 + Math.floor(t.nanos / 1e6)).toISOString();
}

/**
 * Colours for a terminal only: NO_COLOR turns them off, FORCE_COLOR on. Not picocolors' own choice,
 * which also colours whenever CI is set, piping escape codes into files and scripts.
 */
function wantColours(env = process.env): boolean {
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return !env.NO_COLOR && process.stdout.isTTY === true && env.TERM !== "dumb";
}

const pc = createColors(wantColours());

const ROLE_COLOUR: Partial<Record<Role, (s: string) => string>> = {
  [Role.ROLE_USER]: pc.cyan, [Role.ROLE_ASSISTANT]: pc.green, [Role.ROLE_SYSTEM]: pc.magenta, [Role.ROLE_TOOL]: pc.yellow,
};

/** Newlines shown as ⏎ so that one message stays one line. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, " ⏎ ");
}

/** One message: `#seq role sender: content [tool calls] (marks)`. */
export function messageLine(m: Message): string {
  const role = Role[m.role] ?? String(m.role);
  const colour = ROLE_COLOUR[m.role] ?? ((s: string) => s);
  const head = `${pc.dim(`#${m.seq}`)} ${colour(enumWord(role, "ROLE_"))}${m.sender ? ` ${pc.bold(m.sender)}` : ""}`;
  const text = m.content || m.parts.map((p) => p.text ?? (p.imageUrl ? "[image]" : "[part]")).join(" ");
  const calls = m.toolCalls.map((c) => `${c.name}(${c.arguments || "{}"})`).join(", ");
  const marks = [
    m.kind !== MessageKind.MESSAGE_KIND_UNSPECIFIED ? enumWord(MessageKind[m.kind] ?? "", "MESSAGE_KIND_") : "",
    m.toolCallId ? `answers ${m.toolCallId}` : "",
    m.isError ? "error" : "",
    m.deletedAt ? "deleted" : "",
    m.editedAt ? "edited" : "",
    m.reactions.length ? m.reactions.map((r) => (r.count ? `${r.emoji}${r.count}` : r.emoji)).join(" ") : "",
  ].filter(Boolean);
  return [
    `${head}:`,
    oneLine(text),
    calls ? pc.yellow(`→ ${calls}`) : "",
    marks.length ? pc.dim(`(${marks.join(", ")})`) : "",
  ].filter(Boolean).join(" ");
}

/** A listing line of `rooms --long`: id, last activity, namespace, labels, title. */
export function listingLine(r: RoomListing): string {
  const labels = r.labels.length ? r.labels.join(",") : "-";
  return [r.roomId, isoTime(r.lastActivity), r.namespace || "-", labels, r.title].join("\t").trimEnd();
}

/** `info`'s table: the facts an operator looks at first, one `name: value` per line. */
export function infoLines(roomId: string, info: GetRoomInfoResponse): string[] {
  const rows: [string, string | number | boolean][] = [
    ["room", roomId],
    ["exists", info.exists],
    ["version", info.version],
    ["messages", info.messageCount],
    ["entries", info.entryCount],
    ["limit", info.limit],
    ["window bytes", `${info.windowBytes} of ${info.maxBytes || "unlimited"}`],
    ["tokens", info.tokenCount],
    ["created", isoTime(info.createdAt)],
    ["updated", isoTime(info.updatedAt)],
    ["retention", info.idleTtlSeconds ? `${info.idleTtlSeconds} s idle${info.retentionIsDefault ? " (default)" : ""}` : "none"],
    ["expires", isoTime(info.expiresAt)],
    ["template", info.template || "(server default)"],
    ["namespace", info.metadata?.namespace || "-"],
    ["title", info.metadata?.title || "-"],
    ["labels", info.metadata?.labels.join(",") || "-"],
    ["participants", info.metadata?.participants.length ?? 0],
    ["context budget", info.maxContextTokens ? `${info.maxContextTokens} tokens, used ${(info.usageRatio * 100).toFixed(1)}%` : "none"],
    ["needs compaction", info.needsCompaction],
    ["current phase", info.currentPhase || "-"],
    ["archived", info.archiveCount],
    ["rebackfill requested", info.rebackfillRequested],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${pc.dim(`${name}:`.padEnd(width + 1))} ${String(value)}`);
}

/** The colour of a change kind in `tail`: writes green, edits yellow, losses red, resyncs magenta. */
export function kindColour(kind: ChangeKind): (s: string) => string {
  switch (kind) {
    case ChangeKind.CHANGE_KIND_APPEND:
    case ChangeKind.CHANGE_KIND_IMPORTED:
      return pc.green;
    case ChangeKind.CHANGE_KIND_UPDATE:
    case ChangeKind.CHANGE_KIND_REACTIONS:
    case ChangeKind.CHANGE_KIND_PRUNE:
    case ChangeKind.CHANGE_KIND_COMPACT:
      return pc.yellow;
    case ChangeKind.CHANGE_KIND_DELETE:
    case ChangeKind.CHANGE_KIND_CLEAR:
    case ChangeKind.CHANGE_KIND_DELETED:
    case ChangeKind.CHANGE_KIND_EXPIRED:
      return pc.red;
    case ChangeKind.CHANGE_KIND_RESYNC:
      return pc.magenta;
    default:
      return pc.cyan;
  }
}

/** One change of `tail`: `time room vN kind (+trimmed)` then its messages, each on its own line. */
export function changeLines(change: RoomChange, now = new Date()): string[] {
  const kind = enumWord(ChangeKind[change.kind] ?? String(change.kind), "CHANGE_KIND_");
  const extra = [
    change.previousVersion && change.previousVersion !== change.version - 1 ? `from v${change.previousVersion}` : "",
    change.trimmed ? `trimmed ${change.trimmed}` : "",
    change.messagesOmitted ? "messages omitted" : "",
  ].filter(Boolean);
  const head = `${pc.dim(now.toISOString().slice(11, 23))} ${pc.bold(change.roomId)} v${change.version} `
    + kindColour(change.kind)(kind) + (extra.length ? ` ${pc.dim(`(${extra.join(", ")})`)}` : "");
  return [head, ...change.messages.map((m) => `  ${messageLine(m)}`)];
}
