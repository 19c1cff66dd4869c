import { Role, type RoomChange, type RoomHistoryClient, type WatchStream } from "@roomhistory/client";

/** A writer that keeps appending round-robin to rooms (a bigger message now and then) until stopped. */
export interface Writer {
  /** Resolves once `n` more writes succeeded than when it was called. */
  more(n: number): Promise<void>;
  /** Stops the loop; resolves with the number of successful writes. */
  stop(): Promise<number>;
  /** Writes that failed (e.g. UNAVAILABLE while a server restarts): they changed nothing. */
  failures: number;
}

export function startWriter(client: RoomHistoryClient, rooms: string[], paceMs = 3): Writer {
  let done = 0;
  let running = true;
  const waiters: { at: number; resolve: () => void }[] = [];
  const w: Writer = {
    failures: 0,
    more: (n) => new Promise((resolve) => waiters.push({ at: done + n, resolve })),
    stop: async () => {
      running = false;
      await loop;
      return done;
    },
  };
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const content = i % 7 === 0 ? `big ${i} ${"x".repeat(3000)}` : `message ${i}`;
      try {
        await client.appendMessages({ roomId: rooms[i % rooms.length], messages: [{ role: Role.ROLE_USER, content }] });
        done++;
      } catch {
        w.failures++;
      }
      for (const x of waiters.filter((x) => done >= x.at)) x.resolve();
      // A steady rate rather than a busy loop: the point is writes landing during the restart.
      await new Promise((r) => setTimeout(r, paceMs));
    }
  })();
  return w;
}

/** What recordWatch() saw. */
export interface WatchRecord {
  versions: Map<string, number[]>;
  disorder: string[];
  resyncs: number;
}

/**
 * Consumes a watch in the background, recording per room the versions seen, any that did not increase,
 * and how many changes spanned more than one version (RESYNCs and merged appends).
 */
export function recordWatch(stream: WatchStream): WatchRecord & { done: Promise<void> } {
  const rec = { versions: new Map<string, number[]>(), disorder: [] as string[], resyncs: 0, done: Promise.resolve() };
  rec.done = (async () => {
    for await (const change of stream) note(rec, change);
  })();
  return rec;
}

function note(rec: WatchRecord, c: RoomChange): void {
  const seen = rec.versions.get(c.roomId) ?? [];
  const last = seen.at(-1) ?? 0;
  if (c.version <= last) rec.disorder.push(`${c.roomId}: ${c.version} after ${last}`);
  if (c.version !== c.previousVersion + 1) rec.resyncs++; // a RESYNC or merged changes: a catch-up
  seen.push(c.version);
  rec.versions.set(c.roomId, seen);
}
