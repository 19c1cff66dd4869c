/**
 * RoomHistoryClient: promise-returning methods over the generated grpc-js client. Requests are partial
 * objects completed with the generated fromPartial; every call has a deadline; failures are typed
 * errors; calls that are safe to repeat (reads, appends with their idempotency key, mutations with an
 * expected_version) retry UNAVAILABLE and DEADLINE_EXCEEDED with backoff, and a quota's RESOURCE_EXHAUSTED
 * after the server's RetryInfo delay (src/backoff.ts). TLS and the bearer token: src/auth.ts.
 */
import { randomBytes } from "node:crypto";
import type { CallOptions, PartialRequest } from "./core.js";
import * as pb from "./gen/roomhistory/v1/room_history_service.js";
import { ClientClosedError } from "./errors.js";
import { TransferClient } from "./transfer.js";
import { WatchStream, type WatchOptions, type WatchRooms, type WatchSelector } from "./watch.js";

export { DEFAULT_TIMEOUT_MS, type CallOptions, type PartialRequest, type RoomHistoryClientOptions } from "./core.js";

/**
 * A client for one roomhistory server (or a load balancer in front of several). Cheap to share: one
 * channel multiplexes every call and watch. Close it when done. Its methods come in layers: the core
 * (core.ts: channel, deadlines, retries), room metadata and the memory bank (memory-bank.ts), export and
 * import (transfer.ts), and the room calls, watch and close below.
 */
export class RoomHistoryClient extends TransferClient {
  private readonly watches = new Set<WatchStream>();

  /**
   * AppendMessages. The request always carries an idempotency key: yours, or a new random key per call
   * when it has none (undefined or ""), and is retried on UNAVAILABLE and DEADLINE_EXCEEDED with that same
   * key: the server stores the messages once and a retry answers the first call's result (`replayed`
   * true).
   */
  appendMessages(
    req: PartialRequest<pb.AppendMessagesRequest>, opts?: CallOptions,
  ): Promise<pb.AppendMessagesResponse> {
    const idempotencyKey = req.idempotencyKey || newIdempotencyKey(); // "" too: a full request's default
    return this.unary("appendMessages", pb.AppendMessagesRequest.fromPartial({ ...req, idempotencyKey }), opts);
  }

  /** GetHistory: the room's window and version. Retried. */
  getHistory(req: PartialRequest<pb.GetHistoryRequest>, opts?: CallOptions): Promise<pb.GetHistoryResponse> {
    return this.unary("getHistory", pb.GetHistoryRequest.fromPartial(req), opts);
  }

  /**
   * RenderMessages: the room ready for a chat API (`format`: OpenAI chat by default, or Anthropic
   * messages; `senderStyle`, `idMarkers`, `maxTokens` with `encoding`: see the proto; `memoryBank`: the
   * namespace's memory bank block for the template, or also before the system prompt, within
   * `memoryBankMaxTokens`). Retried.
   */
  renderMessages(
    req: PartialRequest<pb.RenderMessagesRequest>, opts?: CallOptions,
  ): Promise<pb.RenderMessagesResponse> {
    return this.unary("renderMessages", pb.RenderMessagesRequest.fromPartial(req), opts);
  }

  /**
   * SetRoomRenderDefaults: the template, stored roomContext and token encoding renderMessages uses for the
   * room when a call does not say, all three at once (what is left out returns to the server's default).
   * Watchers get CHANGE_KIND_RENDER_DEFAULTS. Retried only with an expectedVersion.
   */
  setRoomRenderDefaults(
    req: PartialRequest<pb.SetRoomRenderDefaultsRequest>, opts?: CallOptions,
  ): Promise<pb.SetRoomRenderDefaultsResponse> {
    return this.unary("setRoomRenderDefaults", pb.SetRoomRenderDefaultsRequest.fromPartial(req), opts);
  }

  /**
   * ReportUsage: the provider's input-token count for a render of the room at `version`, so the server
   * calibrates the room's estimates. Never retried: each report counts once.
   */
  reportUsage(req: PartialRequest<pb.ReportUsageRequest>, opts?: CallOptions): Promise<pb.ReportUsageResponse> {
    return this.unary("reportUsage", pb.ReportUsageRequest.fromPartial(req), opts);
  }

  /** UpdateMessage. Retried only with an expectedVersion (see retrySafe in backoff.ts). */
  updateMessage(req: PartialRequest<pb.UpdateMessageRequest>, opts?: CallOptions): Promise<pb.UpdateMessageResponse> {
    return this.unary("updateMessage", pb.UpdateMessageRequest.fromPartial(req), opts);
  }

  /** MarkDeleted. Retried only with an expectedVersion (see retrySafe in backoff.ts). */
  markDeleted(req: PartialRequest<pb.MarkDeletedRequest>, opts?: CallOptions): Promise<pb.MarkDeletedResponse> {
    return this.unary("markDeleted", pb.MarkDeletedRequest.fromPartial(req), opts);
  }

