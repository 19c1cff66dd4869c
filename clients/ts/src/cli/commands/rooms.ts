/** `rooms`, `info` and `show`: reading what the server holds. */
import { status } from "@grpc/grpc-js";
import type { Command } from "commander";
import { NotFoundError } from "../../errors.js";
import { ListRoomsOrder, RoomListing } from "../../gen/roomhistory/v1/metadata.js";
import { Message } from "../../gen/roomhistory/v1/message.js";
import { GetRoomInfoResponse } from "../../gen/roomhistory/v1/room_history_service.js";
import { readWindow } from "../../paging.js";
import { out, withClient } from "../context.js";
import { infoLines, listingLine, messageLine } from "../format.js";
import { choice, count } from "../parse.js";

const ORDERS = { id: ListRoomsOrder.LIST_ROOMS_ORDER_ID, activity: ListRoomsOrder.LIST_ROOMS_ORDER_LAST_ACTIVITY } as const;

interface RoomsOptions {
  namespace?: string;
  label?: string;
  prefix?: string;
  order: keyof typeof ORDERS;
  pageSize?: number;
  long?: boolean;
  json?: boolean;
}

export function roomsCommand(program: Command): void {
  program.command("rooms")
    .description("list rooms (ListRooms), every page: ids, or --long / --json listings")
    .option("--namespace <ns>", "only the rooms of this namespace")
    .option("--label <label>", "only the rooms carrying this label")
    .option("--prefix <prefix>", "only the rooms whose id starts with this")
    .option("--order <order>", "id or activity (last activity, newest first)", choice(["id", "activity"] as const), "id")
    .option("--page-size <n>", "rooms per ListRooms call (server default 100, at most 1000)", count)
    .option("-l, --long", "one line per room: id, last activity, namespace, labels, title (tab-separated)")
    .option("--json", "one RoomListing per line (proto3 JSON)")
    .action(async (opts: RoomsOptions, cmd: Command) => withClient(cmd, async (client) => {
      const filters = {
        namespace: opts.namespace ?? "", label: opts.label ?? "", prefix: opts.prefix ?? "",
        order: ORDERS[opts.order], pageSize: opts.pageSize ?? 0,
      };
      let pageToken = "";
      do {
        const page = await client.listRooms({ ...filters, pageToken });
        // Older servers list ids only: a listing per id keeps --long and --json whole.
        const listings = page.rooms.length === page.roomIds.length
          ? page.rooms : page.roomIds.map((roomId) => RoomListing.fromPartial({ roomId }));
        // A server older than ListRooms.prefix ignores the field: filtering here too keeps --prefix true.
        for (const r of listings.filter((l) => l.roomId.startsWith(filters.prefix))) {
          if (opts.json) out(JSON.stringify(RoomListing.toJSON(r)));
          else out(opts.long ? listingLine(r) : r.roomId);
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
    }));
}

export function infoCommand(program: Command): void {
  program.command("info")
    .description("a room's version, size, limits, retention and metadata (GetRoomInfo); exit 5 when it does not exist")
    .argument("<room>", "room id")
    .option("--json", "the GetRoomInfoResponse as proto3 JSON")
    .action(async (roomId: string, opts: { json?: boolean }, cmd: Command) => withClient(cmd, async (client) => {
      const info = await client.getRoomInfo({ roomId });
      // GetRoomInfo answers OK for any id; an operator asking about a room that is not there wants to hear it.
      if (!info.exists) throw new NotFoundError(status.NOT_FOUND, `room ${roomId} does not exist`, notFound(roomId));
      if (opts.json) out(JSON.stringify(GetRoomInfoResponse.toJSON(info), null, 2));
      else infoLines(roomId, info).forEach((line) => out(line));
    }));
}

interface ShowOptions {
  json?: boolean;
  limit?: number;
  afterSeq?: number;
}

export function showCommand(program: Command): void {
  program.command("show")
    .description("a room's history (GetHistory, read in pages): one line per message, or --json; exit 5 for a room never written")
    .argument("<room>", "room id")
    .option("--limit <n>", "only the newest n messages", count)
    .option("--after-seq <seq>", "only the messages after this seq", count)
    .option("--json", "{ roomId, version, messages } with every message in proto3 JSON")
    .action(async (roomId: string, opts: ShowOptions, cmd: Command) => withClient(cmd, async (client) => {
      const { version, messages } = opts.limit
        ? await client.getHistory({ roomId, limit: opts.limit, afterSeq: opts.afterSeq ?? 0 })
        : await readWindow(client, roomId, opts.afterSeq ?? 0);
      // Version 0: nothing was ever written there (a deleted or expired room keeps its version).
      if (version === 0) throw new NotFoundError(status.NOT_FOUND, `room ${roomId} does not exist`, notFound(roomId));
      if (opts.json) {
        out(JSON.stringify({ roomId, version, messages: messages.map((m) => Message.toJSON(m)) }, null, 2));
        return;
      }
      for (const m of messages) out(messageLine(m));
    }));
}

function notFound(roomId: string) {
  return { reason: "ROOM_NOT_FOUND", metadata: { room_id: roomId } };
}
