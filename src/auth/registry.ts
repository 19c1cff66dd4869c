import { readFileSync, statSync, watch, type BigIntStats, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "pino";
import { parseTokenFile, type TokenSet } from "./token-file.js";

/** How often the file's size and mtime are compared, for changes fs.watch misses (NFS, some editors). */
export const TOKENS_POLL_MS = 500;

/**
 * The tokens file as currently in force. A valid change takes effect at once (fs.watch on the file's
 * directory, so a rename-over is seen; a stat poll as the fallback; `reload()` for SIGHUP); a change
 * that does not parse is logged and ignored, the previous set staying in force.
 */
export class TokenRegistry {
  private current: TokenSet;
  private lastStat: string;
  private watcher?: FSWatcher;
  private poll?: NodeJS.Timeout;
  private readonly listeners: ((set: TokenSet) => void)[] = [];

  /** Throws when the file cannot be read or parsed: the server must not start on it. */
  constructor(readonly path: string, private readonly logger: Logger) {
    try {
      this.lastStat = statKey(statSync(path, { bigint: true }));
      this.current = parseTokenFile(readFileSync(path, "utf8"));
    } catch (err) {
      throw new Error(`ROOMHISTORY_TOKENS_FILE ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  get tokens(): TokenSet {
    return this.current;
  }

  /** Called with the new set after every reload that took effect. */
  onChange(listener: (set: TokenSet) => void): void {
    this.listeners.push(listener);
  }

  /** Starts noticing changes to the file. */
  watch(): void {
    try {
      this.watcher = watch(dirname(this.path), (_event, file) => {
        if (file === null || file === basename(this.path)) this.checkChanged();
      });
      this.watcher.unref();
      this.watcher.on("error", (err) => this.logger.warn({ err: err.message }, "tokens file: fs.watch failed; polling only"));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "tokens file: fs.watch unavailable; polling only");
    }
    this.poll = setInterval(() => this.checkChanged(), TOKENS_POLL_MS);
    this.poll.unref();
  }

  /** Reads the file again now (SIGHUP); true when the new set took effect. */
  reload(): boolean {
    let text: string;
    try {
      this.lastStat = statKey(statSync(this.path, { bigint: true }));
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      this.logger.error({ path: this.path, err: (err as Error).message }, "tokens file unreadable: keeping the previous tokens");
      return false;
    }
    let next: TokenSet;
    try {
      next = parseTokenFile(text);
    } catch (err) {
      this.logger.error({ path: this.path, err: (err as Error).message }, "tokens file invalid: keeping the previous tokens");
      return false;
    }
    this.current = next;
    this.logger.info({ path: this.path, tokens: next.entries.length }, "tokens file reloaded");
    for (const listener of this.listeners) listener(next);
    return true;
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poll);
  }

  private checkChanged(): void {
    let key: string;
    try {
      key = statKey(statSync(this.path, { bigint: true }));
    } catch {
      return; // mid-rename, or removed: the old set stays until a readable file appears
    }
    if (key !== this.lastStat) this.reload();
  }
}

/** Inode, size and nanosecond mtime: a rename-over or a rewrite changes at least one. */
function statKey(s: BigIntStats): string {
  return `${s.ino}:${s.size}:${s.mtimeNs}`;
}
