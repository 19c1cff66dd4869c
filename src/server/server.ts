import { notImplemented } from "../domain/errors.js";
import { Server, ServerCredentials, type ServerInterceptor } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import type { Logger } from "pino";
import { RoomHistoryHandlers } from "../service/room-history.js";
import { AgentReads } from "../service/agent-reads.js";
import { CompactionHandlers } from "../service/compaction.js";
import { PruneArchiveHandlers } from "../service/prune-archive.js";
import { TransferHandlers } from "../service/transfer.js";
import type { BankStore } from "../store/bank/bank-store.js";
import { MemoryBankHandlers } from "../service/memory-bank.js";
import { toServiceError } from "./errors.js";
import type { Limits } from "../wire/validate.js";
import type { PromptTemplates } from "../prompt/templates.js";
import type { HistoryStore } from "../store/store.js";
import { WatchService } from "../watch/watch-service.js";
import { toGrpc, type ServiceImplementation } from "./implementation.js";
import { addReflection } from "./reflection.js";
import { serverTls, type TlsFiles } from "./tls.js";
import { Reaper } from "../service/reaper.js";
import { Auth, type AuthOptions } from "../auth/auth.js";
import { authInterceptor } from "../auth/interceptor.js";
import {
  DEFAULT_DURABILITY, DEFAULT_REAP_INTERVAL_MS, DEFAULT_REFLECTION, DEFAULT_SHUTDOWN_GRACE_MS,
} from "../defaults.js";

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
  /** Serve TLS from these PEM files (mTLS when a client CA is named); plaintext without. */
  tls?: TlsFiles;
  /** How often the TLS files are read again (ms); default DEFAULT_TLS_RELOAD_INTERVAL_MS. */
  tlsReloadIntervalMs?: number;
  /** Serve gRPC reflection (default true). */
  reflection?: boolean;
  /** Tokens, scopes and quotas (src/auth); undefined: every call is allowed. */
  auth?: AuthOptions;
  /**
   * The namespace memory banks (src/store/bank); undefined: the bank RPCs answer UNIMPLEMENTED, exports
   * carry no namespace record and imports refuse them.
   */
  bank?: BankStore;
  /** Interceptors before the auth interceptor, outermost first (src/observability: traces, metrics). */
  interceptors?: ServerInterceptor[];
}

export interface RunningServer {
  server: Server;
  port: number;
  address: string;
  watch: WatchService;
  /** The tokens in force (reload on SIGHUP), when auth is on. */
  auth?: Auth;
  /** Where Prometheus metrics are served (ROOMHISTORY_METRICS_LISTEN, the port bound), when on. */
  metricsAddress?: string;
  /** Health NOT_SERVING, watches ended with UNAVAILABLE, in-flight calls finished, store closed. */
  shutdown(): Promise<void>;
  /** Reads the TLS files now (SIGHUP); true when new connections now get a new certificate. */
  reloadTls(): boolean;
}

