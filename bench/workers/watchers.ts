/**
 * Helper process: a fleet of Watch streams (one per simulated worker) against one server, so that
 * the watchers' CPU is not the server's. Arrivals are stamped on the system-wide monotonic clock
 * (comparable with the bench process's) and reported to the bench:
 * - mode "last": one event per (room, version) once every stream of the room has it (fan-out time);
 * - mode "each": one event per stream and change (staleness per worker).
 * Streams use raw Buffers and read only the change's room and version, to keep the fleet cheap.
 */
import { Client, credentials, type ClientReadableStream } from "@grpc/grpc-js";
import { WatchRequest } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { emitToParent, serveParent } from "../lib/processes.js";
import { nowMs } from "../lib/stats.js";
import { ArrivalBatcher, type EachEvent } from "./batch.js";
import { readWatchEvent } from "./watch-response.js";

export interface OpenArgs {
  target: string;
  address: string;
  /** One entry per stream: the room it follows. */
  rooms: string[];
  connections: number;
  mode: "last" | "each";
}

export type WatcherEvent =
  | { type: "last"; target: string; roomId: string; version: number; first: number; last: number; count: number }
  | EachEvent;

interface Fleet {
  clients: Client[];
  streams: ClientReadableStream<Buffer>[];
  perRoom: Map<string, number>;
  pending: Map<string, { first: number; last: number; count: number }>;
  errors: number;
  batcher: ArrivalBatcher;
}

const fleets = new Map<string, Fleet>();

function arrived(fleet: Fleet, args: OpenArgs, roomId: string, version: number, at: number, worker: number): void {
  if (args.mode === "each") {
    fleet.batcher.add([roomId, version, at, worker]);
    return;
  }
  const key = `${roomId}\n${version}`;
  const p = fleet.pending.get(key) ?? { first: at, last: at, count: 0 };
  p.count++;
  p.last = at;
  fleet.pending.set(key, p);
  if (p.count < (fleet.perRoom.get(roomId) ?? 0)) return;
  fleet.pending.delete(key);
  emitToParent({ type: "last", target: args.target, roomId, version, ...p } satisfies WatcherEvent);
}

async function open(args: OpenArgs): Promise<{ opened: number }> {
  const clients = Array.from({ length: args.connections }, (_, i) =>
    new Client(args.address, credentials.createInsecure(), { "bench.connection": i, "bench.target": args.target }));
  const fleet: Fleet = {
    clients, streams: [], perRoom: new Map(), pending: new Map(), errors: 0, batcher: new ArrivalBatcher(args.target),
  };
  fleets.set(args.target, fleet);
  const created: Promise<void>[] = [];
  args.rooms.forEach((roomId, i) => {
    fleet.perRoom.set(roomId, (fleet.perRoom.get(roomId) ?? 0) + 1);
    const request = WatchRequest.fromPartial({ rooms: [{ roomId }], progressIntervalMs: 60_000 });
    const stream = clients[i % clients.length].makeServerStreamRequest(
      "/roomhistory.v1.RoomHistoryService/Watch",
      (r: WatchRequest) => Buffer.from(WatchRequest.encode(r).finish()),
      (b: Buffer) => b,
      request,
    );
    fleet.streams.push(stream);
    created.push(new Promise((resolve, reject) => {
      stream.on("data", (buf: Buffer) => {
        const at = nowMs();
        const e = readWatchEvent(buf);
        if (e?.kind === "created") resolve();
        else if (e?.kind === "change") arrived(fleet, args, e.roomId, e.version, at, i);
      });
      stream.on("error", (err: Error & { code?: number }) => {
        if (err.code !== 1) fleet.errors++; // 1 = CANCELLED, ours
        reject(err);
      });
    }));
  });
  await Promise.all(created);
  return { opened: fleet.streams.length };
}

function close({ target }: { target: string }): { errors: number } {
  const fleet = fleets.get(target);
  if (!fleet) return { errors: 0 };
  fleets.delete(target);
  fleet.batcher.flush();
  fleet.streams.forEach((s) => s.cancel());
  fleet.clients.forEach((c) => c.close());
  return { errors: fleet.errors };
}

serveParent({ open, close }, { pid: process.pid });
