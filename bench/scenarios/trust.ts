/**
 * What TLS and token checks cost: append and GetHistory (a 100-message window) at concurrency 1 and 50
 * against two servers of the same build on the same Redis, one plaintext without tokens, the other
 * with TLS (certificates made by openssl for this run) and a tokens file of one token that every call
 * presents (`authorization: Bearer ...`, checked by the auth interceptor). Rounds alternate between
 * the two, so both see the same machine; every ratio comes from this run.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials, Metadata, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { makeCerts } from "../../test/tls/certs.js";
import { sha256Hex } from "../../src/auth/token-file.js";
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { alternate, closedLoop, cpuPerOp, throughput, withCpu, type LoadResult } from "../lib/load.js";
import { cpuMs, ServiceProcess } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { appendRequest, pb } from "../lib/rpc.js";
import { summarize } from "../lib/stats.js";

const S = "trust";
const ROOMS = 100;
const WINDOW = 100;
const room = (i: number) => `trust-${i % ROOMS}`;

/** A channel to `address` with its own connection, as the bench's other clients have. */
function client(address: string, creds: ChannelCredentials): pb.RoomHistoryServiceClient {
  return new pb.RoomHistoryServiceClient(address, creds, {
    "grpc.use_local_subchannel_pool": 1, "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });
}

const tlsTo = (ca: string) => credentials.createSsl(readFileSync(ca));

/** The token on every call, as call credentials (what a worker's client sends over TLS). */
function callToken(token: string) {
  return credentials.createFromMetadataGenerator((_params, callback) => {
    const md = new Metadata();
    md.set("authorization", `Bearer ${token}`);
    callback(null, md);
  });
}

/** Append and GetHistory as promises, with `token` as plain metadata when given. */
function calling(c: pb.RoomHistoryServiceClient, token?: string) {
  const md = () => {
    const m = new Metadata();
    if (token) m.set("authorization", `Bearer ${token}`);
    return m;
  };
  const settle = <T>(resolve: (v: T) => void, reject: (e: ServiceError) => void) =>
    (e: ServiceError | null, r: T) => (e ? reject(e) : resolve(r));
  return {
    append: (req: pb.AppendMessagesRequest) =>
      new Promise<pb.AppendMessagesResponse>((res, rej) => c.appendMessages(req, md(), settle(res, rej))),
    history: (req: pb.GetHistoryRequest) =>
      new Promise<pb.GetHistoryResponse>((res, rej) => c.getHistory(req, md(), settle(res, rej))),
  };
}

/** The four servers: the product's secured setup, its two halves apart, and the plaintext baseline. */
const SIDES = ["secured", "tls", "tokens", "plain"] as const;
type Side = (typeof SIDES)[number];

export const trustScenario: Scenario = {
  name: S,
  title: "append and GetHistory with TLS + token checks (and each alone) vs the same build in plaintext without tokens",
  async run(ctx: Context): Promise<Figure[]> {
    const certs = makeCerts();
    const token = randomBytes(24).toString("base64url");
    const tokensFile = join(certs.dir, "tokens.json");
    writeFileSync(tokensFile, JSON.stringify({
      tokens: [{ name: "bench", sha256: sha256Hex(token), rooms: ["trust-"], rights: ["read", "write"] }],
    }));
    const tls = { ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key };
    const tokens = { ROOMHISTORY_TOKENS_FILE: tokensFile };
    const servers = Object.fromEntries(await Promise.all(SIDES.map(async (side) => [side, await ServiceProcess.start(
      serviceEnv(ctx, S, { secured: { ...tls, ...tokens }, tls, tokens, plain: {} }[side]))] as const))) as Record<Side, ServiceProcess>;
    const bearer = callToken(token);
    const clients: Record<Side, pb.RoomHistoryServiceClient> = {
      secured: client(servers.secured.address, credentials.combineChannelCredentials(tlsTo(certs.ca), bearer)),
      tls: client(servers.tls.address, tlsTo(certs.ca)),
      // grpc-js sends call credentials only over a secure channel: the token goes as plain metadata here.
      tokens: client(servers.tokens.address, credentials.createInsecure()),
      plain: client(servers.plain.address, credentials.createInsecure()),
    };
    try {
      const calls = Object.fromEntries(SIDES.map((side) => [side, calling(clients[side], side === "tokens" ? token : undefined)])) as
        Record<Side, ReturnType<typeof calling>>;
      // The servers share the rooms (same Redis, same prefix): fill each to its window once.
      for (let i = 0; i < ROOMS * WINDOW; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => calls.secured.append(appendRequest(room(i + j), i + j))));
      }
      const historyReq = pb.GetHistoryRequest.fromPartial({ roomId: room(0) });
      if ((await calls.plain.history(historyReq)).messages.length !== WINDOW) throw new Error("window not full");
      let n = 0;
      const kinds = {
        append: (side: Side) => () => calls[side].append(appendRequest(room(n), n++)),
        GetHistory: (side: Side) => () => calls[side].history(historyReq),
      };
      const figures: Figure[] = [];
      for (const [rpcName, op] of Object.entries(kinds)) {
        for (const concurrency of [1, 50]) {
          // Many short rounds: on a shared machine the load of other work changes by the second.
          const bounds = { concurrency, durationMs: size(ctx, 750, 500), maxOps: 1_000_000 };
          for (const side of SIDES) await closedLoop(op(side), { ...bounds, durationMs: 500 });
          ctx.log(`${rpcName} c=${concurrency}: ${size(ctx, 8, 2)} alternating rounds of ${SIDES.join(", ")}`);
          const r = await alternate(Object.fromEntries(SIDES.map((side) =>
            [side, () => withCpu(servers[side].pid, cpuMs, () => closedLoop(op(side), bounds))])) as Record<Side, () => Promise<LoadResult>>,
          size(ctx, 8, 2));
          figures.push(...trustFigures(`${rpcName} c=${concurrency}`, concurrency, r));
          ctx.details[`trust_${rpcName}_c${concurrency}`] = Object.fromEntries(Object.entries(r).map(([k, v]) =>
            [k, { opsPerSecond: throughput(v), serverCpuUsPerOp: cpuPerOp(v), ...summarize(v.latencies) }]));
        }
      }
      const problems = SIDES.flatMap((side) => servers[side].problems());
      if (problems.length) ctx.notes.push(`trust: the servers logged ${problems.length} warnings, e.g. ${problems[0]}`);
      return figures;
    } finally {
      for (const c of Object.values(clients)) c.close();
      await Promise.all(SIDES.map((side) => servers[side].stop()));
    }
  },
};

