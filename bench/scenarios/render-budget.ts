/**
 * RenderMessages as an inference worker calls it before every model call: a 100-message room, the real
 * templates/system.j2 with a room context, and a `max_tokens` budget of half the window's tokens, in the
 * OpenAI chat and the Anthropic messages format; the room and the context are unchanged between calls.
 * Against the grpc-js echo server answering with the very bytes the service returned for that format,
 * so client, transport and sizes are identical; service and echo rounds interleave. At c=1 a third side
 * runs in the same rounds: the same server on its in-memory store, which shows what the render costs
 * apart from the Redis round trip every read makes; and a fourth, the echo that revalidates the room
 * in Redis before answering (baselines/echo-read-server.ts: the service's RedisStore.read of the
 * unchanged room, one round trip, no render): the best any server that asks Redis once per render can
 * do (src/service/room-history.ts renders ahead while that read is on its way).
 */
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { alternate, closedLoop, cpuPerOp, throughput, withCpu, type LoadResult } from "../lib/load.js";
import { cpuMs, Helper, ServiceProcess } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { appendRequest, newClient, pb, ROOM_CONTEXT, rpc } from "../lib/rpc.js";
import { echoFigures } from "../lib/echo-figures.js";
import { summarize } from "../lib/stats.js";

const S = "render";
const ROOM = "render-budget";
const WINDOW = 100;
/** The budget as a share of the whole render's tokens: about half the history is left out. */
const BUDGET_SHARE = 0.5;

const FORMATS = [
  { label: "OpenAI", format: pb.RenderFormat.RENDER_FORMAT_OPENAI_CHAT },
  { label: "Anthropic", format: pb.RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES },
] as const;

type Api = ReturnType<typeof rpc>;
type Side = "service" | "memory" | "echo" | "echoRead";
type Sides = Partial<Record<Side, LoadResult>> & Record<"service" | "echo", LoadResult>;

export const renderBudgetScenario: Scenario = {
  name: S,
  title: "RenderMessages of a 100-message window with max_tokens (half its tokens), OpenAI and Anthropic formats, " +
    "vs grpc-js echo of the same bytes",
  async run(ctx: Context): Promise<Figure[]> {
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    const memory = await ServiceProcess.start({ ...serviceEnv(ctx, S), ROOMHISTORY_REDIS_URL: "" });
    const echo = await Helper.start<{ address: string }, never>("baselines/echo-server.ts");
    // The service's Redis and key prefix: it revalidates the very room the service renders.
    const echoRead = await Helper.start<{ address: string }, never>("baselines/echo-read-server.ts",
      { ...serviceEnv(ctx, S), ECHO_READ_ROOM: ROOM });
    const clients = [newClient(service.address), newClient(memory.address), newClient(echo.info.address),
      newClient(echoRead.info.address)];
    try {
      const [svc, mem, bare, bareRead] = clients.map(rpc);
      for (const api of [svc, mem]) for (let i = 0; i < WINDOW; i++) await api.append(appendRequest(ROOM, i));
      const measured = [];
      for (const { label, format } of FORMATS) measured.push({ label, ...await budgetRequest(ctx, label, format, svc) });
      // Both servers render every request for a while before anything is measured: without it, whichever
      // format was measured first came out 0.15-0.3 lower at c=1 than the other (a fresh process warming up).
      for (const api of [svc, mem]) {
        for (const { req } of measured) await closedLoop(() => api.render(req), { concurrency: 50, durationMs: size(ctx, 2000, 500), maxOps: 1_000_000 });
      }
      const figures: Figure[] = [];
      for (const { label, req, reply } of measured) {
        for (const h of [echo, echoRead]) await h.call("setReply", { method: "RenderMessages", base64: Buffer.from(reply).toString("base64") });
        const calls: Record<Side, () => Promise<unknown>> = {
          service: () => svc.render(req), memory: () => mem.render(req), echo: () => bare.render(req),
          echoRead: () => bareRead.render(req),
        };
        const pids: Record<Side, number> = { service: service.pid, memory: memory.pid, echo: echo.pid, echoRead: echoRead.pid };
        for (const concurrency of [1, 50]) {
          const sides: Side[] = concurrency === 1 ? ["service", "memory", "echo", "echoRead"] : ["service", "echo"];
          const r = await measure(ctx, `RenderMessages ${label} max_tokens c=${concurrency}`, concurrency, sides, calls, pids);
          figures.push(...budgetFigures(`RenderMessages ${label} max_tokens`, concurrency, r));
          ctx.details[`render_${label}_c${concurrency}`] = Object.fromEntries(Object.entries(r).map(([k, v]) =>
            [k, { opsPerSecond: throughput(v), serverCpuUsPerOp: cpuPerOp(v), ...summarize(v.latencies) }]));
        }
      }
      return figures;
    } finally {
      for (const c of clients) c.close();
      await Promise.all([service.stop(), memory.stop(), echo.stop(), echoRead.stop()]);
    }
  },
};

