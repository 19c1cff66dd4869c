/**
 * A call's room scope, handed from the interceptor to the handlers that need it (ListRooms) by the
 * request object itself: grpc-js gives the handler the very object the interceptor saw. A request with
 * no scope recorded is unrestricted (no tokens file, or a token for every room).
 */
import type { RoomPage } from "../store/store.js";

const scopes = new WeakMap<object, readonly string[]>();

/** Records the room-id prefixes the caller of `request` may see. */
export function setRequestScope(request: object, prefixes: readonly string[]): void {
  if (!prefixes.includes("")) scopes.set(request, prefixes);
}

/** The room-id prefixes the caller may see; undefined: every room. */
export function requestScope(request: object): readonly string[] | undefined {
  return scopes.get(request);
}

/** Store pages one ListRooms call may scan before it answers with what it found and a page token. */
const MAX_SCANS = 16;

type ListPage = (pageSize: number, after?: string) => Promise<RoomPage>;

/**
 * A page of the rooms under `prefixes`, in the store's order, after `after`. Scanning jumps to each
 * prefix's first possible room instead of walking the rooms between them; a page may hold fewer than
 * `size` rooms (even none) and still have a `next`, when the scan budget ran out first.
 */
export async function listInScope(
  list: ListPage, prefixes: readonly string[], size: number, after?: string,
): Promise<RoomPage> {
  const sorted = [...new Set(prefixes)].sort(byCodeUnit);
  const roomIds: string[] = [];
  let cursor = after;
  for (let scans = 0; scans < MAX_SCANS && roomIds.length < size; scans++) {
    const start = startFor(sorted, cursor);
    if (start === null) return { roomIds };
    const page = await list(size - roomIds.length, start);
    for (const id of page.roomIds) if (sorted.some((p) => id.startsWith(p))) roomIds.push(id);
    cursor = page.roomIds.at(-1) ?? start;
    if (page.next === undefined) return { roomIds };
  }
  return { roomIds, next: cursor };
}

/**
 * Where the next store page should start: `cursor` when it lies inside a prefix or nothing in scope
 * lies before the next prefix, else just before that prefix. null: no prefix has rooms after `cursor`.
 */
function startFor(prefixes: readonly string[], cursor: string | undefined): string | undefined | null {
  const next = prefixes.find((p) => cursor === undefined || cursor.startsWith(p) || byCodeUnit(cursor, p) < 0);
  if (next === undefined) return null;
  if (cursor !== undefined && (cursor.startsWith(next) || byCodeUnit(cursor, next) >= 0)) return cursor;
  // Every room under `next` sorts at or after it, so after its one-shorter head (exclusive) is early enough.
  const before = next.slice(0, -1);
  if (before === "") return cursor;
  return cursor !== undefined && byCodeUnit(cursor, before) > 0 ? cursor : before;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
