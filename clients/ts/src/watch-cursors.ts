import { ChangeKind, type RoomChange } from "./gen/roomhistory/v1/change.js";

/** Rooms to watch: ids (nothing held yet) or cursors with the version already held. */
export type WatchRooms = readonly string[] | readonly { roomId: string; knownVersion?: number }[];

/** A prefix or namespace selector: every room whose id starts with `prefix`, or of `namespace`. */
export type WatchSelector = { prefix: string; namespace?: never } | { namespace: string; prefix?: never };

export function toCursors(rooms: WatchRooms): { roomId: string; knownVersion: number }[] {
  return rooms.map((r) =>
    typeof r === "string" ? { roomId: r, knownVersion: 0 } : { roomId: r.roomId, knownVersion: r.knownVersion ?? 0 },
  );
}

/** A selector's key on one stream ("p:<prefix>" or "n:<namespace>"), as the server keys them. */
export function selectorKey(s: { prefix?: string; namespace?: string }): string {
  return s.prefix ? `p:${s.prefix}` : `n:${s.namespace ?? ""}`;
}

/**
 * Moves the room's cursor to the change and says whether to deliver it: false for a change already
 * delivered or a room not watched. The rules are clients/testdata/watch-vectors.json (`cursors`).
 */
export function advanceCursor(cursors: Map<string, number>, c: RoomChange): boolean {
  const cursor = cursors.get(c.roomId);
  if (cursor === undefined) return false;
  const lost = c.kind === ChangeKind.CHANGE_KIND_RESYNC && c.previousVersion === cursor && c.version < cursor;
  if (c.version <= cursor && !lost) return false;
  cursors.set(c.roomId, c.version);
  return true;
}
