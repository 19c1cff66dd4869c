/**
 * Prometheus metrics (prom-client) on ROOMHISTORY_METRICS_LISTEN: GET /metrics in the text format.
 * Off unless that address is set. The registry is this server's own (not prom-client's global one), so
 * several servers in one process (the tests) keep apart; the counting hooks (hooks.ts) are one per
 * process, the last metrics started.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RunningServer } from "../server/server.js";
import type { WatchChange } from "../wire/change.js";
import { installHooks } from "./hooks.js";
import type { ObservabilityPart } from "./index.js";
import { rpcInterceptor } from "./metrics-rpc.js";
import { observeScripts } from "./script-observers.js";

export interface MetricsPart extends ObservabilityPart {
  /** Where /metrics is served ("host:port", the port bound when 0 was asked for). */
  address: string;
}

/** Seconds; Redis scripts on loopback take ~0.1–1 ms, a failover stalls them for seconds. */
const SCRIPT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5];
const LAG_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export async function startMetrics(listen: string, logger: Logger): Promise<MetricsPart> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let app: RunningServer | undefined;
  watchGauges(registry, () => app);
  const stopScripts = scriptMetrics(registry);
  const stopHooks = installHooks(hookMetrics(registry));
  const http = await serve(registry, listen, logger);
  const address = addressOf(http, listen);
  logger.info({ address }, "metrics served at /metrics");
  return {
    address,
    interceptor: rpcInterceptor(registry),
    attach: (running) => { app = running; },
    close: async () => {
      stopScripts();
      stopHooks();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function watchGauges(registry: Registry, app: () => RunningServer | undefined): void {
  const read = (gauge: Gauge, value: (a: RunningServer) => number) => {
    const a = app();
    gauge.set(a ? value(a) : 0);
  };
  new Gauge({
    name: "roomhistory_watch_streams", help: "Open Watch and WatchRooms streams.", registers: [registry],
    collect() { read(this, (a) => a.watch.openStreams); },
  });
  new Gauge({
    name: "roomhistory_watched_rooms", help: "Distinct rooms this process's watch streams follow.", registers: [registry],
    collect() { read(this, (a) => a.watch.hub.watchedRooms); },
  });
  new Gauge({
    name: "roomhistory_redis_subscriptions",
    help: "Rooms whose change channel this process is subscribed to (SSUBSCRIBE on Redis; in-process for the memory store).",
    registers: [registry],
    collect() { read(this, (a) => a.watch.hub.feedSubscriptions); },
  });
}

function scriptMetrics(registry: Registry): () => void {
  const seconds = new Histogram({
    name: "roomhistory_redis_script_duration_seconds",
    help: "Time from sending a Redis script (EVALSHA) to its reply, by script (the command names of src/store/redis/scripts.ts).",
    labelNames: ["script"] as const, buckets: SCRIPT_BUCKETS, registers: [registry],
  });
  const errors = new Counter({
    name: "roomhistory_redis_script_errors_total",
    help: "Redis script calls that failed (connection lost, timeout, a Redis error), by script.",
    labelNames: ["script"] as const, registers: [registry],
  });
  return observeScripts((script) => {
    const end = seconds.startTimer({ script });
    return (error) => {
      end();
      if (error !== undefined) errors.inc({ script });
    };
  });
}

function hookMetrics(registry: Registry) {
  const sent = new Counter({
    name: "roomhistory_watch_changes_sent_total",
    help: "Changes written to watch streams, by kind (resync: the client refetches the room).",
    labelNames: ["kind"] as const, registers: [registry],
  });
  const merged = new Counter({
    name: "roomhistory_watch_changes_merged_total",
    help: "Changes a slow stream merged into the change of the same room still waiting to be sent.",
    registers: [registry],
  });
  const lag = new Histogram({
    name: "roomhistory_watch_fanout_lag_seconds",
    help: "For appended messages: from the message's created_at (set by the replica that committed it, its clock) to its write to a watch stream of this process, per stream.",
    buckets: LAG_BUCKETS, registers: [registry],
  });
  const aborted = new Counter({
    name: "roomhistory_conflicts_total",
    help: "Mutations refused with ABORTED, by reason (VERSION_CONFLICT: a compare-and-set lost to another writer).",
    labelNames: ["reason"] as const, registers: [registry],
  });
  const corrupted = new Counter({
    name: "roomhistory_corrupted_entries_skipped_total",
    help: "Stored history entries that did not decode and were left out of a read (Redis store).", registers: [registry],
  });
  const cache = new Counter({
    name: "roomhistory_read_cache_requests_total",
    help: "Room reads by the Redis store: hit when Redis confirmed the cached snapshot current (the window was not sent again), miss when read in full.",
    labelNames: ["result"] as const, registers: [registry],
  });
  const reaped = new Counter({
    name: "roomhistory_rooms_reaped_total",
    help: "Idle rooms expired by ReapIdleRooms or the reap schedule (not dry runs).", registers: [registry],
  });
  return {
    changeSent: (c: WatchChange) => {
      sent.inc({ kind: c.kind });
      const at = c.kind === "append" ? c.entries.at(-1)?.created_at : undefined;
      if (at) lag.observe(Math.max(0, Date.now() - Date.parse(at)) / 1000);
    },
    changesMerged: () => merged.inc(),
    aborted: (reason: string) => aborted.inc({ reason }),
    corruptedSkipped: (n: number) => corrupted.inc(n),
    readCache: (hit: boolean) => cache.inc({ result: hit ? "hit" : "miss" }),
    roomsReaped: (n: number) => { if (n > 0) reaped.inc(n); },
  };
}

function serve(registry: Registry, listen: string, logger: Logger): Promise<Server> {
  const http = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (err: Error) => {
        logger.error({ err }, "metrics: collecting failed");
        res.writeHead(500, { "content-type": "text/plain" }).end("collecting metrics failed\n");
      },
    );
  });
  const at = listen.lastIndexOf(":");
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  return new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(Number(listen.slice(at + 1)), host, () => {
      http.off("error", reject);
      resolve(http);
    });
  });
}

function addressOf(http: Server, listen: string): string {
  const { port } = http.address() as AddressInfo;
  return `${listen.slice(0, listen.lastIndexOf(":"))}:${port}`;
}
