/**
 * Per-token quotas, kept in this process only (each replica counts its own calls): a token bucket for
 * calls, one for appended bytes, and a cap on open Watch streams. A rate of 0 turns a quota off.
 */
import type { QuotaOverrides, TokenEntry } from "./token-file.js";

export interface QuotaSettings {
  callsPerSecond: number;
  /** Calls allowed at once after a quiet spell; 0: as many as one second's rate. */
  callsBurst: number;
  appendBytesPerSecond: number;
  /** 0: one second's rate. */
  appendBytesBurst: number;
  /** Open Watch streams per token; 0: no cap. */
  watchStreams: number;
}

/**
 * A bucket that fills at `rate` per second up to `burst`. A cost larger than the burst is let through
 * once the bucket is full and leaves it in debt, so one large append is not refused forever and the
 * rate still holds over time.
 */
export class TokenBucket {
  private level: number;
  private at: number;

  constructor(private readonly rate: number, private readonly burst: number, now = performance.now()) {
    this.level = burst;
    this.at = now;
  }

  /** Takes `cost` and returns 0, or takes nothing and returns the ms until it could. */
  take(cost: number, now = performance.now()): number {
    this.level = Math.min(this.burst, this.level + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    const needed = Math.min(cost, this.burst);
    if (this.level >= needed) {
      this.level -= cost;
      return 0;
    }
    return ((needed - this.level) / this.rate) * 1000;
  }
}

/** One token's quota state; replaced when its settings change on reload. */
export class TokenQuota {
  readonly calls?: TokenBucket;
  readonly bytes?: TokenBucket;
  readonly settings: QuotaSettings;

  constructor(defaults: QuotaSettings, overrides: QuotaOverrides) {
    this.settings = { ...defaults, ...overrides };
    const s = this.settings;
    if (s.callsPerSecond > 0) this.calls = new TokenBucket(s.callsPerSecond, s.callsBurst || s.callsPerSecond);
    if (s.appendBytesPerSecond > 0) {
      this.bytes = new TokenBucket(s.appendBytesPerSecond, s.appendBytesBurst || s.appendBytesPerSecond);
    }
  }
}

/**
 * Every token's quota, by token name: a token whose quota settings changed on reload starts with full
 * buckets. Open streams are counted by name apart from the buckets, so they stay counted across a reload.
 */
export class Quotas {
  private readonly byName = new Map<string, { entry: TokenEntry; key: string; quota: TokenQuota }>();
  private readonly streams = new Map<string, number>();

  constructor(private readonly defaults: QuotaSettings) {}

  of(entry: TokenEntry): TokenQuota {
    const held = this.byName.get(entry.name);
    if (held?.entry === entry) return held.quota; // every call until the next reload
    const key = JSON.stringify(entry.quota);
    const quota = held && held.key === key ? held.quota : new TokenQuota(this.defaults, entry.quota);
    this.byName.set(entry.name, { entry, key, quota });
    return quota;
  }

  /** Counts a new Watch stream for the token; false (nothing counted) when its cap is reached. */
  openStream(entry: TokenEntry): boolean {
    const cap = this.of(entry).settings.watchStreams;
    const open = this.streams.get(entry.name) ?? 0;
    if (cap > 0 && open >= cap) return false;
    this.streams.set(entry.name, open + 1);
    return true;
  }

  closeStream(name: string): void {
    const open = (this.streams.get(name) ?? 1) - 1;
    if (open > 0) this.streams.set(name, open);
    else this.streams.delete(name);
  }
}
