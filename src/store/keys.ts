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
}

export class KeySpace {
  constructor(private readonly options: KeyOptions) {}

  room(roomId: string): RoomKeys {
    const base = `${this.options.prefix}:${this.options.hashTag ? `{${roomId}}` : roomId}`;
    return { list: base, version: `${base}:ver`, meta: `${base}:meta`, channel: `${base}:changes` };
  }

  /** The sorted set of room ids (score 0, ordered by id) behind ListRooms. Braces never occur in a
   * room id, so this name cannot collide with a room's keys in either layout.  */
  roomIndex(): string {
    return `${this.options.prefix}:index:{rooms}`;
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
}