export async function startServer(deps: ServerDeps, address: string): Promise<RunningServer> {
  // A bad certificate file throws here, before anything starts.
  const tls = deps.tls && serverTls(deps.tls, deps.logger, deps.tlsReloadIntervalMs);
  const auth = deps.auth && new Auth(deps.auth, deps.logger);
  const server = new Server({
    interceptors: [...(deps.interceptors ?? []), ...(auth ? [authInterceptor(auth)] : [])],
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_timeout_ms": 20_000,
  });
  const handlers = new RoomHistoryHandlers(deps.store, deps.templates, deps.limits,
    { timeoutMs: deps.durabilityTimeoutMs ?? DEFAULT_DURABILITY.timeoutMs }, deps.maxReplyBytes, deps.bank);
  const agent = new AgentReads(deps.store, (req) => handlers.getRoomInfo(req));
  const compaction = new CompactionHandlers(deps.store, deps.limits,
    { timeoutMs: deps.durabilityTimeoutMs ?? DEFAULT_DURABILITY.timeoutMs });
  const reaper = new Reaper(deps.store, deps.logger, deps.reapIntervalMs ?? DEFAULT_REAP_INTERVAL_MS);
  const watch = new WatchService(deps.store, deps.limits, deps.logger);
  const prune = new PruneArchiveHandlers(deps.store, { timeoutMs: deps.durabilityTimeoutMs ?? DEFAULT_DURABILITY.timeoutMs });
  const transfer = new TransferHandlers({
    store: deps.store, limits: deps.limits, bank: deps.bank,
    statusOf: (err) => {
      const { code, details } = toServiceError(err, deps.logger, "ImportRooms");
      return { code: code ?? 2, message: details ?? err.message };
    },
  });
  const { definition, handlers: grpcHandlers } = toGrpc(
    serviceImplementation(handlers, watch, agent, compaction, prune, transfer, deps.bank && new MemoryBankHandlers(deps.store, deps.bank)),
    deps.logger);
  server.addService(definition, grpcHandlers);

  const health = new HealthImplementation({ "": "SERVING", [SERVICE_NAME]: "SERVING" });
  health.addToServer(server);
  let stopping: Promise<void> | undefined;
  const setServing = (up: boolean) => {
    for (const name of ["", SERVICE_NAME]) health.setStatus(name, up ? "SERVING" : "NOT_SERVING");
  };
  // A replica whose Redis is unreachable answers UNAVAILABLE: its health says so, for load balancers.
  const onAvailability = deps.availability ?? deps.store.onAvailability?.bind(deps.store);
  onAvailability?.((up) => stopping === undefined && setServing(up));
  if (deps.reflection ?? DEFAULT_REFLECTION) addReflection(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, tls?.credentials ?? ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  ).catch((err: Error) => {
    tls?.certificates.close();
    auth?.close();
    throw err;
  });
  const host = address.slice(0, address.lastIndexOf(":"));
  const shutdown = () =>
    (stopping ??= (async () => {
      setServing(false);
      reaper.stop();
      auth?.close();
      watch.shutdown();
      await drain(server, deps.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
      tls?.certificates.close();
      await deps.store.close();
    })());
  const reloadTls = () => tls?.certificates.reload() ?? false;
  return { server, port, address: `${host}:${port}`, watch, auth, shutdown, reloadTls };
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

/** Every RPC with its handler: the compiler holds this to the proto (implementation.ts). */
function serviceImplementation(
  h: RoomHistoryHandlers, watch: WatchService, agent: AgentReads, compaction: CompactionHandlers,
  prune: PruneArchiveHandlers, transfer: TransferHandlers, bank: MemoryBankHandlers | undefined,
): ServiceImplementation {
  const banked = <T>(rpc: string, call: (b: MemoryBankHandlers) => Promise<T>) =>
    bank ? call(bank) : Promise.reject(notImplemented(rpc));
  return {
    appendMessages: (req) => h.appendMessages(req),
    getHistory: (req) => h.getHistory(req),
    renderMessages: (req) => h.renderMessages(req),
    updateMessage: (req) => h.updateMessage(req),
    markDeleted: (req) => h.markDeleted(req),
    patchReactions: (req) => h.patchReactions(req),
    clearRoom: (req) => h.clearRoom(req),
    setRoomLimit: (req) => h.setRoomLimit(req),
    discardRebackfill: (req) => h.discardRebackfill(req),
    getRoomInfo: (req) => h.getRoomInfo(req),
    deleteRoom: (req) => h.deleteRoom(req),
    setRoomRetention: (req) => h.setRoomRetention(req),
    reapIdleRooms: (req) => h.reapIdleRooms(req),
    listRooms: (req) => h.listRooms(req),
    setRoomRenderDefaults: (req) => h.setRoomRenderDefaults(req),
    reportUsage: (req) => h.reportUsage(req),
    // Issue 11 (agent histories).
    setAgentOptions: (req) => h.setAgentOptions(req),
    pruneToolResults: (req) => prune.pruneToolResults(req),
    compactHistory: (req) => compaction.compactHistory(req),
    compactPreservingStructure: (req) => compaction.compactPreservingStructure(req),
    getArchive: (req) => prune.getArchive(req),
    searchHistory: (req) => agent.searchHistory(req),
    exportSummary: (req) => agent.exportSummary(req),
    getRunCursor: (req) => agent.getRunCursor(req),
    updateRunCursor: (req) => agent.updateRunCursor(req),
    watch: (req, call) => watch.open(req, call),
    watchRooms: (requests, call) => watch.openRooms(requests, call),
    // Issue 12 (rooms that remember): being built.
    updateRoomMetadata: (req) => h.updateRoomMetadata(req),
    setNamespaceOptions: (req) => banked("SetNamespaceOptions", (b) => b.setNamespaceOptions(req)),
    getMemoryBank: (req) => banked("GetMemoryBank", (b) => b.getMemoryBank(req)),
    listRoomsNeedingSummary: (req) => banked("ListRoomsNeedingSummary", (b) => b.listRoomsNeedingSummary(req)),
    putConversationSummary: (req) => banked("PutConversationSummary", (b) => b.putConversationSummary(req)),
    planRollup: (req) => banked("PlanRollup", (b) => b.planRollup(req)),
    commitRollup: (req) => banked("CommitRollup", (b) => b.commitRollup(req)),
    renderMemoryBank: (req) => banked("RenderMemoryBank", (b) => b.renderMemoryBank(req)),
    exportRooms: (req, call) => transfer.exportRooms(req, call),
    importRooms: (requests) => transfer.importRooms(requests),
  };
}
