/**
 * One SERVER span per RPC, from a server interceptor placed before the auth interceptor. The parent is
 * the W3C trace context in the call's metadata. Every listener callback forwards inside the span's
 * context, and grpc-js runs the handler from those callbacks (metadata for client and bidirectional
 * streams, half-close for unary and server-streaming calls), so the handler, the store and its script
 * spans all run under the RPC's span.
 */
import {
  ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, status,
  type Metadata, type ServerInterceptingCallInterface, type ServerInterceptor, type ServerMethodDefinition,
} from "@grpc/grpc-js";
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

const propagator = new W3CTraceContextPropagator();

const GETTER: TextMapGetter<Metadata> = {
  keys: (md) => Object.keys(md.getMap()),
  get: (md, key) => {
    const values = md.get(key);
    return values.length ? values.map(String) : undefined;
  },
};

export function rpcSpans(tracer: Tracer): ServerInterceptor {
  return (descriptor: ServerMethodDefinition<unknown, unknown>, call: ServerInterceptingCallInterface) =>
    new RpcSpan(tracer, descriptor.path, call).intercepting();
}

class RpcSpan {
  private span?: Span;
  private ctx: Context = ROOT_CONTEXT;
  private code?: number;

  constructor(private readonly tracer: Tracer, private readonly path: string, private readonly call: ServerInterceptingCallInterface) {}

  intercepting(): ServerInterceptingCall {
    const within = (fn: () => void) => context.with(this.ctx, fn);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((md, next) => {
        this.begin(md);
        within(() => next(md));
      })
      .withOnReceiveMessage((message, next) => {
        const roomId = (message as { roomId?: unknown } | null)?.roomId;
        if (typeof roomId === "string" && roomId) this.span?.setAttribute("roomhistory.room_id", roomId);
        within(() => next(message));
      })
      .withOnReceiveHalfClose((next) => within(() => next()))
      .withOnCancel(() => this.finish())
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendMessage((message, next) => {
        const version = (message as { version?: unknown } | null)?.version;
        if (typeof version === "number") this.span?.setAttribute("roomhistory.version", version);
        next(message);
      })
      .withSendStatus((st, next) => {
        this.code ??= st.code;
        if (st.code !== status.OK) this.span?.setStatus({ code: SpanStatusCode.ERROR, message: st.details });
        next(st);
      })
      .build();
    return new ServerInterceptingCall(this.call, responder);
  }

  private begin(md: Metadata): void {
    const at = this.path.lastIndexOf("/");
    const service = this.path.slice(1, at);
    const method = this.path.slice(at + 1);
    const parent = propagator.extract(ROOT_CONTEXT, md, GETTER);
    this.span = this.tracer.startSpan(`${service}/${method}`, {
      kind: SpanKind.SERVER,
      attributes: { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method },
    }, parent);
    this.ctx = trace.setSpan(parent, this.span);
  }

  /** Called once however the call ends: after its status, or when the client left first. */
  private finish(): void {
    const span = this.span;
    if (!span) return;
    this.span = undefined;
    const code = this.code ?? status.CANCELLED;
    span.setAttribute("rpc.grpc.status_code", code);
    if (this.code === undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: "cancelled by the client" });
    span.end();
  }
}
