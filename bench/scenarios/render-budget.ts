/**
 * RenderMessages as an inference worker calls it before every model call: a 100-message room, the real
 * templates/system.j2 with a room context, and a `max_tokens` budget of half the window's tokens, in the
 * OpenAI chat and the Anthropic messages format; the room and the context are unchanged between calls.
 * Against the grpc-js echo server answering with the very bytes the service returned for that format,
 * so client, transport and sizes are identical; service and echo rounds interleave.
 */
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { alternate, closedLoop, cpuPerOp, throughput, withCpu } from "../lib/load.js";
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

export const renderBudgetScenario: Scenario = {
  name: S,
  title: "RenderMessages of a 100-message window with max_tokens (half its tokens), OpenAI and Anthropic formats, " +
    "vs grpc-js echo of the same bytes",
  async run(ctx: Context): Promise<Figure[]> {
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    const echo = await Helper.start<{ address: string }, never>("baselines/echo-server.ts");
    const svcClient = newClient(service.address);
    const echoClient = newClient(echo.info.address);
    try {
      const svc = rpc(svcClient);
      const bare = rpc(echoClient);
      for (let i = 0; i < WINDOW; i++) await svc.append(appendRequest(ROOM, i));
      const figures: Figure[] = [];
      for (const { label, format } of FORMATS) {
        const base = { roomId: ROOM, template: "system.j2", roomContext: ROOM_CONTEXT, format };
        const whole = await svc.render(pb.RenderMessagesRequest.fromPartial(base));
        const maxTokens = Math.ceil(whole.estimatedTokens * BUDGET_SHARE);
        const req = pb.RenderMessagesRequest.fromPartial({ ...base, maxTokens });
        const cut = await svc.render(req);
        const bytes = pb.RenderMessagesResponse.encode(cut).finish();
        await echo.call("setReply", { method: "RenderMessages", base64: Buffer.from(bytes).toString("base64") });
        ctx.details[`render_${label}_setup`] = {
          wholeTokens: whole.estimatedTokens, maxTokens, estimatedTokens: cut.estimatedTokens,
          droppedMessages: cut.droppedMessages, truncated: cut.truncated, messages: cut.messages.length,
          replyBytes: bytes.length,
        };
        if (!cut.truncated) ctx.notes.push(`render ${label}: max_tokens ${maxTokens} cut nothing (the server ignored it?)`);
        const ops = { service: () => svc.render(req), echo: () => bare.render(req) };
        for (const concurrency of [1, 50]) {
          const bounds = { concurrency, durationMs: size(ctx, 2500, 1000), maxOps: 1_000_000 };
          await closedLoop(ops.service, { ...bounds, durationMs: 500 });
          await closedLoop(ops.echo, { ...bounds, durationMs: 500 });
          ctx.log(`RenderMessages ${label} max_tokens c=${concurrency}: ${size(ctx, 3, 1)} alternating rounds of service, echo`);
          const r = await alternate({
            service: () => withCpu(service.pid, cpuMs, () => closedLoop(ops.service, bounds)),
            echo: () => withCpu(echo.pid, cpuMs, () => closedLoop(ops.echo, bounds)),
          }, size(ctx, 3, 1));
          const name = `RenderMessages ${label} max_tokens c=${concurrency}`;
          figures.push(...echoFigures(S, name, r, {
            throughput: {
              goal: { op: ">=", ratio: 0.7 },
              note: "per call the server makes one Redis round trip (read-room-3.lua) and fits the budget over " +
                "token counts kept per message; the system prompt comes from the rendered-prompt cache; the echo " +
                "answers from memory",
            },
            cpuName: concurrency === 50 ? `RenderMessages ${label} max_tokens server CPU per call` : undefined,
          }));
          ctx.details[`render_${label}_c${concurrency}`] = Object.fromEntries(Object.entries(r).map(([k, v]) =>
            [k, { opsPerSecond: throughput(v), serverCpuUsPerOp: cpuPerOp(v), ...summarize(v.latencies) }]));
        }
      }
      return figures;
    } finally {
      svcClient.close();
      echoClient.close();
      await Promise.all([service.stop(), echo.stop()]);
    }
  },
};
