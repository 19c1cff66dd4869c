/**
 * What both stores share of ListRooms' filters and orders: the activity cursor (where a page in
 * activity order ends: a score and a room id) and the test whether a room matches a query.
 */
import type { RoomQuery } from "./store.js";

/** The cursor after (score, roomId) in activity order: "<ms>:<room id>". */
export function activityCursor(score: number, roomId: string): string {
  return `${score}:${roomId}`;
}

export function parseActivityCursor(cursor: string): { score: number; roomId: string } | undefined {
  const colon = cursor.indexOf(":");
  const score = Number(cursor.slice(0, colon));
  if (colon <= 0 || !Number.isFinite(score)) return undefined;
  return { score, roomId: cursor.slice(colon + 1) };
}

/** Whether (score, roomId) comes after the cursor in activity order (newest first, ties by id descending). */
export function afterActivityCursor(score: number, roomId: string, cursor: { score: number; roomId: string }): boolean {
  return score < cursor.score || (score === cursor.score && roomId < cursor.roomId);
}

/** Whether a room with this namespace and these labels passes the query's filters. */
export function matchesQuery(query: RoomQuery, namespace: string, labels: readonly string[]): boolean {
  if (query.namespace && namespace !== query.namespace) return false;
  return !query.label || labels.includes(query.label);
}
