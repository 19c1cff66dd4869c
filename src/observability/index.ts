/**
 * Metrics and traces, both off unless configured (README "Metrics", "Traces"). startApp starts them
 * before the server so their interceptors see every call, and attaches them to the running server for
 * what they read at scrape time (open watches, subscriptions).
 */
import type { ServerInterceptor } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { RunningServer } from "../server/server.js";
import { startMetrics } from "./metrics.js";
import { startTracing } from "./tracing.js";

/** One part of observability (metrics or tracing), as startObservability starts it. */
export interface ObservabilityPart {
  /** Outermost first; installed before the auth interceptor, so refused calls are seen too. */
  interceptor?: ServerInterceptor;
  /** The server is running: read what only it knows. */
  attach?(app: RunningServer): void;
  /** Flush and stop (after the server has drained). */
  close(): Promise<void>;
}

export interface Observability {
  interceptors: ServerInterceptor[];
  /** Where /metrics is served, when metrics are on. */
  metricsAddress?: string;
  attach(app: RunningServer): void;
  close(): Promise<void>;
}

/** Starts what the config turns on; with nothing configured, no interceptor and no cost per call. */
export async function startObservability(config: Config, logger: Logger): Promise<Observability> {
  // Tracing first: its interceptor is the outermost, so its span covers the metrics and the auth checks.
  const parts: ObservabilityPart[] = config.tracing ? [startTracing(config.tracing, logger)] : [];
  const metrics = config.metricsListen ? await startMetrics(config.metricsListen, logger) : undefined;
  if (metrics) parts.push(metrics);
  return {
    interceptors: parts.flatMap((p) => (p.interceptor ? [p.interceptor] : [])),
    metricsAddress: metrics?.address,
    attach: (app) => { for (const p of parts) p.attach?.(app); },
    close: async () => { await Promise.all(parts.map((p) => p.close())); },
  };
}