function trustFigures(label: string, c: number, r: Record<Side, LoadResult>): Figure[] {
  const base = { scenario: S, baselineName: "same build, plaintext, no tokens" };
  const [sec, pl] = [summarize(r.secured.latencies), summarize(r.plain.latencies)];
  const figures: Figure[] = [
    { ...base, name: `${label} throughput, TLS + token`, unit: "ops/s", service: throughput(r.secured), baseline: throughput(r.plain),
      ...(c === 50 && {
        goal: { op: ">=", ratio: 0.9 } as const,
        note: "TLS encrypts every frame in the server, client and bench on the same 2 cores; the token check hashes " +
          "the bearer token (SHA-256), looks it up and checks the request's room (src/auth/interceptor.ts)",
      }) },
    { ...base, name: `${label} latency p50, TLS + token`, unit: "ms", service: sec.p50, baseline: pl.p50 },
    { ...base, name: `${label} server CPU per call, TLS + token`, unit: "µs", service: cpuPerOp(r.secured), baseline: cpuPerOp(r.plain) },
  ];
  if (c === 50) {
    figures.push(
      { ...base, name: `${label} throughput, TLS alone`, unit: "ops/s", service: throughput(r.tls), baseline: throughput(r.plain) },
      { ...base, name: `${label} throughput, token checks alone`, unit: "ops/s", service: throughput(r.tokens), baseline: throughput(r.plain) },
      { ...base, name: `${label} server CPU per call, TLS alone`, unit: "µs", service: cpuPerOp(r.tls), baseline: cpuPerOp(r.plain) },
      { ...base, name: `${label} server CPU per call, token checks alone`, unit: "µs", service: cpuPerOp(r.tokens),
        baseline: cpuPerOp(r.plain) },
    );
  }
  return figures;
}
