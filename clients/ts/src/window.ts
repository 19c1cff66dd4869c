/**
 * How a change moves a mirror's copy of a room, without asking the server when it can, and which
 * GetHistory read settles it when it cannot. Pure functions; the specification they follow is
 * clients/testdata/window-vectors.json, which the Python client's _window.py runs too.
 */
import { ChangeKind, type RoomChange } from "./gen/roomhistory/v1/change.js";
import type { Message } from "./gen/roomhistory/v1/message.js";

/** A room's window at a version, as GetHistory returns it. */
export interface RoomWindow {
  readonly version: number;
  readonly messages: readonly Message[];
}

/**
 * What a change asks of a mirror: nothing (already held), a new window (applied from the change), or a
 * GetHistory read (`afterSeq` 0: the whole room; else just the messages after that seq).
 */
export type WindowStep =
  | { readonly action: "skip" }
  | { readonly action: "apply"; readonly window: RoomWindow }
  | { readonly action: "fetch"; readonly afterSeq: number };

const SKIP: WindowStep = { action: "skip" };
const FETCH_ROOM: WindowStep = { action: "fetch", afterSeq: 0 };

/** Kinds after which the room is empty, whatever came before: applied even after a gap. */
const EMPTIES = new Set<ChangeKind>([
  ChangeKind.CHANGE_KIND_CLEAR, ChangeKind.CHANGE_KIND_EXPIRED, ChangeKind.CHANGE_KIND_DELETED,
]);

/** True when the server's store lost the room: its version went back, and the lower version is taken. */
export function isLostRoom(change: RoomChange): boolean {
  return change.version < change.previousVersion;
}

/** The step that brings `window` to `change.version`. Never mutates `window`. */
export function nextStep(window: RoomWindow, change: RoomChange): WindowStep {
  if (isLostRoom(change)) return FETCH_ROOM;
  if (change.version <= window.version) return SKIP;
  if (EMPTIES.has(change.kind)) return { action: "apply", window: { version: change.version, messages: [] } };
  if (change.previousVersion !== window.version) return FETCH_ROOM;
  if (isOmittedAppend(change)) {
    // Just the appended messages, when the copy's last entry has a seq to read after and survives the trim.
    const last = lastSeq(window.messages);
    return last && change.trimmed < window.messages.length ? { action: "fetch", afterSeq: last } : FETCH_ROOM;
  }
  const messages = applyChange(window.messages, change);
  return messages ? { action: "apply", window: { version: change.version, messages } } : FETCH_ROOM;
}

/**
 * The step after the read that `nextStep` asked for: `res` is GetHistory's answer for `afterSeq`. A
 * partial read (afterSeq > 0) is exact only when it is at the change's version and the copy has not moved;
 * otherwise the whole room is read. A whole-room read is taken when it is newer than the copy (or the room
 * was lost).
 */
export function afterFetch(window: RoomWindow, change: RoomChange, afterSeq: number, res: RoomWindow): WindowStep {
  if (afterSeq > 0) {
    if (res.version !== change.version || window.version !== change.previousVersion) return FETCH_ROOM;
    const messages = [...window.messages.slice(change.trimmed), ...res.messages];
    return { action: "apply", window: { version: res.version, messages } };
  }
  if (res.version > window.version || isLostRoom(change)) {
    return { action: "apply", window: { version: res.version, messages: res.messages } };
  }
  return SKIP;
}

/**
 * The messages after a change that continues `window` (previousVersion is the window's version), or
 * undefined when the change does not carry enough to say (a RESYNC, omitted messages, a message the
 * window does not hold, a kind this client does not know): the caller then reads the room. Never mutates
 * `window`.
 */
export function applyChange(window: readonly Message[], change: RoomChange): readonly Message[] | undefined {
  if (change.messagesOmitted) return undefined;
  switch (change.kind) {
    case ChangeKind.CHANGE_KIND_APPEND:
      // The server trims after appending, so `trimmed` may reach into the appended messages.
      return [...window, ...change.messages].slice(change.trimmed);
    case ChangeKind.CHANGE_KIND_UPDATE:
    case ChangeKind.CHANGE_KIND_DELETE:
    case ChangeKind.CHANGE_KIND_REACTIONS:
    case ChangeKind.CHANGE_KIND_PRUNE:
      return replaceMessages(window, change.messages);
    case ChangeKind.CHANGE_KIND_COMPACT:
      return compact(window, change);
    case ChangeKind.CHANGE_KIND_CLEAR:
    case ChangeKind.CHANGE_KIND_EXPIRED:
    case ChangeKind.CHANGE_KIND_DELETED:
      return [];
    case ChangeKind.CHANGE_KIND_LIMIT:
      return window.slice(change.trimmed);
    case ChangeKind.CHANGE_KIND_REBACKFILL:
    case ChangeKind.CHANGE_KIND_RETENTION:
    case ChangeKind.CHANGE_KIND_RENDER_DEFAULTS:
    case ChangeKind.CHANGE_KIND_AGENT_OPTIONS:
    case ChangeKind.CHANGE_KIND_METADATA:
      return window;
    case ChangeKind.CHANGE_KIND_IMPORTED:
      return undefined; // the room was replaced whole by ImportRooms: read it, as after a RESYNC
    default:
      return undefined; // RESYNC, or a kind this client does not know yet: never ignored
  }
}

/** True for an append whose messages were too large to carry. */
export function isOmittedAppend(change: RoomChange): boolean {
  return change.kind === ChangeKind.CHANGE_KIND_APPEND && change.messagesOmitted;
}

/** The seq of the window's newest message; 0 when it has none (empty, or a legacy entry). */
export function lastSeq(window: readonly Message[]): number {
  return window.at(-1)?.seq ?? 0;
}

/**
 * Where an edited message sits in the window: the message with its seq (seqs are unique), or, for a
 * legacy entry (seq 0), the NEWEST message with its id, as the server patches the newest; -1 if none.
 */
export function findEdited(window: readonly Message[], changed: Message): number {
  if (changed.seq) return window.findIndex((w) => w.seq === changed.seq);
  if (changed.id === "") return -1;
  for (let i = window.length - 1; i >= 0; i--) if (window[i].id === changed.id) return i;
  return -1;
}

/**
 * CHANGE_KIND_COMPACT: every message with a seq at or below replacedThroughSeq, and every seq-less
 * (legacy) message before the last of them, gives way to the change's messages, placed at the front.
 * Undefined when the copy holds none of the replaced messages (it is not the window the server compacted).
 */
function compact(window: readonly Message[], change: RoomChange): readonly Message[] | undefined {
  const through = change.replacedThroughSeq;
  const replaced = (m: Message) => m.seq > 0 && m.seq <= through;
  let cut = 0;
  for (let i = window.length - 1; i >= 0; i--) {
    if (replaced(window[i])) {
      cut = i + 1;
      break;
    }
  }
  if (cut === 0) return undefined;
  return [...change.messages, ...window.slice(cut).filter((m) => !replaced(m))];
}

/** Replaces each changed message (see findEdited); undefined if one is missing. */
function replaceMessages(window: readonly Message[], changed: readonly Message[]): readonly Message[] | undefined {
  if (changed.length === 0) return undefined;
  const next = [...window];
  for (const m of changed) {
    const i = findEdited(next, m);
    if (i < 0) return undefined;
    next[i] = m;
  }
  return next;
}
