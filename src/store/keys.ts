/**
 * Every Redis name roomhistory uses, built here and nowhere else.
 *
 * By default a room's keys carry the room id as a hash tag, `sg:conversation:{room}`, so that all of
 * a room's keys and its change channel live in one Redis Cluster slot and one Lua script may touch
 * them. `hashTag: false` drops the braces (`sg:conversation:room`, `sg:conversation:room:ver`), the
 * layout of a legacy ConversationManager that formats keys without them; it works on a single Redis
 * only.
 */
export interface KeyOptions {
  prefix: string;
  hashTag: boolean;
}

export interface RoomKeys {
  list: string;
  version: string;
  meta: string;
  /** The sharded pub/sub channel that carries the room's changes. */
  channel: string;
  /** The prefix of the room's idempotency records (`<idem>:<key>`). */
  idem: string;
  /**
   * The room's archive: a sorted set of the entries pruning and compaction moved out of the window
   * (score = seq, member = the entry's stored JSON); see includes/archive.lua.
   */
  archive: string;
  /**
   * The room's run cursors: a hash, field = run_id, value = JSON {next_seq, values}
   * (update-run-cursor-5.lua). Every room script takes it as KEYS[5] (includes/common.lua), so that
   * bury() can delete it.
   */
  cursors: string;
}

/**
 * Words that may not be a `:`-separated segment of a room id in the unbraced layout. Without braces a
 * room's keys are its id plus a suffix (`:ver`, `:meta`, `:changes`, `:idem:<key>`), so a room named
 * `x:ver` would own room x's version key. Any collision needs one id to be another's plus such a
 * suffix, so it has the suffix's word as a later segment: rejecting those (the first segment is
 * never a suffix) makes collisions impossible.
 */
/** A namespace's keys: see KeySpace.namespace. */
export interface NamespaceKeys {
  /** Hash: the namespace's options (SetNamespaceOptions). */
  options: string;
  /** Hash: bank entry id -> entry JSON. */
  bank: string;
  /** Sorted set: rooms with turns newer than their summary, scored by their newest turn (ms). */
  pending: string;
  /** Hash: room id -> the room's version at its newest turn. */
  pendingVersions: string;
  /** Hash: room id -> "covers version:ms" of its conversation entry a roll-up folded (bank-commit-3.lua). */
  folded: string;
}

const RESERVED_SEGMENTS = new Set(["ver", "meta", "changes", "idem", "archive", "cursors"]);

export class KeySpace {
  constructor(private readonly options: KeyOptions) {}

  room(roomId: string): RoomKeys {
    const base = `${this.options.prefix}:${this.options.hashTag ? `{${roomId}}` : roomId}`;
    return {
      list: base, version: `${base}:ver`, meta: `${base}:meta`, channel: `${base}:changes`, idem: `${base}:idem`,
      archive: `${base}:archive`, cursors: `${base}:cursors`,
    };
  }

  /** Why a room id cannot be used in this layout, or undefined when it can. */
  roomIdProblem(roomId: string): string | undefined {
    if (this.options.hashTag) return undefined;
    const bad = roomId.split(":").slice(1).find((segment) => RESERVED_SEGMENTS.has(segment));
    return bad === undefined
      ? undefined
      : `must not contain the segment ":${bad}" with ROOMHISTORY_KEY_HASHTAG=false (it names another room's key)`;
  }

  /**
   * The sorted set of existing room ids (score 0, ordered by id) behind ListRooms, one per layout so
   * that a server lists only rooms it can read. Braces never occur in a room id, so these names cannot
   * collide with a room's keys in either layout.
   */
  roomIndex(): string {
    return `${this.options.prefix}:index:${this.layoutTag()}`;
  }

  /** Rooms that can expire, scored by their expiry deadline (ms); a score may be early, never late. */
  expiryIndex(): string {
    return `${this.options.prefix}:expiry:${this.layoutTag()}`;
  }

  /** Every room, scored by its last mutation (ms, possibly a little old): ReapIdleRooms' candidates. */
  activityIndex(): string {
    return `${this.options.prefix}:activity:${this.layoutTag()}`;
  }

  /** The rooms of a namespace (score 0, ordered by id): ListRooms' namespace filter. */
  namespaceRoomIndex(namespace: string): string {
    return `${this.options.prefix}:nsrooms:${this.layoutTag()}:${namespace}`;
  }

