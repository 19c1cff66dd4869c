import { ChangeKind, type RoomChange } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import type { WatchChange, WatchChangeKind } from "./change.js";
import { messageOf } from "./convert.js";
import { WatchResponse } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Encoded, memo } from "./encoded.js";

const KIND: Record<WatchChangeKind, ChangeKind> = {
  append: ChangeKind.CHANGE_KIND_APPEND,
  update: ChangeKind.CHANGE_KIND_UPDATE,
  delete: ChangeKind.CHANGE_KIND_DELETE,
  reactions: ChangeKind.CHANGE_KIND_REACTIONS,
  clear: ChangeKind.CHANGE_KIND_CLEAR,
  limit: ChangeKind.CHANGE_KIND_LIMIT,
  rebackfill: ChangeKind.CHANGE_KIND_REBACKFILL,
  resync: ChangeKind.CHANGE_KIND_RESYNC,
  expired: ChangeKind.CHANGE_KIND_EXPIRED,
  deleted: ChangeKind.CHANGE_KIND_DELETED,
  retention: ChangeKind.CHANGE_KIND_RETENTION,
  render_defaults: ChangeKind.CHANGE_KIND_RENDER_DEFAULTS,
  prune: ChangeKind.CHANGE_KIND_PRUNE,
  compact: ChangeKind.CHANGE_KIND_COMPACT,
  agent_options: ChangeKind.CHANGE_KIND_AGENT_OPTIONS,
  metadata: ChangeKind.CHANGE_KIND_METADATA,
  imported: ChangeKind.CHANGE_KIND_IMPORTED,
};

export function toRoomChange(c: WatchChange): RoomChange {
  return {
    roomId: c.roomId,
    version: c.version,
    previousVersion: c.previousVersion,
    kind: KIND[c.kind],
    messages: c.entries.map(messageOf),
    messagesOmitted: c.omitted,
    trimmed: c.trimmed,
    replacedThroughSeq: c.replacedThroughSeq ?? 0,
    tokenCount: c.agent?.tokenCount ?? 0,
    needsCompaction: c.agent?.needsCompaction ?? false,
  };
}

const encodedChanges = new WeakMap<WatchChange, Encoded>();

/** A change as a serialised WatchResponse, encoded once however many streams send it. */
export function encodedChange(c: WatchChange): Encoded {
  return memo(encodedChanges, c, () => new Encoded(Buffer.from(WatchResponse.encode({ change: toRoomChange(c) }).finish())));
}
