import { createRequire } from "node:module";
import { expect } from "vitest";
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { RoomHistoryClient, RoomMirror, Role, RoomHistoryError } from "@roomhistory/client";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import type { TestRedisCluster } from "../helpers/redis.js";
import type { TestServer } from "../helpers/server.js";
import { WatchRecorder } from "../helpers/watch.js";
import { waitFor } from "../helpers/ports.js";

const require = createRequire(import.meta.url);

export type FailoverKind = "graceful" | "kill" | "stop";

/** Polls a server's health every 50 ms and keeps every change of status with its time. */
export class HealthLog {
  readonly flips: { at: number; status: string }[] = [];
  private readonly client: { Check: Function; close(): void };
  private readonly timer: NodeJS.Timeout;

  constructor(address: string) {
    const def = loadPackageDefinition(loadSync(require("grpc-health-check").protoPath, { keepCase: true }));
    const Health = ((def.grpc as GrpcObject).health as GrpcObject).v1 as GrpcObject;
    this.client = new (Health.Health as ServiceClientConstructor)(address, credentials.createInsecure()) as never;
    this.timer = setInterval(() => this.poll(), 50);
  }

  get current(): string | undefined {
    return this.flips.at(-1)?.status;
  }

  firstAfter(t: number, status: string): number | undefined {
    return this.flips.find((f) => f.at >= t && f.status === status)?.at;
  }

  close(): void {
    clearInterval(this.timer);
    this.client.close();
  }

  private poll(): void {
    this.client.Check({ service: "" }, { deadline: Date.now() + 1000 }, (err: Error | null, res?: { status: string | number }) => {
      const status = err ? "NO_ANSWER" : String(res!.status) === "1" || res!.status === "SERVING" ? "SERVING" : "NOT_SERVING";
      if (this.current !== status) this.flips.push({ at: Date.now(), status });
    });
  }
}

