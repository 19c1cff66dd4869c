/**
 * 9. A room at the default byte budget (8 MiB window): GetHistory and RenderMessages at c=1 and c=10,
 * against the grpc-js echo server answering with the very bytes the service returned, and the
 * server's resident memory before and after (the echo's beside it).
 */
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { alternate, closedLoop, cpuPerOp, throughput, withCpu, type LoadResult } from "../lib/load.js";
import { cpuMs, Helper, ServiceProcess, rssKiB } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { newClient, pb, Role, ROOM_CONTEXT, rpc } from "../lib/rpc.js";
import { echoFigures } from "../lib/echo-figures.js";
import { summarize } from "../lib/stats.js";

const S = "large";
const ROOM = "large-window";
const MiB = 1024 * 1024;
const MESSAGES = 64;
/** Each message's text: 64 of them (with their stored fields) fill the 8 MiB default budget. */
const TEXT_BYTES = 8 * MiB / MESSAGES - 512;

export const largeScenario: Scenario = {
  name: S,
  title: "GetHistory and RenderMessages of an 8 MiB window (c=1, c=10) vs grpc-js echo of the same bytes; server RSS",
  async run(ctx: Context): Promise<Figure[]> {
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    const echo = await Helper.start<{ address: string }, never>("baselines/echo-server.ts");
    const svcClient = newClient(service.address);
    const echoClient = newClient(echo.info.address);
    try {
      const svc = rpc(svcClient);
      const bare = rpc(echoClient);
      const rss = () => ({ service: rssKiB(service.pid) / 1024, echo: rssKiB(echo.pid) / 1024 });
      const before = rss();
      await svc.setLimit(pb.SetRoomLimitRequest.fromPartial({ roomId: ROOM, limit: 1000 }));
      for (let i = 0; i < MESSAGES; i++) {
        const text = `${i} `.padEnd(TEXT_BYTES, "lorem ipsum dolor sit amet ");
        await svc.append(pb.AppendMessagesRequest.fromPartial({ roomId: ROOM, messages: [
          { role: i % 2 ? Role.ROLE_ASSISTANT : Role.ROLE_USER, content: text, sender: "bench" },
        ] }));
      }
      const info = await svc.info(pb.GetRoomInfoRequest.fromPartial({ roomId: ROOM }));
      const historyReq = pb.GetHistoryRequest.fromPartial({ roomId: ROOM });
      const renderReq = pb.RenderMessagesRequest.fromPartial({ roomId: ROOM, template: "system.j2", roomContext: ROOM_CONTEXT });
      const history = await svc.history(historyReq);
      const rendered = await svc.render(renderReq);
      const historyBytes = pb.GetHistoryResponse.encode(history).finish();
      const renderBytes = pb.RenderMessagesResponse.encode(rendered).finish();
      await echo.call("setReply", { method: "GetHistory", base64: Buffer.from(historyBytes).toString("base64") });
      await echo.call("setReply", { method: "RenderMessages", base64: Buffer.from(renderBytes).toString("base64") });
      const loaded = rss();
      ctx.details.large_sizes = {
        windowBytes: info.windowBytes, maxBytes: info.maxBytes, messages: history.messages.length,
        getHistoryResponseBytes: historyBytes.length, renderResponseBytes: renderBytes.length,
      };

      const figures: Figure[] = [];
      const kinds = {
        GetHistory: { service: () => svc.history(historyReq), echo: () => bare.history(historyReq) },
        RenderMessages: { service: () => svc.render(renderReq), echo: () => bare.render(renderReq) },
      };
      for (const [rpcName, ops] of Object.entries(kinds)) {
        for (const concurrency of [1, 10]) {
          const bounds = { concurrency, durationMs: size(ctx, 3000, 1000), maxOps: 1_000_000 };
          await closedLoop(ops.service, { ...bounds, durationMs: 500 });
          await closedLoop(ops.echo, { ...bounds, durationMs: 500 });
          ctx.log(`${rpcName} c=${concurrency} (8 MiB): ${size(ctx, 3, 1)} alternating rounds of service, echo`);
          const r = await alternate({
            service: () => withCpu(service.pid, cpuMs, () => closedLoop(ops.service, bounds)),
            echo: () => withCpu(echo.pid, cpuMs, () => closedLoop(ops.echo, bounds)),
          }, size(ctx, 3, 1));
          figures.push(...largeFigures(rpcName, concurrency, r));
          ctx.details[`large_${rpcName}_c${concurrency}`] = Object.fromEntries(Object.entries(r).map(([k, v]) =>
            [k, { opsPerSecond: throughput(v), serverCpuUsPerOp: cpuPerOp(v), ...summarize(v.latencies) }]));
        }
      }
      const after = rss();
      ctx.details.large_rss_mib = { before, loaded, after };
      const base = { scenario: S, baselineName: "grpc-js echo, same bytes", unit: "MiB" };
      figures.push(
        { ...base, name: "8 MiB window: server RSS before the room is written", service: before.service, baseline: before.echo },
        { ...base, name: "8 MiB window: server RSS after the reads", service: after.service, baseline: after.echo,
          note: "the service keeps the decoded window, its encoded reply and the rendered history in the read " +
            "cache (ROOMHISTORY_READ_CACHE_BYTES, 64 MiB); the echo keeps its two canned replies" },
      );
      return figures;
    } finally {
      svcClient.close();
      echoClient.close();
      await Promise.all([service.stop(), echo.stop()]);
    }
  },
};

function largeFigures(rpcName: string, c: number, r: Record<"service" | "echo", LoadResult>): Figure[] {
  const label = `8 MiB ${rpcName} c=${c}`;
  return echoFigures(S, label, r, { cpuName: `${label} server CPU per call` });
}
