/**
 * A room's archive in the memory store, as includes/archive.lua keeps it in Redis: entries by seq
 * (ties in byte order of their JSON, as a sorted set orders equal scores), at most maxBytes (oldest
 * evicted first), gone ttl seconds after the last archiving.
 */
import type { ArchiveQuery } from "../store.js";
import { cutArchivePage, type ArchiveRow } from "../rewrite.js";

export class MemoryArchive {
  private rows: ArchiveRow<string>[] = [];
  private bytes = 0;
  private expiresAt?: number;

  /** Adds the stored JSON of archived entries; returns how many old rows were evicted. */
  add(items: ArchiveRow<string>[], maxBytes: number, ttlSeconds: number): number {
    this.expireIfDue();
    for (const item of items) {
      if (this.rows.some((r) => r.seq === item.seq && r.entry === item.entry)) continue;
      this.rows.push(item);
      this.bytes += Buffer.byteLength(item.entry, "utf8");
    }
    this.rows.sort((a, b) => a.seq - b.seq || Buffer.compare(Buffer.from(a.entry), Buffer.from(b.entry)));
    let evicted = 0;
    while (maxBytes > 0 && this.bytes > maxBytes && this.rows.length) {
      this.bytes -= Buffer.byteLength(this.rows.shift()!.entry, "utf8");
      evicted++;
    }
    this.expiresAt = ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : undefined;
    return evicted;
  }

  page(query: ArchiveQuery): { rows: ArchiveRow<string>[]; more: boolean } {
    this.expireIfDue();
    return cutArchivePage(this.rows, query);
  }

  get count(): number {
    this.expireIfDue();
    return this.rows.length;
  }

  private expireIfDue(): void {
    if (this.expiresAt !== undefined && this.expiresAt <= Date.now()) {
      this.rows = [];
      this.bytes = 0;
      this.expiresAt = undefined;
    }
  }
}
