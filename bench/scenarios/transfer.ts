/**
 * 13. ExportRooms and ImportRooms over the real RPC: rooms of 20 messages (benchMessage, ~500 bytes each)
 * exported from one server and imported through ImportRooms into an empty key prefix served by a second
 * server, at two room counts (1,000 and 10,000; ROOMHISTORY_BENCH_TRANSFER_ROOMS=a,b overrides, --quick
 * uses 200 and 1,000). Figures: rooms/s both ways at the larger count, and each server's peak RSS growth
 * during its phase at the larger count beside the same at the smaller one: both read or write one room
 * at a time under flow control, so the growth must not follow the room count.
 *
 * The bench process keeps the exported records as encoded bytes between the phases, so neither figure
 * includes JSON work of a file; the client's file helpers stream the same records.
 */
import { once } from "node:events";
import { Metadata, type ClientWritableStream } from "@grpc/grpc-js";
import { ExportRecord, ExportRoomsRequest, type ImportRoomsRequest, type ImportRoomsResponse } from "@roomhistory/client/gen/roomhistory/v1/export.js";
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { ServiceProcess, rssKiB } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { benchMessage, newClient, pb } from "../lib/rpc.js";
import { nowMs } from "../lib/stats.js";

const S = "transfer";
const MESSAGES = 20;
/**
 * Both servers run with V8's old space capped (node --max-old-space-size): a server that kept anything
 * per room would run out of heap at 10,000 rooms instead of merely growing, and the RSS figures show
 * the cap's headroom rather than how lazily V8 collects.
 */
const HEAP_CAP_MIB = Number(process.env.ROOMHISTORY_BENCH_TRANSFER_HEAP_MIB ?? 128);

interface Round {
  rooms: number;
  exportRoomsPerSecond: number;
  importRoomsPerSecond: number;
  /** Peak RSS over the phase minus RSS just before it, in MiB. */
  exportRssGrowthMiB: number;
  importRssGrowthMiB: number;
}

export const transferScenario: Scenario = {
  name: S,
  title: "ExportRooms / ImportRooms of 20-message rooms between two servers: rooms/s, server RSS growth at two room counts",
  async run(ctx: Context): Promise<Figure[]> {
    const counts = roomCounts(ctx);
    const rounds: Round[] = [];
    for (const rooms of counts) rounds.push(await round(ctx, rooms));
    ctx.details.transfer = rounds;
    const [small, large] = [rounds[0], rounds[rounds.length - 1]];
    const n = large.rooms.toLocaleString("en-US");
    const base = { scenario: S, baselineName: "" };
    const growth = { scenario: S, unit: "MiB", baselineName: `same at ${small.rooms.toLocaleString("en-US")} rooms`,
      goal: { op: "<=" as const, ratio: 2, slack: 32 } };
    return [
      { ...base, name: `ExportRooms all, ${n} rooms × ${MESSAGES} messages`, unit: "rooms/s", service: large.exportRoomsPerSecond, baseline: null },
      { ...base, name: `ImportRooms into an empty prefix, ${n} rooms`, unit: "rooms/s", service: large.importRoomsPerSecond, baseline: null },
      { ...growth, name: `ExportRooms ${n} rooms: exporting server's peak RSS growth`, service: large.exportRssGrowthMiB,
        baseline: small.exportRssGrowthMiB },
      { ...growth, name: `ImportRooms ${n} rooms: importing server's peak RSS growth`, service: large.importRssGrowthMiB,
        baseline: small.importRssGrowthMiB,
        note: "one room is read or written at a time under gRPC flow control: the growth stays flat with the room count" },
    ];
  },
};

function roomCounts(ctx: Context): number[] {
  const env = process.env.ROOMHISTORY_BENCH_TRANSFER_ROOMS;
  const parsed = env?.split(",").map(Number).filter((x) => Number.isInteger(x) && x > 0);
  return parsed?.length ? parsed : size(ctx, [1_000, 10_000], [200, 1_000]);
}

