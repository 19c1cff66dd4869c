/**
 * ListRooms: filters (namespace, label, prefix), order (id or last activity), opaque page tokens that carry
 * the filters and order they were made with, and a token's room scope (src/auth/scope.ts).
 */
import type * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { ListRoomsOrder } from "@roomhistory/client/gen/roomhistory/v1/metadata.js";
import { invalid } from "../domain/errors.js";
import type { HistoryStore, RoomListingData, RoomPage, RoomQuery } from "../store/store.js";
import { listInScope, requestScope } from "../auth/scope.js";
import * as check from "../wire/validate.js";
import { listingToProto } from "../wire/metadata.js";
import { checkLabelFilter, checkNamespaceFilter } from "./metadata.js";

/** Store pages one scoped listing in activity order may scan (as listInScope's MAX_SCANS). */
const MAX_SCANS = 16;

export async function listRooms(store: HistoryStore, req: pb.ListRoomsRequest): Promise<pb.ListRoomsResponse> {
  const size = Math.min(req.pageSize || 100, 1000);
  const query = roomQuery(req);
  const after = req.pageToken ? decodePageToken(req.pageToken, query) : undefined;
  const listings = new Map<string, RoomListingData>();
  const list = async (n: number, from?: string) => {
    const page = await store.listRooms(n, from, query);
    for (const r of page.rooms ?? []) listings.set(r.roomId, r);
    return page;
  };
  // A token limited to some rooms (src/auth) sees only those, paging through them alone.
  const scope = requestScope(req);
  const page = !scope ? await list(size, after)
    : query.order === "activity" ? await scopedByActivity(list, scope, size, after)
      : await listInScope(list, scope, size, after);
  return {
    roomIds: page.roomIds,
    nextPageToken: page.next ? encodePageToken(page.next, query) : "",
    rooms: page.roomIds.map((id) => listingToProto(listings.get(id) ?? { roomId: id, title: "", namespace: "", labels: [] })),
  };
}

function roomQuery(req: pb.ListRoomsRequest): RoomQuery {
  const query: RoomQuery = {};
  const namespace = checkNamespaceFilter(req.namespace);
  const label = checkLabelFilter(req.label);
  if (namespace) query.namespace = namespace;
  if (label) query.label = label;
  if (req.prefix) query.prefix = check.checkRoomId(req.prefix, "prefix");
  if (req.order === ListRoomsOrder.LIST_ROOMS_ORDER_LAST_ACTIVITY) query.order = "activity";
  else if (req.order !== ListRoomsOrder.LIST_ROOMS_ORDER_ID && req.order !== ListRoomsOrder.LIST_ROOMS_ORDER_UNSPECIFIED) {
    throw invalid("order", `unknown order ${req.order}`);
  }
  return query;
}

/** Activity order does not follow room ids, so a scoped listing filters store pages by prefix. */
async function scopedByActivity(
  list: (n: number, from?: string) => Promise<RoomPage>, prefixes: readonly string[], size: number, after?: string,
): Promise<RoomPage> {
  const roomIds: string[] = [];
  let cursor = after;
  for (let scans = 0; scans < MAX_SCANS && roomIds.length < size; scans++) {
    const page = await list(size - roomIds.length, cursor);
    for (const id of page.roomIds) if (prefixes.some((p) => id.startsWith(p))) roomIds.push(id);
    if (page.next === undefined) return { roomIds };
    cursor = page.next;
  }
  return { roomIds, next: cursor };
}

/**
 * Page tokens are opaque to clients. Unfiltered by-id pages keep the original form (the last room id,
 * base64url), so tokens handed out before filters existed still work; any other page's token is
 * base64url JSON {a: where the next page starts, n: namespace, l: label, o: order}, refused with other
 * filters or another order.
 */
function encodePageToken(next: string, query: RoomQuery): string {
  const plain = !query.namespace && !query.label && !query.prefix && query.order !== "activity";
  const text = plain ? next : JSON.stringify({
    a: next, n: query.namespace ?? "", l: query.label ?? "", o: query.order ?? "id", ...(query.prefix ? { p: query.prefix } : {}),
  });
  return Buffer.from(text, "utf8").toString("base64url");
}

function decodePageToken(token: string, query: RoomQuery): string {
  const text = Buffer.from(token, "base64url").toString("utf8");
  // Room ids never contain braces, so a JSON token cannot be mistaken for a room id.
  if (!text.startsWith("{")) {
    if (query.namespace || query.label || query.prefix || query.order === "activity") throw mismatch();
    return check.checkRoomId(text, "page_token");
  }
  let t: { a?: unknown; n?: unknown; l?: unknown; o?: unknown; p?: unknown };
  try {
    t = JSON.parse(text) as typeof t;
  } catch {
    throw invalid("page_token", "is not a ListRooms page token");
  }
  if (typeof t.a !== "string") throw invalid("page_token", "is not a ListRooms page token");
  if (t.n !== (query.namespace ?? "") || t.l !== (query.label ?? "") || t.o !== (query.order ?? "id")
    || (t.p ?? "") !== (query.prefix ?? "")) throw mismatch();
  return t.a;
}

function mismatch() {
  return invalid("page_token", "was made for other filters or another order: a page token is only valid with the same namespace, label, prefix and order");
}
