/**
 * OpenTelemetry traces, on when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT; OTLP/HTTP with JSON bodies): one SERVER span per RPC, its parent taken
 * from the call's `traceparent`/`tracestate` metadata, and a CLIENT child span per Redis script call.
 * The provider is this server's own, not registered globally (an application embedding the server
 * keeps its own); only an AsyncLocalStorage context manager is installed when none is, so that script
 * spans find the RPC's span.
 */
import type { ServerInterceptor } from "@grpc/grpc-js";
import { context, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Logger } from "pino";
import type { TracingConfig } from "../config.js";
import type { ObservabilityPart } from "./index.js";
import { observeScripts } from "./script-observers.js";
import { rpcSpans } from "./tracing-rpc.js";

export function startTracing(config: TracingConfig, logger: Logger): ObservabilityPart {
  // A context manager set before (by an embedding application) is kept: setGlobal returns false then.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }))],
  });
  const tracer = provider.getTracer("roomhistory");
  const stopScripts = observeScripts(scriptSpans(tracer));
  logger.info({ url: config.tracesUrl, service: config.serviceName }, "traces exported over OTLP/HTTP");
  const interceptor: ServerInterceptor = rpcSpans(tracer);
  return {
    interceptor,
    close: async () => {
      stopScripts();
      // Flushes the spans still batched, then stops the exporter.
      await provider.shutdown().catch((err: Error) => logger.warn({ err: err.message }, "traces: flushing at shutdown failed"));
    },
  };
}

/** A CLIENT span per script, a child of the RPC's span when the call runs inside one. */
function scriptSpans(tracer: Tracer) {
  return (script: string) => {
    const span = tracer.startSpan(`redis ${script}`, {
      kind: SpanKind.CLIENT,
      attributes: { "db.system.name": "redis", "db.system": "redis", "db.operation.name": "EVALSHA", "db.stored_procedure.name": script },
    }, context.active());
    return (error?: unknown) => {
      if (error !== undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : "script failed" });
      }
      span.end();
    };
  };
}
