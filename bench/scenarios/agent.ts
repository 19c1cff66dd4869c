/**
 * 12. Agent histories (issue 11): a 1,000-message room with 300 tool results of 2–8 KB is pruned
 * (PruneToolResults), compacted (CompactHistory) or compacted keeping its structure
 * (CompactPreservingStructure), each on a freshly written room. Figures: the time Redis spent in the
 * one rewrite script per call (SLOWLOG with a 0 µs threshold, entries picked by the script's SHA1 and
 * the room's id), the end-to-end RPC time, and the append throughput of 8 writers on other rooms while
 * the call runs, against the same writers in the 300 ms before and after it (same run, every round).
 * Two more variants put 8 writers, then 1, on the rewritten room itself: the call re-plans (up to 3
 * times) when a write lands between its snapshot and its script, and "n/m landed" shows how often it
 * still lands rather than answering ABORTED.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { Redis } from "ioredis";
import { loadScript } from "../../src/store/redis/scripts.js";
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { ROOT, ServiceProcess } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { appendRequest, Message, newClient, pb, Role, rpc } from "../lib/rpc.js";
import { nowMs, sleep, summarize } from "../lib/stats.js";

const S = "agent";
const WRITERS = 8;
const AROUND_MS = 300;
const KINDS = ["PruneToolResults", "CompactHistory", "CompactPreservingStructure"] as const;
type Kind = (typeof KINDS)[number];

/** Script SHA1 → file name, for every script the server registers (ioredis runs EVALSHA of exactly this text). */
function scriptShas(): Map<string, string> {
  const files = readdirSync(`${ROOT}src/store/lua`).filter((f) => f.endsWith(".lua"));
  return new Map(files.map((f) => [createHash("sha1").update(loadScript(f)).digest("hex"), f]));
}

/** The room: 100 turns of user, 3 × (tool call, 2–8 KB tool result), assistant, user, assistant. */
export function agentRoom(): Message[] {
  const out: Message[] = [];
  for (let t = 0; t < 100; t++) {
    out.push(Message.fromPartial({ role: Role.ROLE_USER, content: `turn ${t}: find the figures for region ${t % 7}` }));
    for (let k = 0; k < 3; k++) {
      const id = `call-${t}-${k}`;
      const n = 2048 + ((t * 3 + k) * 2654435761 % 6144);
      out.push(Message.fromPartial({ role: Role.ROLE_ASSISTANT, content: "",
        toolCalls: [{ id, name: k === 2 ? "set_output" : "search_docs", arguments: JSON.stringify({ query: `region ${t} part ${k}` }) }] }));
      out.push(Message.fromPartial({ role: Role.ROLE_TOOL, toolCallId: id,
        content: `{"rows":"${"x".repeat(n)}"}`.slice(0, n) }));
    }
    out.push(Message.fromPartial({ role: Role.ROLE_ASSISTANT, content: `answer: region ${t % 7} grew ${t}%` }));
    out.push(Message.fromPartial({ role: Role.ROLE_USER, content: "thanks, next one" }));
    out.push(Message.fromPartial({ role: Role.ROLE_ASSISTANT, content: "on it" }));
  }
  return out;
}

function agentCalls(client: pb.RoomHistoryServiceClient) {
  const call = <Req>(method: string, make: { fromPartial(o: object): Req }) => (req: object) =>
    new Promise<unknown>((resolve, reject) => {
      const fn = (client as unknown as Record<string, (r: Req, m: Metadata, cb: (e: ServiceError | null, r: unknown) => void) => void>)[method];
      fn.call(client, make.fromPartial(req), new Metadata(), (e, r) => (e ? reject(e) : resolve(r)));
    });
  const prune = call("pruneToolResults", pb.PruneToolResultsRequest);
  const compact = call("compactHistory", pb.CompactHistoryRequest);
  const structure = call("compactPreservingStructure", pb.CompactPreservingStructureRequest);
  return (kind: Kind, roomId: string) => {
    if (kind === "PruneToolResults") return prune({ roomId });
    if (kind === "CompactHistory") return compact({ roomId, summary: "Regions 0-6 were searched; figures are in the answers.", keepRecent: 20 });
    return structure({ roomId, keepRecent: 20 });
  };
}