  /** The rooms of a namespace scored by their last mutation (ms), as activityIndex(). */
  namespaceActivityIndex(namespace: string): string {
    return `${this.options.prefix}:nsactivity:${this.layoutTag()}:${namespace}`;
  }

  /** The rooms carrying a label (score 0, ordered by id): ListRooms' label filter. */
  labelIndex(label: string): string {
    return `${this.options.prefix}:label:${this.layoutTag()}:${label}`;
  }

  /** The rooms carrying a label scored by their last mutation (ms), as activityIndex(). */
  labelActivityIndex(label: string): string {
    return `${this.options.prefix}:labelactivity:${this.layoutTag()}:${label}`;
  }

  /**
   * A namespace's keys (memory bank, options, activity of its rooms), in the namespace's own slot
   * (`{ns:<namespace>}`), so that one script may touch them all. Namespaces never share a slot tag with
   * rooms: room ids cannot contain braces, and this tag starts with "ns:" inside braces.
   */
  namespace(namespace: string): NamespaceKeys {
    const base = `${this.options.prefix}:{ns:${namespace}}`;
    return {
      options: `${base}:options`, bank: `${base}:bank`, pending: `${base}:pending`, pendingVersions: `${base}:pendingver`,
      folded: `${base}:folded`,
    };
  }

  /** Every namespace that has options or a bank (score 0, by name), for ExportRooms `all`. */
  namespaceIndex(): string {
    return `${this.options.prefix}:namespaces:${this.layoutTag()}`;
  }

  private layoutTag(): string {
    return this.options.hashTag ? "{rooms}" : "{rooms-unbraced}";
  }

  /**
   * The plain pub/sub channel of room announcements (announce() in includes/common.lua derives the same
   * name from a room's change channel), one per layout like the room index.
   */
  announceChannel(): string {
    return `${this.options.prefix}:announce:${this.layoutTag()}`;
  }

  /** The room id a change channel belongs to, or undefined for a foreign channel. */
  roomOfChannel(channel: string): string | undefined {
    const head = `${this.options.prefix}:`;
    const tail = ":changes";
    if (!channel.startsWith(head) || !channel.endsWith(tail)) return undefined;
    const inner = channel.slice(head.length, channel.length - tail.length);
    if (!this.options.hashTag) return inner;
    return inner.startsWith("{") && inner.endsWith("}") ? inner.slice(1, -1) : undefined;
  }

  /**
   * Which room key `key` is in this layout (a room's list, version or meta key), or undefined for any
   * other key: an index, an idempotency record, a key of the other layout. The legacy bridge and
   * migrate-legacy meet keys, not room ids; the suffixes come from room(), so they cannot drift.
   */
  roomKeyOf(key: string): { roomId: string; part: "list" | "version" | "meta" } | undefined {
    const probe = this.room("\u0000");
    // The list's pattern (`prefix:` + id) matches every key, so the suffixed parts are tried first.
    for (const part of ["version", "meta", "list"] as const) {
      const [head, tail] = probe[part].split("\u0000");
      if (key.length <= head.length + tail.length || !key.startsWith(head) || !key.endsWith(tail)) continue;
      const roomId = key.slice(head.length, key.length - tail.length);
      if (!/[{}]/.test(roomId) && this.roomIdProblem(roomId) === undefined) return { roomId, part };
    }
    return undefined;
  }

  /** A SCAN MATCH pattern for every key under the prefix, in either layout. */
  keyScanPattern(): string {
    return `${this.globEscaped()}:*`;
  }

  /** The PSUBSCRIBE pattern of the keyspace notifications for every key under the prefix in database `db`. */
  keyspacePattern(db: number): string {
    return `__keyspace@${db}__:${this.keyScanPattern()}`;
  }

  /** The key a keyspace notification channel of database `db` is about, or undefined for another channel. */
  keyOfKeyspaceChannel(db: number, channel: string): string | undefined {
    const head = `__keyspace@${db}__:`;
    return channel.startsWith(head) ? channel.slice(head.length) : undefined;
  }

  private globEscaped(): string {
    return this.options.prefix.replace(/[*?[\]\\]/g, "\\$&");
  }
}
