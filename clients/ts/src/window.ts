/**
 * How a change moves a room's window from previousVersion to version, without asking the server.
 * Pure functions: the mirror calls them only when its copy is exactly at the change's previousVersion.
 */
import { ChangeKind, type RoomChange } from "./gen/roomhistory/v1/change.js";
import type { Message } from "./gen/roomhistory/v1/message.js";

/**
 * The window after `change`, or undefined when the change does not carry enough to say (a RESYNC,
 * omitted messages, a message the window does not hold): the caller then fetches the room.
 * Never mutates `window`.
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
      return replaceMessages(window, change.messages);
    case ChangeKind.CHANGE_KIND_CLEAR:
      return [];
    case ChangeKind.CHANGE_KIND_LIMIT:
      return window.slice(change.trimmed);
    case ChangeKind.CHANGE_KIND_REBACKFILL:
      return window;
    default:
      return undefined; // RESYNC, or a kind this client does not know yet
  }
}

/** True for an append whose messages were too large to carry: GetHistory(after_seq) fetches just them. */
export function isOmittedAppend(change: RoomChange): boolean {
  return change.kind === ChangeKind.CHANGE_KIND_APPEND && change.messagesOmitted;
}

/**
 * The window after an omitted append, given the messages GetHistory returned after the window's last
 * seq at exactly change.version; undefined when that shortcut does not apply (the window's last entry
 * has no seq, or the append trimmed all of the old window, so after_seq found nothing to follow).
 */
export function applyOmittedAppend(
  window: readonly Message[], change: RoomChange, appended: readonly Message[],
): readonly Message[] | undefined {
  if (!lastSeq(window) || change.trimmed >= window.length) return undefined;
  return [...window.slice(change.trimmed), ...appended];
}

/** The seq of the window's newest message; 0 when it has none (empty, or a legacy entry). */
export function lastSeq(window: readonly Message[]): number {
  return window.at(-1)?.seq ?? 0;
}

/** Replaces each changed message, found by seq (unique) or else by id; undefined if one is missing. */
function replaceMessages(window: readonly Message[], changed: readonly Message[]): readonly Message[] | undefined {
  if (changed.length === 0) return undefined;
  const next = [...window];
  for (const m of changed) {
    const i = next.findIndex((w) => (m.seq ? w.seq === m.seq : m.id !== "" && w.id === m.id));
    if (i < 0) return undefined;
    next[i] = m;
  }
  return next;
}