  /** PatchReactions. Retried only with an expectedVersion (see retrySafe in backoff.ts). */
  patchReactions(
    req: PartialRequest<pb.PatchReactionsRequest>, opts?: CallOptions,
  ): Promise<pb.PatchReactionsResponse> {
    return this.unary("patchReactions", pb.PatchReactionsRequest.fromPartial(req), opts);
  }

  /** ClearRoom. Retried only with an expectedVersion (see retrySafe in backoff.ts). */
  clearRoom(req: PartialRequest<pb.ClearRoomRequest>, opts?: CallOptions): Promise<pb.ClearRoomResponse> {
    return this.unary("clearRoom", pb.ClearRoomRequest.fromPartial(req), opts);
  }

  /** SetRoomLimit. Retried only with an expectedVersion (see retrySafe in backoff.ts). */
  setRoomLimit(req: PartialRequest<pb.SetRoomLimitRequest>, opts?: CallOptions): Promise<pb.SetRoomLimitResponse> {
    return this.unary("setRoomLimit", pb.SetRoomLimitRequest.fromPartial(req), opts);
  }

  /** DiscardRebackfill. Retried only with an expectedVersion (see retrySafe in backoff.ts). */
  discardRebackfill(
    req: PartialRequest<pb.DiscardRebackfillRequest>, opts?: CallOptions,
  ): Promise<pb.DiscardRebackfillResponse> {
    return this.unary("discardRebackfill", pb.DiscardRebackfillRequest.fromPartial(req), opts);
  }

  /** GetRoomInfo: version, size, limit, retention and marks. Retried. */
  getRoomInfo(req: PartialRequest<pb.GetRoomInfoRequest>, opts?: CallOptions): Promise<pb.GetRoomInfoResponse> {
    return this.unary("getRoomInfo", pb.GetRoomInfoRequest.fromPartial(req), opts);
  }

  /**
   * ListRooms: one page of room ids (and `rooms`: their title, namespace, labels and last activity),
   * optionally only a `namespace`'s or a `label`'s, by id or by last activity (`order`). Retried.
   */
  listRooms(req: PartialRequest<pb.ListRoomsRequest> = {}, opts?: CallOptions): Promise<pb.ListRoomsResponse> {
    return this.unary("listRooms", pb.ListRoomsRequest.fromPartial(req), opts);
  }

