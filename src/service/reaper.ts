import type { Logger } from "pino";
import type { HistoryStore } from "../store/store.js";
import { hooks } from "../observability/hooks.js";

/**
 * The server's own schedule of ReapIdleRooms: every interval, the rooms past their retention are
 * expired through the same store path as the RPC. Every replica runs one; the store's per-room
 * script makes concurrent reaping safe, so no leader is needed.
 */
export class Reaper {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly store: HistoryStore, private readonly logger: Logger, intervalMs: number) {
    if (intervalMs > 0) {
      this.timer = setInterval(() => void this.tick(), intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const r = await this.store.reapIdle({ maxIdleSeconds: 0, dryRun: false, limit: 1000 });
      hooks.roomsReaped(r.roomIds.length);
      if (r.roomIds.length) this.logger.info({ rooms: r.roomIds.length, more: r.more }, "expired idle rooms");
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "reaping idle rooms failed; trying again next interval");
    } finally {
      this.running = false;
    }
  }
}