/** Where the writers append while the call runs: 8 on other rooms, 8 or 1 on the room being rewritten. */
const VARIANTS = [
  { name: "8 writers on other rooms", writers: 8, sameRoom: false },
  { name: "8 writers on the same room", writers: 8, sameRoom: true },
  { name: "1 writer on the same room", writers: 1, sameRoom: true },
] as const;
type Variant = (typeof VARIANTS)[number];

interface Sample { kind: Kind; where: Variant["name"]; moved: number; rpcMs: number; scriptUs: number[]; readUs: number[]; outcome: string;
  during: number; duringMs: number; around: number; aroundMs: number; maxAppendMs: number; }

export const agentScenario: Scenario = {
  name: S,
  title: "PruneToolResults / CompactHistory / CompactPreservingStructure on a 1,000-message room: Redis time per call, other writers' appends/s during it",
  async run(ctx: Context): Promise<Figure[]> {
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    const clients = Array.from({ length: WRITERS + 1 }, (_, i) => newClient(service.address, i));
    const admin = ctx.redis.client();
    const shas = scriptShas();
    const samples: Sample[] = [];
    try {
      await admin.config("SET", "slowlog-max-len", "1000000");
      const svc = rpc(clients[0]);
      const op = agentCalls(clients[0]);
      const room = agentRoom();
      // One call of each kind on a small room first: ioredis loads a script with EVAL on its first call
      // (NOSCRIPT), which SLOWLOG lists without the SHA1 the figures pick the measured calls by.
      for (const kind of KINDS) {
        await svc.append(pb.AppendMessagesRequest.fromPartial({ roomId: `agent-warmup-${kind}`, messages: room.slice(0, 100) }));
        await op(kind, `agent-warmup-${kind}`).catch(() => undefined);
      }
      const rounds = size(ctx, 3, 1);
      let n = 0;
      for (let round = 0; round < rounds; round++) {
        for (const variant of VARIANTS) {
          for (const kind of KINDS) {
            const roomId = `agent-${++n}`;
            await svc.setLimit(pb.SetRoomLimitRequest.fromPartial({ roomId, limit: 2000 }));
            for (let i = 0; i < room.length; i += 100) {
              await svc.append(pb.AppendMessagesRequest.fromPartial({ roomId, messages: room.slice(i, i + 100) }));
            }
            samples.push(await measure(ctx, admin, shas, clients.slice(0, variant.writers + 1), op, kind, roomId, variant));
          }
        }
        ctx.log(`round ${round + 1}/${rounds}: ${samples.slice(-9).map((s) => `${s.kind} (${s.where}) ` +
          `${s.outcome} (${s.moved} moved) ${s.rpcMs.toFixed(0)} ms, script ${(Math.max(0, ...s.scriptUs) / 1000).toFixed(1)} ms`).join("; ")}`);
      }
      const problems = service.problems();
      if (problems.length) ctx.notes.push(`agent: the server logged ${problems.length} warnings/errors, first: ${problems[0].slice(0, 200)}`);
      ctx.details.agent_samples = samples;
      return figures(samples);
    } finally {
      await admin.config("SET", "slowlog-log-slower-than", "10000").catch(() => undefined);
      await admin.config("SET", "slowlog-max-len", "128").catch(() => undefined);
      admin.disconnect();
      clients.forEach((c) => c.close());
      await service.stop();
    }
  },
};

