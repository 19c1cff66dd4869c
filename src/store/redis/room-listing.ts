/**
 * ListRooms over the Redis indexes (all in the `{rooms}` slot, src/store/keys.ts): the filter picks
 * the index (label, else namespace, else every room; by id or by activity), and each candidate's meta
 * hash is read for its listing fields. A filtered listing also checks each candidate against its meta
 * (its namespace, labels, not a tombstone): an index may keep a room a failed update did not take out,
 * and such a room is skipped, never listed.
 */
import type { Cluster, Redis } from "ioredis";
import type { KeySpace } from "../keys.js";
import type { RoomListingData, RoomPage, RoomQuery } from "../store.js";
import { activityCursor, afterActivityCursor, matchesQuery, parseActivityCursor } from "../room-query.js";
import { labelsOfField } from "./metadata-script-calls.js";

type Run = <T>(call: () => Promise<T>) => Promise<T>;

/** Index reads one listing call may make before it answers with what it found. */
const MAX_ROUNDS = 16;

interface Candidate {
  roomId: string;
  score?: number;
}

export class RoomListing {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: KeySpace,
    private readonly run: Run,
  ) {}

  async list(pageSize: number, after: string | undefined, query: RoomQuery): Promise<RoomPage> {
    const filtered = Boolean(query.namespace || query.label || query.prefix);
    const byActivity = query.order === "activity";
    const rooms: RoomListingData[] = [];
    let cursor = after;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const want = pageSize - rooms.length + 1;
      const batch = byActivity ? await this.byActivity(query, cursor, want) : await this.byId(query, cursor, want);
      if (batch.length === 0) return done(rooms);
      const listed = await this.listings(batch, byActivity);
      for (const [i, room] of listed.entries()) {
        const keep = room !== undefined && (!filtered && !byActivity ? true : !room.gone
          && matchesQuery(query, room.namespace, room.labels) && room.listing.roomId.startsWith(query.prefix ?? ""));
        if (keep && rooms.length === pageSize) return done(rooms, cursorOf(rooms.at(-1)!, byActivity));
        if (keep) rooms.push(room.listing);
        cursor = cursorOf({ roomId: batch[i].roomId, lastActivityMs: batch[i].score }, byActivity);
      }
      if (batch.length < want) return done(rooms);
    }
    return done(rooms, cursor);
  }

  private async byId(query: RoomQuery, after: string | undefined, count: number): Promise<Candidate[]> {
    const index = query.label ? this.keys.labelIndex(query.label)
      : query.namespace ? this.keys.namespaceRoomIndex(query.namespace) : this.keys.roomIndex();
    const [min, max] = lexRange(after, query.prefix);
    const ids = await this.run(() => this.redis.zrangebylex(index, min, max, "LIMIT", 0, count));
    return ids.map((roomId) => ({ roomId }));
  }

  /** Newest first; ties (same ms) by id descending, as ZREVRANGEBYSCORE orders them. */
  private async byActivity(query: RoomQuery, after: string | undefined, count: number): Promise<Candidate[]> {
    const index = query.label ? this.keys.labelActivityIndex(query.label)
      : query.namespace ? this.keys.namespaceActivityIndex(query.namespace) : this.keys.activityIndex();
    const from = after === undefined ? undefined : parseActivityCursor(after);
    const out: Candidate[] = [];
    // Members tied with the cursor's score at or above its id come first and are skipped.
    for (let offset = 0; out.length < count; offset += count) {
      const flat = await this.run(() => this.redis.zrevrangebyscore(
        index, from ? from.score : "+inf", "-inf", "WITHSCORES", "LIMIT", offset, count));
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const c = { roomId: flat[i], score: Number(flat[i + 1]) };
        if (!from || afterActivityCursor(c.score, c.roomId, from)) out.push(c);
      }
      if (flat.length < count * 2) break;
    }
    return out.slice(0, count);
  }

  /** Each candidate's listing fields (one HMGET per room) and last activity (its score, or ZMSCORE). */
  private async listings(batch: Candidate[], byActivity: boolean): Promise<({ listing: RoomListingData; namespace: string; labels: string[]; gone: boolean } | undefined)[]> {
    const metas = await this.run(() => Promise.all(batch.map((c) =>
      this.redis.hmget(this.keys.room(c.roomId).meta, "title", "ns", "labels", "gone"))));
    const scores = byActivity ? batch.map((c) => c.score)
      : (await this.run(() => this.redis.zmscore(this.keys.activityIndex(), ...batch.map((c) => c.roomId))))
        .map((s) => (s === null ? undefined : Number(s)));
    return batch.map((c, i) => {
      const [title, ns, labelsJson, gone] = metas[i];
      const labels = labelsOfField(labelsJson ?? "");
      const listing: RoomListingData = { roomId: c.roomId, title: title ?? "", namespace: ns ?? "", labels };
      if (scores[i] !== undefined) listing.lastActivityMs = scores[i];
      return { listing, namespace: ns ?? "", labels, gone: gone !== null };
    });
  }
}

/**
 * ZRANGEBYLEX bounds after the cursor and within the prefix: ids compare as UTF-8 bytes, so every id
 * with the prefix lies below the prefix followed by a 0xff byte (never part of UTF-8).
 */
function lexRange(after: string | undefined, prefix: string | undefined): [string | Buffer, string | Buffer] {
  if (!prefix) return [after === undefined ? "-" : `(${after}`, "+"];
  const max = Buffer.concat([Buffer.from(`(${prefix}`), Buffer.from([0xff])]);
  const afterPrefix = after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0;
  return [afterPrefix ? `(${after}` : `[${prefix}`, max];
}

function cursorOf(room: { roomId: string; lastActivityMs?: number }, byActivity: boolean): string {
  return byActivity ? activityCursor(room.lastActivityMs ?? 0, room.roomId) : room.roomId;
}

function done(rooms: RoomListingData[], next?: string): RoomPage {
  return { roomIds: rooms.map((r) => r.roomId), rooms, next };
}
