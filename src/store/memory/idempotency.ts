/** A remembered first result of an idempotent call, per room and key, for the memory store. */
interface IdempotencyRecord<T> {
  fingerprint: string;
  result: T;
  expiresAt: number;
}

/**
 * The memory store's idempotency records, kept `ttlMs` like the Redis store's `:idem:<key>` keys.
 * Expired records are dropped when their room is next looked at, so memory stays bounded by the rooms
 * written within the window.
 */
export class IdempotencyRecords<T> {
  private readonly rooms = new Map<string, Map<string, IdempotencyRecord<T>>>();

  constructor(private readonly ttlMs: number) {}

  get(roomId: string, key: string): IdempotencyRecord<T> | undefined {
    const records = this.rooms.get(roomId);
    if (!records) return undefined;
    const now = Date.now();
    for (const [k, r] of records) if (r.expiresAt <= now) records.delete(k);
    if (records.size === 0) this.rooms.delete(roomId);
    return records.get(key);
  }

  set(roomId: string, key: string, fingerprint: string, result: T): void {
    let records = this.rooms.get(roomId);
    if (!records) this.rooms.set(roomId, (records = new Map<string, IdempotencyRecord<T>>()));
    records.set(key, { fingerprint, result, expiresAt: Date.now() + this.ttlMs });
  }
}
