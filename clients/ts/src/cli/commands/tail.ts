/**
 * `tail`: a live watch of rooms, one line per change coloured by its kind (format.ts), or --json. It
 * runs on the client's resuming watch (WatchStream), so a server restart or a lost connection is a
 * pause, not an end: the watch reconnects with its cursors and the server reports what was missed as a
 * RESYNC. It starts from each room's current version. --prefix and --namespace follow every room with
 * the prefix or of the namespace on the WatchRooms stream, rooms created (or moved in) later included:
 * those listed at start from their current version, later ones from 0 (their first line is a RESYNC or
 * their first change). Ctrl-C (SIGINT) or SIGTERM ends it with exit code 0; --count ends it after that
 * many changes.
 */
import type { Command } from "commander";
import type { RoomHistoryClient } from "../../client.js";
import type { WatchSelector } from "../../watch.js";
import { RoomChange } from "../../gen/roomhistory/v1/change.js";
import { note, out, withClient } from "../context.js";
import { UsageError } from "../exit.js";
import { changeLines } from "../format.js";
import { count } from "../parse.js";

interface TailOptions {
  prefix?: string;
  namespace?: string;
  json?: boolean;
  count?: number;
  versionsOnly?: boolean;
}

export function tailCommand(program: Command): void {
  program.command("tail")
    .description("watch rooms live: one line per change, coloured by kind (append green, edits yellow, deletions red, resync magenta)")
    .argument("[rooms...]", "room ids")
    .option("--prefix <prefix>", "also every room whose id starts with this, rooms created later included")
    .option("--namespace <ns>", "also every room of this namespace, rooms moved in later included")
    .option("--json", "one RoomChange per line (proto3 JSON)")
    .option("--versions-only", "changes without their messages")
    .option("--count <n>", "end after n changes", count)
    .action(async (ids: string[], opts: TailOptions, cmd: Command) => {
      if (opts.count === 0) throw new UsageError("tail: --count must be at least 1");
      if (!ids.length && opts.prefix === undefined && opts.namespace === undefined) {
        throw new UsageError("tail: give room ids, --prefix or --namespace");
      }
      await withClient(cmd, async (client) => {
        await follow(client, await roomsToWatch(client, ids, opts), opts);
      });
    });
}

/** Prints the rooms' changes until SIGINT/SIGTERM, --count, or a failure the watch cannot resume from. */
async function follow(client: RoomHistoryClient, rooms: string[], opts: TailOptions): Promise<void> {
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once("SIGINT", end);
  process.once("SIGTERM", end);
  let seen = 0;
  try {
    // From now on: each room's current version is the cursor, so the watch opens without a RESYNC for
    // what the rooms already hold.
    const cursors = await Promise.all(rooms.map(async (roomId) => ({
      roomId, knownVersion: (await client.getRoomInfo({ roomId })).version,
    })));
    const selectors: WatchSelector[] = [];
    if (opts.prefix !== undefined) selectors.push({ prefix: opts.prefix });
    if (opts.namespace !== undefined) selectors.push({ namespace: opts.namespace });
    let announced = false;
    const stream = client.watch(cursors, {
      signal: stop.signal,
      selectors,
      versionsOnly: opts.versionsOnly,
      onCreated: (versions, resumed) => {
        // The first answer names the rooms listed at start; later ones, rooms a selector found.
        if (!announced || resumed) note(`${resumed ? "resumed" : "watching"} ${versions.length} room${versions.length === 1 ? "" : "s"}`);
        else versions.forEach((v) => note(`now watching ${v.roomId}`));
        announced = true;
      },
      onCancelled: (c) => note(`not watching ${c.roomId || c.prefix || c.namespace}: ${c.message}`),
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
}

/** The ids given, then the rooms listed under --prefix and in --namespace, each once. */
async function roomsToWatch(client: RoomHistoryClient, ids: string[], opts: TailOptions): Promise<string[]> {
  const rooms = new Set(ids);
  const listings = [
    opts.prefix !== undefined ? { prefix: opts.prefix } : undefined,
    opts.namespace !== undefined ? { namespace: opts.namespace } : undefined,
  ];
  for (const filter of listings) {
    if (!filter) continue;
    // A server older than ListRooms.prefix ignores the field: the id test keeps --prefix true.
    for await (const id of client.iterRooms({ pageSize: 1000, ...filter })) {
      if (filter.prefix === undefined || id.startsWith(filter.prefix)) rooms.add(id);
    }
  }
  return [...rooms];
}
