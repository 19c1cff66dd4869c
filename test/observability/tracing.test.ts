/**
 * OpenTelemetry traces: a real server on a real redis-server exports over OTLP/HTTP to a receiver this
 * test runs (node:http, JSON bodies). A call made by the TS client inside a span gets a server span
 * whose parent is that span, with the room id and the version, and a child span per Redis script; a
 * refused call's span is an error with its gRPC code; a WatchRooms stream ended early is an error too.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Role, RoomHistoryClient, VersionConflictError } from "@roomhistory/client";
import { loadConfig } from "../../src/config.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";

interface OtlpSpan {
  traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  status?: { code?: number; message?: string };
}

let redis: TestRedis;
let receiver: Server;
const received: OtlpSpan[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      expect(req.url).toBe("/v1/traces");
      const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) received.push(...ss.spans);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  receiver?.close();
  await redis?.stop();
});

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
};
const user = (content: string) => ({ role: Role.ROLE_USER, content });

describe("traces", () => {
  let server: TestServer;

  it("nest the server's spans under the client's, with a span per script, errors marked", async () => {
    const { port } = receiver.address() as AddressInfo;
    server = await startTestServer({
      ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("trace"),
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`, OTEL_SERVICE_NAME: "roomhistory-test",
    });
    // The application's side, as an OpenTelemetry SDK set-up makes it: a provider, a context manager, W3C.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const spans = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer("app");
    const client = new RoomHistoryClient(server.address);

    const parent = tracer.startSpan("worker turn");
    await context.with(trace.setSpan(context.active(), parent), async () => {
      await client.appendMessages({ roomId: "t/1", messages: [user("hello")] });
      await expect(client.appendMessages({ roomId: "t/1", messages: [user("late")], expectedVersion: 0 }))
        .rejects.toBeInstanceOf(VersionConflictError);
    });
    parent.end();
    const stream = client.watch(["t/1"]);
    const next = stream.next();
    await client.appendMessages({ roomId: "t/1", messages: [user("watched")] });
    await next;
    stream.close();
    client.close();
    await server.stop(); // flushes the server's batched spans

    const { traceId, spanId } = parent.spanContext();
    const appends = received.filter((s) => s.name === "roomhistory.v1.RoomHistoryService/AppendMessages" && s.traceId === traceId);
    expect(appends).toHaveLength(2);
    for (const s of appends) {
      expect(s).toMatchObject({ parentSpanId: spanId, kind: 2 }); // SERVER
      expect(attr(s, "rpc.system")).toBe("grpc");
      expect(attr(s, "rpc.method")).toBe("AppendMessages");
      expect(attr(s, "roomhistory.room_id")).toBe("t/1");
    }
    const [ok, refused] = [appends.find((s) => attr(s, "rpc.grpc.status_code") === 0)!, appends.find((s) => attr(s, "rpc.grpc.status_code") === 10)!];
    expect(attr(ok, "roomhistory.version")).toBe(1);
    expect(ok.status?.code ?? 0).not.toBe(2);
    expect(refused.status?.code).toBe(2); // ERROR
    for (const s of [ok, refused]) {
      const scripts = received.filter((c) => c.parentSpanId === s.spanId && c.traceId === traceId);
      expect(scripts.map((c) => c.name)).toEqual(["redis rhAppend"]);
      expect(scripts[0].kind).toBe(3); // CLIENT
    }
    const watch = received.find((s) => s.name === "roomhistory.v1.RoomHistoryService/WatchRooms")!;
    expect(watch).toBeDefined();
    // CANCELLED when the client's cancel arrived first, UNAVAILABLE when the shutdown ended it first.
    expect([1, 14]).toContain(attr(watch, "rpc.grpc.status_code"));
    expect(watch.status?.code).toBe(2);
  }, 60_000);
});

describe("trace settings", () => {
  it("are off without an endpoint or when disabled, and take the endpoint's /v1/traces", () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" }).tracing)
      .toEqual({ tracesUrl: "http://127.0.0.1:4318/v1/traces", serviceName: "roomhistory" });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" }).tracing).toBeUndefined();
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "127.0.0.1:4318" })).toThrow(/http\(s\) URL/);
  });
});
