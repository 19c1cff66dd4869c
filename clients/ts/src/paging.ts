/**
 * Reading a room's window in pages (GetHistory page_size/page_token), so that no reply is larger than
 * the server's reply limit however large the room. Pages continue after the last seq the previous one
 * returned; each carries the room's version, so a read whose pages disagree (the room changed while
 * it was read) is started again, and after a few such restarts fails for the caller to retry later.
 */
import { status } from "@grpc/grpc-js";
import { AbortedError } from "./errors.js";
import type { Message } from "./gen/roomhistory/v1/message.js";
import type { RoomHistoryClient } from "./client.js";
import type { RoomWindow } from "./window.js";

/** Messages per page when reading a whole room: a default window (100 turns) in one or two pages. */
export const DEFAULT_PAGE_SIZE = 200;

/** Restarts of a read whose pages came from different versions before it gives up. */
const MAX_RESTARTS = 3;

/** Thrown when a room kept changing while it was read page by page (ABORTED); retrying later is safe. */
export class RoomChangedWhilePagingError extends AbortedError {
  constructor(readonly roomId: string) {
    const details = `room ${roomId} changed while it was read in pages ${MAX_RESTARTS + 1} times`;
    super(status.ABORTED, details, { reason: "", metadata: { room_id: roomId } });
  }
}

/**
 * The room's window after `afterSeq` (0: all of it) at one version, read in pages of `pageSize`
 * messages.
 */
export async function readWindow(
  client: RoomHistoryClient, roomId: string, afterSeq = 0, pageSize = DEFAULT_PAGE_SIZE,
): Promise<RoomWindow> {
  for (let attempt = 0; attempt <= MAX_RESTARTS; attempt++) {
    const first = await client.getHistory({ roomId, afterSeq, pageSize });
    const messages: Message[] = [...first.messages];
    let pageToken = first.nextPageToken;
    let consistent = true;
    while (pageToken && consistent) {
      const page = await client.getHistory({ roomId, pageSize, pageToken });
      consistent = page.version === first.version;
      messages.push(...page.messages);
      pageToken = page.nextPageToken;
    }
    if (consistent) return { version: first.version, messages };
  }
  throw new RoomChangedWhilePagingError(roomId);
}
