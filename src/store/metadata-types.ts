/**
 * Room metadata (issue 12) as both stores keep it. The Redis store keeps it in the room's meta hash
 * (fields below), so it lives and dies with the room: a clear keeps it, a delete or expiry drops it.
 *
 * Redis meta hash fields (src/store/lua):
 *   title    the title                       ns       the namespace
 *   labels   JSON array of labels (sorted)   summary  the summary
 *   p:<id>   a participant: JSON {"n": display name, "f": first seen ms, "l": last seen ms} (f/l absent
 *            when unknown)
 *   pc       the number of p:<id> fields     crt      when the room was first written (ms)
 */

/** A room's participant; times are ms since the epoch, absent when unknown. */
export interface StoredParticipant {
  id: string;
  displayName: string;
  firstSeenMs?: number;
  lastSeenMs?: number;
}

/** A room's metadata; every field's empty value means not set. */
export interface RoomMetadataData {
  title: string;
  namespace: string;
  /** Ordered by id. */
  participants: StoredParticipant[];
  /** Sorted, without duplicates. */
  labels: string[];
  summary: string;
}

export const EMPTY_METADATA: Readonly<RoomMetadataData> = Object.freeze({
  title: "", namespace: "", participants: [], labels: [], summary: "",
});

/** The most participants a room keeps; appends from further senders add none. */
export const MAX_PARTICIPANTS = 256;

/**
 * Told after every committed append of a room that has a namespace, and after a room moves to a
 * namespace: the memory bank's activity index follows it (src/store/bank). Never throws.
 */
export type TurnObserver = (turn: { roomId: string; namespace: string; version: number; atMs: number }) => void;