/** The request measured (max_tokens half the whole render's tokens) and the service's reply, for the echo to send. */
async function budgetRequest(
  ctx: Context, label: string, format: pb.RenderFormat, svc: Api,
): Promise<{ req: pb.RenderMessagesRequest; reply: Uint8Array }> {
  const base = { roomId: ROOM, template: "system.j2", roomContext: ROOM_CONTEXT, format };
  const whole = await svc.render(pb.RenderMessagesRequest.fromPartial(base));
  const maxTokens = Math.ceil(whole.estimatedTokens * BUDGET_SHARE);
  const req = pb.RenderMessagesRequest.fromPartial({ ...base, maxTokens });
  const cut = await svc.render(req);
  const bytes = pb.RenderMessagesResponse.encode(cut).finish();
  ctx.details[`render_${label}_setup`] = {
    wholeTokens: whole.estimatedTokens, maxTokens, estimatedTokens: cut.estimatedTokens,
    droppedMessages: cut.droppedMessages, truncated: cut.truncated, messages: cut.messages.length, replyBytes: bytes.length,
  };
  if (!cut.truncated) ctx.notes.push(`render ${label}: max_tokens ${maxTokens} cut nothing (the server ignored it?)`);
  return { req, reply: bytes };
}

/** Warms every side up, then runs them in alternating rounds, each with its server's CPU time. */
async function measure(
  ctx: Context, what: string, concurrency: number, sides: Side[],
  calls: Record<Side, () => Promise<unknown>>, pids: Record<Side, number>,
): Promise<Sides> {
  const bounds = { concurrency, durationMs: size(ctx, 2500, 1000), maxOps: 1_000_000 };
  for (const side of sides) await closedLoop(calls[side], { ...bounds, durationMs: 500 });
  ctx.log(`${what}: ${size(ctx, 3, 1)} alternating rounds of ${sides.join(", ")}`);
  const runs = Object.fromEntries(sides.map((side) =>
    [side, () => withCpu(pids[side], cpuMs, () => closedLoop(calls[side], bounds))])) as Record<Side, () => Promise<LoadResult>>;
  return alternate(runs, size(ctx, 3, 1));
}

function budgetFigures(label: string, c: number, r: Sides): Figure[] {
  const figures = echoFigures(S, `${label} c=${c}`, r, {
    throughput: {
      goal: { op: ">=", ratio: 0.7 },
      note: "every call makes one Redis round trip (read-room-5.lua, revalidating the cached room) that a serial " +
        "caller waits for, and the echo answers from memory; the render is made while that read is on its way and " +
        "an unchanged one is a kept reply. The in-memory store row is the same server without the round trip; the " +
        "'echo that revalidates in Redis' row is the bound of any design asking Redis once per render " +
        "(bench/profiles/render.md)",
    },
    cpuName: c === 50 ? `${label} server CPU per call` : undefined,
  });
  if (r.memory) {
    figures.push({
      scenario: S, name: `${label} c=${c} throughput, in-memory store`, unit: "ops/s", service: throughput(r.memory),
      baseline: throughput(r.echo), baselineName: "grpc-js echo, same bytes",
      note: "the same server without Redis, in the same rounds: the render's own cost",
    });
  }
  if (r.echoRead) {
    figures.push({
      scenario: S, name: `${label} c=${c} throughput vs echo that revalidates in Redis`, unit: "ops/s",
      service: throughput(r.service), baseline: throughput(r.echoRead), baselineName: "echo + RedisStore.read",
      note: `the same echo answering only after one revalidation round trip (baselines/echo-read-server.ts) ` +
        `reached ${(throughput(r.echoRead) / throughput(r.echo)).toFixed(2)}× the bare echo in the same rounds: ` +
        "the best a design that asks Redis once per render can do on this machine",
    });
  }
  return figures;
}