/** One round: seed `rooms` into the source, export them all, import them into an empty prefix. */
async function round(ctx: Context, rooms: number): Promise<Round> {
  const heap = [`--max-old-space-size=${HEAP_CAP_MIB}`];
  const source = await ServiceProcess.start(serviceEnv(ctx, `${S}-src-${rooms}`), heap);
  const target = await ServiceProcess.start(serviceEnv(ctx, `${S}-dst-${rooms}`), heap);
  const src = newClient(source.address);
  const dst = newClient(target.address);
  try {
    ctx.log(`${rooms} rooms: seeding the source through ImportRooms`);
    await importAll(src, seedRecords(rooms));
    ctx.log(`${rooms} rooms: export from the source`);
    const exported: Uint8Array[] = [];
    const ex = await measured(source.pid, () => exportAll(src, (r) => exported.push(ExportRecord.encode(r).finish())));
    const roomRecords = exported.length - 1;
    if (roomRecords !== rooms) throw new Error(`exported ${roomRecords} rooms, seeded ${rooms}`);
    ctx.log(`${rooms} rooms: import into an empty prefix`);
    const im = await measured(target.pid, () => importAll(dst, (function* () {
      for (const bytes of exported) yield ExportRecord.decode(bytes);
    })()));
    if (im.result.roomsCreated !== rooms) throw new Error(`imported ${im.result.roomsCreated} rooms of ${rooms}: ${im.result.failures[0]?.message}`);
    for (const p of [source, target]) {
      const problems = p.problems();
      if (problems.length) ctx.notes.push(`transfer: server logged ${problems.length} warnings, first: ${problems[0].slice(0, 200)}`);
    }
    return {
      rooms,
      exportRoomsPerSecond: rooms / (ex.ms / 1000),
      importRoomsPerSecond: rooms / (im.ms / 1000),
      exportRssGrowthMiB: ex.rssGrowthMiB,
      importRssGrowthMiB: im.rssGrowthMiB,
    };
  } finally {
    src.close();
    dst.close();
    await Promise.all([source.stop(), target.stop()]);
  }
}

function* seedRecords(rooms: number): Generator<ExportRecord> {
  for (let i = 0; i < rooms; i++) {
    const messages = Array.from({ length: MESSAGES }, (_, j) => ({ ...benchMessage(j), id: `m${j}`, seq: j + 1 }));
    yield ExportRecord.fromPartial({
      room: { roomId: `room-${String(i).padStart(6, "0")}`, version: MESSAGES, lastSeq: MESSAGES, messages },
    });
  }
}

/** Runs `work` while sampling the process's RSS; its duration and peak growth. */
async function measured<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; ms: number; rssGrowthMiB: number }> {
  const before = rssKiB(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 20);
  const t0 = nowMs();
  try {
    const result = await work();
    return { result, ms: nowMs() - t0, rssGrowthMiB: (Math.max(peak, rssKiB(pid)) - before) / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

/** ExportRooms all, each record handed to `take` as it arrives. */
function exportAll(client: pb.RoomHistoryServiceClient, take: (record: ExportRecord) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.exportRooms(ExportRoomsRequest.fromPartial({ all: true }));
    stream.on("data", (res: { record?: ExportRecord }) => take(res.record!));
    stream.on("error", reject);
    stream.on("end", resolve);
  });
}

/** ImportRooms of the records on one stream, waiting for 'drain' when the call's buffer is full. */
async function importAll(client: pb.RoomHistoryServiceClient, records: Iterable<ExportRecord>): Promise<ImportRoomsResponse> {
  let call!: ClientWritableStream<ImportRoomsRequest>;
  const done = new Promise<ImportRoomsResponse>((resolve, reject) => {
    call = client.importRooms(new Metadata(), (err, res) => (err ? reject(err) : resolve(res)));
  });
  for (const record of records) {
    if (!call.write({ record, expectedVersion: undefined, replaceExisting: false })) await once(call, "drain");
  }
  call.end();
  return done;
}
