/**
 * Which right each RPC needs and which rooms it touches: the one table the interceptor enforces and
 * README.md ("Tokens") prints. Typed by the generated service, so a new RPC fails the build until it
 * has a row here.
 */
import { RoomHistoryServiceService } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { MethodName, RequestOf } from "../server/implementation.js";
import type { Right } from "./token-file.js";

export interface MethodRule<K extends MethodName = MethodName> {
  right: Right;
  /** The room ids the request names; `ALL_ROOMS` for an RPC that acts across rooms (reaping). */
  rooms: (request: RequestOf<K>) => readonly string[] | typeof ALL_ROOMS;
  /** Admin calls are audited even when allowed. */
  audited?: boolean;
}

/** An RPC over every room: only a token whose rooms include "" may call it. */
export const ALL_ROOMS = Symbol("all rooms");
/** ListRooms names no room: it is allowed with `read`, and its reply is filtered to the token's rooms. */
const NO_ROOM = (): readonly string[] => [];

const room = ({ roomId }: { roomId: string }): readonly string[] => [roomId];

export const METHOD_RULES: { [K in MethodName]: MethodRule<K> } = {
  getHistory: { right: "read", rooms: room },
  renderMessages: { right: "read", rooms: room },
  getRoomInfo: { right: "read", rooms: room },
  listRooms: { right: "read", rooms: NO_ROOM },
  appendMessages: { right: "write", rooms: room },
  updateMessage: { right: "write", rooms: room },
  markDeleted: { right: "write", rooms: room },
  patchReactions: { right: "write", rooms: room },
  clearRoom: { right: "write", rooms: room },
  discardRebackfill: { right: "write", rooms: room },
  setRoomRenderDefaults: { right: "write", rooms: room },
  reportUsage: { right: "write", rooms: room },
  setAgentOptions: { right: "write", rooms: room },
  pruneToolResults: { right: "write", rooms: room },
  compactHistory: { right: "write", rooms: room },
  compactPreservingStructure: { right: "write", rooms: room },
  updateRunCursor: { right: "write", rooms: room },
  getArchive: { right: "read", rooms: room },
  searchHistory: { right: "read", rooms: room },
  exportSummary: { right: "read", rooms: room },
  getRunCursor: { right: "read", rooms: room },
  watch: { right: "watch", rooms: (req) => req.rooms.map((r) => r.roomId) },
  // Its rooms come in the stream's messages: the handler checks each add against the token's scope and
  // answers a room outside it with a cancelled OUT_OF_SCOPE (a prefix or namespace needs every room).
  watchRooms: { right: "watch", rooms: NO_ROOM },
  setRoomLimit: { right: "admin", rooms: room, audited: true },
  setRoomRetention: { right: "admin", rooms: room, audited: true },
  deleteRoom: { right: "admin", rooms: room, audited: true },
  reapIdleRooms: { right: "admin", rooms: () => ALL_ROOMS, audited: true },
  // Issue 12 (rooms that remember). A namespace is not a room prefix: its RPCs need a token over every
  // room, as the bank mixes summaries of all the namespace's rooms.
  updateRoomMetadata: { right: "write", rooms: room },
  putConversationSummary: { right: "write", rooms: room },
  getMemoryBank: { right: "read", rooms: () => ALL_ROOMS },
  renderMemoryBank: { right: "read", rooms: () => ALL_ROOMS },
  listRoomsNeedingSummary: { right: "read", rooms: () => ALL_ROOMS },
  planRollup: { right: "write", rooms: () => ALL_ROOMS },
  commitRollup: { right: "write", rooms: () => ALL_ROOMS },
  setNamespaceOptions: { right: "admin", rooms: () => ALL_ROOMS, audited: true },
  exportRooms: { right: "read", rooms: (req) => (req.roomIds.length > 0 && !req.namespace && !req.all ? req.roomIds : ALL_ROOMS) },
  importRooms: { right: "admin", rooms: () => ALL_ROOMS, audited: true },
};

export interface ServiceMethod {
  name: MethodName;
  /** The RPC's proto name ("AppendMessages"), as audit lines and errors name it. */
  rpc: string;
  rule: MethodRule;
}

/** "/roomhistory.v1.RoomHistoryService/AppendMessages" → its rule. */
export const METHODS_BY_PATH: ReadonlyMap<string, ServiceMethod> = new Map(
  (Object.keys(METHOD_RULES) as MethodName[]).map((name) => {
    const path = RoomHistoryServiceService[name].path;
    return [path, { name, rpc: path.slice(path.lastIndexOf("/") + 1), rule: METHOD_RULES[name] }];
  }),
);

/** Services reachable without a token: health checks and reflection (README.md, "Tokens"). */
export const EXEMPT_SERVICES = [
  "/grpc.health.v1.Health/",
  "/grpc.reflection.v1.ServerReflection/",
  "/grpc.reflection.v1alpha.ServerReflection/",
];

/** Whether `roomId` lies under one of the prefixes. */
export function inScope(prefixes: readonly string[], roomId: string): boolean {
  return prefixes.some((p) => roomId.startsWith(p));
}
