import {
  Server, ServerCredentials, type handleUnaryCall, type MethodDefinition, type UntypedHandleCall,
} from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import type { Logger } from "pino";
import {
  RoomHistoryServiceService, type RoomHistoryServiceServer,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { RoomHistoryHandlers } from "../service/room-history.js";
import { Encoded } from "../service/encoded.js";
import type { Limits } from "../service/validate.js";
import type { PromptTemplates } from "../prompt/templates.js";
import type { HistoryStore } from "../store/store.js";
import { WatchService } from "../watch/watch-service.js";
import { toServiceError } from "./errors.js";
import { decoded, withFieldErrors } from "./decode.js";
import { addReflection } from "./reflection.js";
import { Reaper } from "../service/reaper.js";

export const SERVICE_NAME = "roomhistory.v1.RoomHistoryService";

export interface ServerDeps {
  store: HistoryStore;
  templates: PromptTemplates;
  limits: Limits;
  logger: Logger;
  /** How long shutdown waits for in-flight calls before cutting them. */
  shutdownGraceMs?: number;
  /** Reports whether Redis can serve (src/store/redis/availability.ts); else the store's own signal. */
  availability?: (listener: (up: boolean) => void) => void;
  /** How long a durable mutation waits for replicas when its request names no timeout. */
  durabilityTimeoutMs?: number;
  /** How often idle rooms are reaped (ms); 0 turns the schedule off. */
  reapIntervalMs?: number;
  /** The largest GetHistory or RenderMessages reply (ROOMHISTORY_MAX_REPLY_BYTES); default 16 MiB. */
  maxReplyBytes?: number;
}

export interface RunningServer {
  server: Server;
  port: number;
  address: string;
  watch: WatchService;
  /** Health NOT_SERVING, watches ended with UNAVAILABLE, in-flight calls finished, store closed. */
  shutdown(): Promise<void>;
}

export async function startServer(deps: ServerDeps, address: string): Promise<RunningServer> {
  const server = new Server({
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_timeout_ms": 20_000,
  });
  const handlers = new RoomHistoryHandlers(deps.store, deps.templates, deps.limits,
    { timeoutMs: deps.durabilityTimeoutMs ?? 100 }, deps.maxReplyBytes);
  const reaper = new Reaper(deps.store, deps.logger, deps.reapIntervalMs ?? 1000);
  const watch = new WatchService(deps.store, deps.limits, deps.logger);
  server.addService(passEncoded(withFieldErrors(RoomHistoryServiceService)), serviceImplementation(handlers, watch, deps.logger));

  const health = new HealthImplementation({ "": "SERVING", [SERVICE_NAME]: "SERVING" });
  health.addToServer(server);
  let stopping: Promise<void> | undefined;
  const setServing = (up: boolean) => {
    for (const name of ["", SERVICE_NAME]) health.setStatus(name, up ? "SERVING" : "NOT_SERVING");
  };
  // A replica whose Redis is unreachable answers UNAVAILABLE: its health says so, for load balancers.
  const onAvailability = deps.availability ?? deps.store.onAvailability?.bind(deps.store);
  onAvailability?.((up) => stopping === undefined && setServing(up));
  addReflection(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = address.slice(0, address.lastIndexOf(":"));
  const shutdown = () =>
    (stopping ??= (async () => {
      setServing(false);
      reaper.stop();
      watch.shutdown();
      await drain(server, deps.shutdownGraceMs ?? 10_000);
      await deps.store.close();
    })());
  return { server, port, address: `${host}:${port}`, watch, shutdown };
}

function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/** The service definition with every response serialiser letting an Encoded through untouched. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function passEncoded<T extends Record<string, MethodDefinition<any, any>>>(definition: T): T {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const out: Record<string, MethodDefinition<any, any>> = {};
  for (const [name, method] of Object.entries(definition)) {
    const serialize = method.responseSerialize;
    out[name] = { ...method, responseSerialize: (value: unknown) => (value instanceof Encoded ? value.gathered() : serialize(value)) };
  }
  return out as T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Unary = (req: any) => Promise<unknown>;

/** Wires every RPC to its handler; errors of all of them pass through toServiceError. */
function serviceImplementation(h: RoomHistoryHandlers, watch: WatchService, logger: Logger): RoomHistoryServiceServer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const unary = (method: string, fn: Unary): handleUnaryCall<any, unknown> => (call, callback) => {
    // A request that did not decode (decode.ts) fails here like a handler's own error.
    Promise.resolve().then(() => fn(decoded(call.request))).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err, logger, method)),
    );
  };
  const methods = [
    "appendMessages", "getHistory", "renderMessages", "updateMessage", "markDeleted", "patchReactions",
    "clearRoom", "setRoomLimit", "discardRebackfill", "getRoomInfo", "listRooms", "deleteRoom", "setRoomRetention",
    "reapIdleRooms",
  ] as const;
  const impl: Record<string, UntypedHandleCall> = {};
  for (const m of methods) impl[m] = unary(m, (req) => h[m](req as never));
  impl.watch = ((call: Parameters<WatchService["open"]>[0]) => {
    Promise.resolve()
      .then(() => watch.open(decoded(call.request) && call))
      .catch((err: unknown) => call.emit("error", toServiceError(err, logger, "watch")));
  }) as UntypedHandleCall;
  return impl as RoomHistoryServiceServer;
}
