/**
 * 2. Reading a 100-message window: GetHistory, and RenderMessages with the real templates/system.j2 and a
 * room context, through the generated client; against the grpc-js echo server answering with the very
 * bytes the service returned (captured once), so client, transport and sizes are identical.
 */
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { alternate, closedLoop, cpuPerOp, throughput, withCpu, type LoadResult } from "../lib/load.js";
import { cpuMs, Helper, ServiceProcess } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { appendRequest, newClient, pb, ROOM_CONTEXT, rpc } from "../lib/rpc.js";
import { echoFigures } from "../lib/echo-figures.js";
import { summarize } from "../lib/stats.js";

const S = "read";
const ROOM = "read-window";
const WINDOW = 100;

export const readScenario: Scenario = {
  name: S,
  title: "GetHistory and RenderMessages of a 100-message window vs grpc-js echo of the same bytes",
  async run(ctx: Context): Promise<Figure[]> {
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    const echo = await Helper.start<{ address: string }, never>("baselines/echo-server.ts");
    const svcClient = newClient(service.address);
    const echoClient = newClient(echo.info.address);
    try {
      const svc = rpc(svcClient);
      const bare = rpc(echoClient);
      for (let i = 0; i < WINDOW; i++) await svc.append(appendRequest(ROOM, i));
      const historyReq = pb.GetHistoryRequest.fromPartial({ roomId: ROOM });
      const renderReq = pb.RenderMessagesRequest.fromPartial({ roomId: ROOM, template: "system.j2", roomContext: ROOM_CONTEXT });
      const history = await svc.history(historyReq);
      const rendered = await svc.render(renderReq);
      if (history.messages.length !== WINDOW) throw new Error(`window has ${history.messages.length} messages`);
      const historyBytes = pb.GetHistoryResponse.encode(history).finish();
      const renderBytes = pb.RenderMessagesResponse.encode(rendered).finish();
      await echo.call("setReply", { method: "GetHistory", base64: Buffer.from(historyBytes).toString("base64") });
      await echo.call("setReply", { method: "RenderMessages", base64: Buffer.from(renderBytes).toString("base64") });
      ctx.details.read_sizes = { getHistoryResponseBytes: historyBytes.length, renderResponseBytes: renderBytes.length };

      // One form per render: the reply in the form asked for, against both forms together (as before).
      const asJson = await svc.render({ ...renderReq, form: pb.RenderForm.RENDER_FORM_JSON });
      const jsonBytes = pb.RenderMessagesResponse.encode(asJson).finish().length;
      const figures: Figure[] = [
        { scenario: S, name: "RenderMessages reply, messages form", unit: "bytes", service: renderBytes.length,
          baseline: renderBytes.length + Buffer.byteLength(asJson.messagesJson) + 4, baselineName: "both forms in one reply" },
        { scenario: S, name: "RenderMessages reply, JSON form", unit: "bytes", service: jsonBytes,
          baseline: renderBytes.length + Buffer.byteLength(asJson.messagesJson) + 4, baselineName: "both forms in one reply" },
      ];
      const kinds = {
        GetHistory: { service: () => svc.history(historyReq), echo: () => bare.history(historyReq) },
        RenderMessages: { service: () => svc.render(renderReq), echo: () => bare.render(renderReq) },
      };
      for (const [rpcName, ops] of Object.entries(kinds)) {
        for (const concurrency of [1, 50]) {
          const bounds = { concurrency, durationMs: size(ctx, 2500, 1000), maxOps: 1_000_000 };
          await closedLoop(ops.service, { ...bounds, durationMs: 500 });
          await closedLoop(ops.echo, { ...bounds, durationMs: 500 });
          ctx.log(`${rpcName} c=${concurrency}: ${size(ctx, 3, 1)} alternating rounds of service, echo`);
          const r = await alternate({
            service: () => withCpu(service.pid, cpuMs, () => closedLoop(ops.service, bounds)),
            echo: () => withCpu(echo.pid, cpuMs, () => closedLoop(ops.echo, bounds)),
          }, size(ctx, 3, 1));
          figures.push(...readFigures(rpcName, concurrency, r));
          ctx.details[`${rpcName}_c${concurrency}`] = Object.fromEntries(Object.entries(r).map(([k, v]) =>
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

function readFigures(rpcName: string, c: number, r: Record<"service" | "echo", LoadResult>): Figure[] {
  return echoFigures(S, `${rpcName} c=${c}`, r, {
    throughput: {
      goal: { op: ">=", ratio: 0.7 },
      note: "an unchanged window is served from the read cache (entries neither sent by Redis nor re-encoded), " +
        "but every call still makes one Redis round trip (read-room-5.lua) that a serial caller waits for " +
        "(RenderMessages takes its system prompt from the rendered-prompt cache); the echo answers from memory",
    },
    cpuName: c === 50 ? `${rpcName} server CPU per call` : undefined,
  });
}