  /**
   * Every room id ListRooms lists, in order, page after page (`opts` apply to each page's call). The first
   * argument is the page size, or the request without its pageToken: `{ pageSize, namespace, label, order }`.
   */
  async *iterRooms(
    request: number | Omit<PartialRequest<pb.ListRoomsRequest>, "pageToken"> = 0, opts?: CallOptions,
  ): AsyncGenerator<string, void, undefined> {
    const filters = typeof request === "number" ? { pageSize: request } : request;
    let pageToken = "";
    do {
      const page = await this.listRooms({ ...filters, pageToken }, opts);
      yield* page.roomIds;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /**
   * DeleteRoom: removes the room's history, settings and ListRooms entry; its version stays as a
   * tombstone (watchers get CHANGE_KIND_DELETED). Retried only with an expectedVersion.
   */
  deleteRoom(req: PartialRequest<pb.DeleteRoomRequest>, opts?: CallOptions): Promise<pb.DeleteRoomResponse> {
    return this.unary("deleteRoom", pb.DeleteRoomRequest.fromPartial(req), opts);
  }

  /**
   * SetRoomRetention: how long the room may stay idle before the server expires it (`idleTtlSeconds`
   * 0: never; unset: the server default). Retried only with an expectedVersion.
   */
  setRoomRetention(
    req: PartialRequest<pb.SetRoomRetentionRequest>, opts?: CallOptions,
  ): Promise<pb.SetRoomRetentionResponse> {
    return this.unary("setRoomRetention", pb.SetRoomRetentionRequest.fromPartial(req), opts);
  }

  /**
   * ReapIdleRooms: expires idle rooms now (or, with dryRun, lists them). Retried: a repeat expires only
   * rooms idle at that time, as any later run would; the answer then lists what the last attempt reaped.
   */
  reapIdleRooms(
    req: PartialRequest<pb.ReapIdleRoomsRequest> = {}, opts?: CallOptions,
  ): Promise<pb.ReapIdleRoomsResponse> {
    return this.unary("reapIdleRooms", pb.ReapIdleRoomsRequest.fromPartial(req), opts);
  }

  /**
   * SetAgentOptions: the room's context budget, compaction threshold (unset: 0.8), output keys and
   * archiveTrimmed, all at once. Watchers get CHANGE_KIND_AGENT_OPTIONS. Retried only with an expectedVersion.
   */
  setAgentOptions(
    req: PartialRequest<pb.SetAgentOptionsRequest>, opts?: CallOptions,
  ): Promise<pb.SetAgentOptionsResponse> {
    return this.unary("setAgentOptions", pb.SetAgentOptionsRequest.fromPartial(req), opts);
  }

  /**
   * PruneToolResults: old tool results become placeholders, originals go to the archive (`pruned` 0:
   * nothing happened). Watchers get CHANGE_KIND_PRUNE. Retried only with an expectedVersion.
   */
  pruneToolResults(
    req: PartialRequest<pb.PruneToolResultsRequest>, opts?: CallOptions,
  ): Promise<pb.PruneToolResultsResponse> {
    return this.unary("pruneToolResults", pb.PruneToolResultsRequest.fromPartial(req), opts);
  }

  /**
   * CompactHistory: the front of the window becomes one summary turn, the replaced turns go to the
   * archive (`compacted` 0: nothing happened). Watchers get CHANGE_KIND_COMPACT. Retried only with an
   * expectedVersion.
   */
  compactHistory(req: PartialRequest<pb.CompactHistoryRequest>, opts?: CallOptions): Promise<pb.CompactHistoryResponse> {
    return this.unary("compactHistory", pb.CompactHistoryRequest.fromPartial(req), opts);
  }

  /**
   * CompactPreservingStructure: free text before the split goes to the archive behind a reference turn,
   * tool calls stay (arguments shortened). Watchers get CHANGE_KIND_COMPACT. Retried only with an
   * expectedVersion.
   */
  compactPreservingStructure(
    req: PartialRequest<pb.CompactPreservingStructureRequest>, opts?: CallOptions,
  ): Promise<pb.CompactPreservingStructureResponse> {
    return this.unary("compactPreservingStructure", pb.CompactPreservingStructureRequest.fromPartial(req), opts);
  }

  /** GetArchive: one page of what pruning, compaction and archived trims moved away, oldest first. Retried. */
  getArchive(req: PartialRequest<pb.GetArchiveRequest>, opts?: CallOptions): Promise<pb.GetArchiveResponse> {
    return this.unary("getArchive", pb.GetArchiveRequest.fromPartial(req), opts);
  }

  /** SearchHistory: one page of turns by text, sender and time, optionally in the archive too. Retried. */
  searchHistory(req: PartialRequest<pb.SearchHistoryRequest>, opts?: CallOptions): Promise<pb.SearchHistoryResponse> {
    return this.unary("searchHistory", pb.SearchHistoryRequest.fromPartial(req), opts);
  }

  /** ExportSummary: the room's digest for an operator or a supervisor agent. Retried. */
  exportSummary(req: PartialRequest<pb.ExportSummaryRequest>, opts?: CallOptions): Promise<pb.ExportSummaryResponse> {
    return this.unary("exportSummary", pb.ExportSummaryRequest.fromPartial(req), opts);
  }

  /** GetRunCursor: a run's cursor (`exists` false: none yet). Retried. */
  getRunCursor(req: PartialRequest<pb.GetRunCursorRequest>, opts?: CallOptions): Promise<pb.GetRunCursorResponse> {
    return this.unary("getRunCursor", pb.GetRunCursorRequest.fromPartial(req), opts);
  }

  /**
   * UpdateRunCursor: sets a run's cursor (values merged; an empty value removes its key). Moves no
   * version. Retried only with an expectedNextSeq (ABORTED with reason CURSOR_CONFLICT when it differs).
   */
  updateRunCursor(
    req: PartialRequest<pb.UpdateRunCursorRequest>, opts?: CallOptions,
  ): Promise<pb.UpdateRunCursorResponse> {
    return this.unary("updateRunCursor", pb.UpdateRunCursorRequest.fromPartial(req), opts);
  }

  /**
   * Watch as an async iterator of changes that resumes by itself after a disconnect or a server restart
   * (see WatchStream). `rooms` are room ids (nothing known yet) or cursors with the version already held.
   */
  watch(rooms: WatchRooms, options: WatchOptions = {}): WatchStream {
    if (this.closed) throw new ClientClosedError();
    const merged = { ...options, backoff: { ...this.backoff, ...options.backoff } };
    const stream = new WatchStream(this.raw, rooms, merged, (s) => this.watches.delete(s));
    this.watches.add(stream);
    return stream;
  }

  /**
   * The WatchRooms RPC as a resuming watch (see watch()): `rooms` by id, and every room whose id starts
   * with `prefix` or of `namespace`, now and later (rooms created or moved in come with a `created`, then
   * a RESYNC from 0). Rooms and selectors can be followed and unfollowed on the open stream.
   */
  watchRooms(target: { rooms?: WatchRooms; prefix?: string; namespace?: string }, options: WatchOptions = {}): WatchStream {
    const selectors: WatchSelector[] = [...(options.selectors ?? [])];
    if (target.prefix) selectors.push({ prefix: target.prefix });
    if (target.namespace) selectors.push({ namespace: target.namespace });
    return this.watch(target.rooms ?? [], { ...options, selectors });
  }

  /**
   * Ends every watch of this client and closes the channel. Calls in flight and any later call reject
   * with ClientClosedError (a CancelledError); watch() then throws it.
   */
  close(): void {
    for (const w of [...this.watches]) w.close();
    this.closeChannel();
  }
}

/** A new idempotency key: 22 random URL-safe characters (128 bits). */
export function newIdempotencyKey(): string {
  return randomBytes(16).toString("base64url");
}
