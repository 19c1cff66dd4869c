/**
 * `tail`: a live watch of rooms, one line per change coloured by its kind (format.ts), or --json. It
 * runs on the client's resuming watch (WatchStream), so a server restart or a lost connection is a
 * pause, not an end: the watch reconnects with its cursors and the server reports what was missed as a
 * RESYNC. It starts from each room's current version. Ctrl-C (SIGINT) or SIGTERM ends it with exit code 0; --count ends it after that many changes.
 */
import type { Command } from "commander";
import { RoomChange } from "../../gen/roomhistory/v1/change.js";
import { note, out, withClient } from "../context.js";
import { UsageError } from "../exit.js";
import { changeLines } from "../format.js";
import { count } from "../parse.js";

interface TailOptions {
  json?: boolean;
  count?: number;
}

export function tailCommand(program: Command): void {
  program.command("tail")
    .description("watch rooms live: one line per change, coloured by kind (append green, edits yellow, deletions red, resync magenta)")
    .argument("<rooms...>", "room ids")
    .option("--json", "one RoomChange per line (proto3 JSON)")
    .option("--count <n>", "end after n changes", count)
    .action(async (rooms: string[], opts: TailOptions, cmd: Command) => {
      if (opts.count === 0) throw new UsageError("tail: --count must be at least 1");
      await withClient(cmd, async (client) => {
        const stop = new AbortController();
        const end = () => stop.abort();
        process.once("SIGINT", end);
        process.once("SIGTERM", end);
        let seen = 0;
        try {
          // From now on: each room's current version is the cursor, so the watch opens without a RESYNC
          // for what the rooms already hold.
          const cursors = await Promise.all(rooms.map(async (roomId) => ({
            roomId, knownVersion: (await client.getRoomInfo({ roomId })).version,
          })));
          const stream = client.watch(cursors, {
            signal: stop.signal,
            onCreated: (versions, resumed) => note(`${resumed ? "resumed" : "watching"} ${versions.length} room${versions.length === 1 ? "" : "s"}`),
            onReconnect: (err, delayMs) => note(`watch interrupted (${err.message}); reconnecting in ${delayMs} ms`),
          });
          for await (const change of stream) {
            if (opts.json) out(JSON.stringify(RoomChange.toJSON(change)));
            else changeLines(change).forEach((line) => out(line));
            if (++seen === opts.count) break;
          }
        } finally {
          process.off("SIGINT", end);
          process.off("SIGTERM", end);
        }
      });
    });
}