async function measure(ctx: Context, admin: Redis, shas: Map<string, string>, clients: pb.RoomHistoryServiceClient[],
  op: ReturnType<typeof agentCalls>, kind: Kind, roomId: string, variant: Variant): Promise<Sample> {
  const sameRoom = variant.sameRoom;
  const done: { at: number; ms: number }[] = [];
  let stop = false;
  let moved = 0;
  const writers = clients.slice(1).map(async (c, w) => {
    const api = rpc(c);
    for (let i = 0; !stop; i++) {
      const t0 = nowMs();
      await api.append(appendRequest(sameRoom ? roomId : `agent-writer-${w}`, i));
      done.push({ at: nowMs(), ms: nowMs() - t0 });
    }
  });
  await sleep(AROUND_MS);
  await admin.config("SET", "slowlog-log-slower-than", "0");
  await admin.slowlog("RESET");
  const t0 = nowMs();
  const outcome = await op(kind, roomId).then(
    (r) => {
      const res = r as { pruned?: number; compacted?: number; archived?: number };
      moved = res.pruned ?? res.compacted ?? res.archived ?? 0;
      return "ok";
    },
    (e: ServiceError) => `code ${e.code}`);
  const t1 = nowMs();
  await admin.config("SET", "slowlog-log-slower-than", "10000");
  await sleep(AROUND_MS);
  stop = true;
  await Promise.all(writers);
  const log = (await admin.slowlog("GET", "-1")) as [number, number, number, string[]][];
  const scriptUs: number[] = [];
  const readUs: number[] = [];
  for (const [, , us, args] of log) {
    if (String(args[0]).toLowerCase() !== "evalsha" || !args.some((a) => String(a).includes(`{${roomId}}`) || String(a).endsWith(`:${roomId}`))) continue;
    const file = shas.get(String(args[1]));
    if (file?.startsWith("rewrite-head-")) scriptUs.push(us);
    else if (file?.startsWith("read-room-")) readUs.push(us);
  }
  if (outcome !== "ok") ctx.log(`${kind} (${variant.name}): ${outcome}`);
  const inside = done.filter((d) => d.at >= t0 && d.at <= t1);
  const around = done.filter((d) => (d.at >= t0 - AROUND_MS && d.at < t0) || (d.at > t1 && d.at <= t1 + AROUND_MS));
  return { kind, where: variant.name, rpcMs: t1 - t0, scriptUs, readUs, outcome, moved, during: inside.length, duringMs: t1 - t0,
    around: around.length, aroundMs: 2 * AROUND_MS, maxAppendMs: Math.max(0, ...inside.map((d) => d.ms)) };
}

function figures(samples: Sample[]): Figure[] {
  const out: Figure[] = [];
  for (const kind of KINDS) {
    for (const { name: where, sameRoom } of VARIANTS) {
      const ss = samples.filter((s) => s.kind === kind && s.where === where);
      const ok = ss.filter((s) => s.outcome === "ok");
      if (ok.length === 0) {
        out.push({ scenario: S, name: `${kind} (${where})`, unit: "", service: null, baseline: null, baselineName: "",
          skipped: `no call succeeded: ${[...new Set(ss.map((s) => s.outcome))].join(", ")}` });
        continue;
      }
      const script = summarize(ok.flatMap((s) => s.scriptUs).map((us) => us / 1000));
      const read = summarize(ok.flatMap((s) => s.readUs).map((us) => us / 1000));
      const rpcMs = summarize(ok.map((s) => s.rpcMs));
      const label = `${kind}, 1,000 messages (${where}, ${ok.length}/${ss.length} landed)`;
      out.push(
        { scenario: S, name: `${label}: rewrite script time in Redis per call (max)`, unit: "ms", service: script.max,
          baseline: read.max, baselineName: "read-room script on the same room (the snapshot read)" },
        { scenario: S, name: `${label}: RPC time (p50)`, unit: "ms", service: rpcMs.p50, baseline: null, baselineName: "" },
      );
      if (!sameRoom) {
        const during = ok.reduce((a, s) => a + s.during, 0) / (ok.reduce((a, s) => a + s.duringMs, 0) / 1000);
        const around = ok.reduce((a, s) => a + s.around, 0) / (ok.reduce((a, s) => a + s.aroundMs, 0) / 1000);
        out.push(
          { scenario: S, name: `${label}: other writers' appends/s during the call`, unit: "appends/s", service: during,
            baseline: around, baselineName: "the same writers in the 300 ms before and after it" },
          { scenario: S, name: `${label}: slowest append completed during the call`, unit: "ms",
            service: Math.max(...ok.map((s) => s.maxAppendMs)), baseline: null, baselineName: "" },
        );
      }
    }
  }
  return out;
}