/** Every page of a room's window. */
async function history(client: RoomHistoryClient, roomId: string) {
  const messages = [];
  let pageToken = "";
  let version = 0;
  do {
    const page = await client.getHistory({ roomId, pageToken });
    messages.push(...page.messages);
    version = page.version;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return { version, messages };
}

export interface ScenarioResult {
  kind: FailoverKind;
  acked: number;
  failed: number;
  notServingAfterMs?: number;
  servingAgainAfterMs?: number;
  /** When every stream had a change of the failed shard's room made after the fault. */
  watchResumedAfterMs: number;
}

/**
 * Writers append to rooms through both servers (durable: WAIT 1, retried by the client with the same
 * idempotency key), two RoomMirrors and two raw watch streams follow every room, health is polled; one
 * master (the first room's) fails over `kind`'s way. Afterwards: every acknowledged append is in
 * GetHistory, every mirror equals GetHistory, every raw stream chains previous_version to the final
 * version, no client saw MOVED or anything but UNAVAILABLE, and health (for the hard kinds) went
 * NOT_SERVING and came back.
 */
export async function runFailover(kind: FailoverKind, cluster: TestRedisCluster, servers: TestServer[],
  prefix: string, rooms: string[], nodeTimeoutMs: number): Promise<ScenarioResult> {
  await cluster.waitHealthy();
  const clients = servers.map((s) => new RoomHistoryClient(s.address, {
    timeoutMs: 5000, backoff: { initialMs: 50, maxMs: 400, maxAttempts: 30 },
  }));
  const mirrors = clients.map((c) => new RoomMirror(c, rooms, { progressIntervalMs: 500 }));
  await Promise.all(mirrors.map((m) => m.ready()));
  const trace: string[] = [];
  mirrors.forEach((m, i) => m.on("changed", (e) => trace.push(`${Date.now() % 100000} m${i} ${e.roomId} v${e.version} ` +
    `${ChangeKind[e.change.kind]} ${e.change.previousVersion}->${e.change.version} ${e.refetched ? "refetched" : ""}`)));
  mirrors.forEach((m, i) => m.on("warning", (err, what) => trace.push(`${Date.now() % 100000} m${i} warning ${err.message} ${what}`)));
  const watches = servers.map((s) => new WatchRecorder(s.client, { rooms: rooms.map((roomId) => ({ roomId })), progressIntervalMs: 500 }));
  await Promise.all(watches.map((w) => w.until((x) => x.responses.length >= 1)));
  const arrivals = watches.map(() => [] as number[]);
  watches.forEach((w, i) => w.stream.on("data", (r: { change?: { roomId: string } }) => {
    if (r.change?.roomId === rooms[0]) arrivals[i].push(Date.now());
  }));
  const health = servers.map((s) => new HealthLog(s.address));

  const acked: { roomId: string; id: string }[] = [];
  const errors: Error[] = [];
  let writing = true;
  const writers = Array.from({ length: 6 }, async (_, w) => {
    for (let n = 0; writing; n++) {
      const roomId = rooms[(w + n) % rooms.length];
      const id = `${kind}-${w}-${n}`;
      try {
        await clients[n % clients.length].appendMessages({ roomId, messages: [{ role: Role.ROLE_USER, content: id, id }] });
        acked.push({ roomId, id });
      } catch (err) {
        errors.push(err as Error);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(700);
  const key = `${prefix}:{${rooms[0]}}`;
  const { master, replicas } = await cluster.shardOf(key);
  const faultAt = Date.now();
  if (process.env.ROOMHISTORY_TEST_LOG) console.log(JSON.stringify({ fault: kind, at: faultAt % 100000, master: master.address }));
  if (kind === "graceful") {
    const c = replicas[0].client();
    await c.call("CLUSTER", "FAILOVER");
    c.disconnect();
  } else if (kind === "kill") {
    await master.kill();
  } else {
    master.freeze();
  }
  // The replica takes over after the node timeout; the failed master comes back as its replica.
  await waitFor(() => cluster.shardOf(key).then((s) => s.master !== master, () => false), 10 * nodeTimeoutMs,
    "the replica's takeover");
  if (kind === "stop") await sleep(nodeTimeoutMs); // frozen well past the takeover, then thawed
  if (kind === "kill") await master.launch();
  if (kind === "stop") master.thaw();
  await cluster.waitHealthy();
  await sleep(1000);
  writing = false;
  await Promise.all(writers);

  try {
    for (const roomId of rooms) {
      const truth = await history(clients[0], roomId);
      const ids = new Set(truth.messages.map((m) => m.id));
      const missing = acked.filter((a) => a.roomId === roomId && !ids.has(a.id)).map((a) => a.id);
      expect(missing, `acknowledged durable appends missing from ${roomId}`).toEqual([]);
      await waitFor(() => mirrors.every((m) => m.version(roomId) === truth.version), 20_000, `mirrors of ${roomId} at ${truth.version}`);
      for (const m of mirrors) {
        const mine = (await m.getMessages(roomId)).map((x) => `${x.seq}:${x.id}`).join(" ");
        const want = truth.messages.map((x) => `${x.seq}:${x.id}`).join(" ");
        if (mine === want) continue;
        if (process.env.ROOMHISTORY_TEST_LOG) {
          const [a, b] = [mine.split(" "), want.split(" ")];
          console.log(`${roomId} differs:`, a.map((x, i) => (x === b[i] ? "" : `${x}/${b[i]}`)).filter(Boolean).join(" "));
          console.log(trace.filter((t) => t.includes(` ${roomId} `)).join("\n"));
          const c = (await cluster.shardOf(`${prefix}:{${roomId}}`)).master.client();
          const raw = (await c.lrange(`${prefix}:{${roomId}}`, 0, -1)).map((e) => JSON.parse(e) as { seq: number; id: string });
          console.log(`${roomId} in Redis:`, raw.map((e) => `${e.seq}:${e.id}`).join(" ").slice(0, 300));
          c.disconnect();
        }
        expect(mine, `mirror of ${roomId}`).toEqual(want);
      }
      for (const w of watches) {
        await w.until((x) => x.changes.filter((c) => c.roomId === roomId).at(-1)?.version === truth.version ||
          (truth.version === 0 && !x.changes.some((c) => c.roomId === roomId)), 20_000);
        let prev = 0; // the stream was opened with known_version 0: its first change of a room starts there
        for (const c of w.changes.filter((x) => x.roomId === roomId)) {
          expect(c.previousVersion, `${roomId}: previous_version chains (${ChangeKind[c.kind]})`).toBe(prev);
          prev = c.version;
        }
      }
    }
    const resumed = Math.max(...arrivals.map((a) => a.find((t) => t > faultAt) ?? Infinity));
    const codes = errors.map((e) => (e instanceof RoomHistoryError ? `${e.code} ${e.details}` : e.message));
    if (process.env.ROOMHISTORY_TEST_LOG) console.log(codes);
    expect(codes.filter((c) => /MOVED|ASK/.test(c)), "MOVED/ASK reaching a client").toEqual([]);
    // UNAVAILABLE, or DEADLINE_EXCEEDED when the client's retries of UNAVAILABLE outlasted its deadline.
    expect(codes.filter((c) => !/^(14|4) /.test(c)), "errors other than UNAVAILABLE").toEqual([]);
    if (kind === "graceful") expect(codes, "errors during a graceful failover").toEqual([]);
    for (const h of health) await waitFor(() => h.current === "SERVING", 15_000, "SERVING again");
    const down = health.map((h) => h.firstAfter(faultAt, "NOT_SERVING")).filter((t): t is number => t !== undefined);
    if (kind !== "graceful") expect(down.length, "NOT_SERVING seen on some server").toBeGreaterThan(0);
    const notServingAt = down.length ? Math.min(...down) : undefined;
    const up = notServingAt === undefined ? undefined
      : Math.max(...health.map((h) => h.firstAfter(notServingAt, "SERVING") ?? notServingAt));
    return {
      kind, acked: acked.length, failed: errors.length, watchResumedAfterMs: resumed - faultAt,
      notServingAfterMs: notServingAt && notServingAt - faultAt, servingAgainAfterMs: up && up - faultAt,
    };
  } finally {
    health.forEach((h) => h.close());
    watches.forEach((w) => w.cancel());
    mirrors.forEach((m) => m.close());
    clients.forEach((c) => c.close());
  }
}
