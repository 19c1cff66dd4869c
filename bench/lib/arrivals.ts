import type { WatcherEvent } from "../workers/watchers.js";

type Last = Extract<WatcherEvent, { type: "last" }>;

/**
 * Matches the watcher fleet's "every stream has version V" reports with the writer's appends. A report
 * may arrive before the append's acknowledgement (the change can beat the reply), so early ones wait.
 */
export class FanoutArrivals {
  private readonly early = new Map<string, Last>();
  private readonly waiting = new Map<string, (e: Last) => void>();

  onEvent(e: WatcherEvent): void {
    if (e.type !== "last") return;
    const key = `${e.target}\n${e.version}`;
    const w = this.waiting.get(key);
    if (w) {
      this.waiting.delete(key);
      w(e);
    } else this.early.set(key, e);
  }

  /** Resolves with the report for (target, version), or undefined after `timeoutMs`. */
  wait(target: string, version: number, timeoutMs: number): Promise<Last | undefined> {
    const key = `${target}\n${version}`;
    const seen = this.early.get(key);
    if (seen) {
      this.early.delete(key);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(key, (e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }
}
