/**
 * Trace context for every call: when the application has @opentelemetry/api (an optional peer
 * dependency) and a propagator registered (as every OpenTelemetry SDK set-up does), the active span's
 * context goes into the call's metadata (`traceparent`, `tracestate`), so the server's span is its
 * child. Without the package, calls carry no trace headers and nothing is loaded.
 */
import { createRequire } from "node:module";
import { Metadata } from "@grpc/grpc-js";
import type * as OtelApi from "@opentelemetry/api";

/** Loaded synchronously (require) so that a client built in CommonJS or ESM alike needs no await. */
const otel: typeof OtelApi | undefined = (() => {
  try {
    return createRequire(import.meta.url)("@opentelemetry/api") as typeof OtelApi;
  } catch {
    return undefined;
  }
})();

const SETTER: OtelApi.TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Metadata for a new call: the active trace context injected, when there is one to send. */
export function callMetadata(): Metadata {
  const md = new Metadata();
  otel?.propagation.inject(otel.context.active(), md, SETTER);
  return md;
}
