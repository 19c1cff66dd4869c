/**
 * Per-RPC metrics from a server interceptor: it runs before the auth interceptor, so calls refused
 * for a token or a quota are counted too.
 */
import {
  ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, status,
  type ServerInterceptingCallInterface, type ServerInterceptor, type ServerMethodDefinition,
} from "@grpc/grpc-js";
import { Counter, Histogram, type Registry } from "prom-client";

const CODE_NAME = new Map(Object.entries(status).map(([name, code]) => [code, name]));

/** Seconds; from 0.5 ms (a cached read on loopback) to 10 s (a call waiting out a Redis timeout). */
const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function rpcInterceptor(registry: Registry): ServerInterceptor {
  const calls = new Counter({
    name: "roomhistory_rpc_requests_total",
    help: "RPCs finished, by service, method and gRPC status code (CANCELLED when the client went away).",
    labelNames: ["service", "method", "code"] as const, registers: [registry],
  });
  const seconds = new Histogram({
    name: "roomhistory_rpc_duration_seconds",
    help: "Time from a call's start to its status, unary and client-streaming RPCs only (a watch or an export lasts as long as the client wants).",
    labelNames: ["service", "method"] as const, buckets: RPC_BUCKETS, registers: [registry],
  });
  return (descriptor: ServerMethodDefinition<unknown, unknown>, call: ServerInterceptingCallInterface) => {
    const [service, method] = splitPath(descriptor.path);
    const timed = !descriptor.responseStream;
    const started = process.hrtime.bigint();
    let code: number | undefined;
    const listener = new ServerListenerBuilder()
      .withOnCancel(() => {
        // Called once however the call ends: after the status went out, or when the client left first.
        const name = CODE_NAME.get(code ?? status.CANCELLED) ?? String(code);
        calls.inc({ service, method, code: name });
        if (timed) seconds.observe({ service, method }, Number(process.hrtime.bigint() - started) / 1e9);
      })
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((st, next) => {
        code ??= st.code;
        next(st);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}

/** "/roomhistory.v1.RoomHistoryService/AppendMessages" → ["roomhistory.v1.RoomHistoryService", "AppendMessages"]. */
function splitPath(path: string): [string, string] {
  const at = path.lastIndexOf("/");
  return [path.slice(1, at), path.slice(at + 1)];
}
