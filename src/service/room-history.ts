/**
 * The RoomHistoryService handlers: validate, call the store, shape the reply. No Redis here and no
 * gRPC status codes: failures are DomainErrors, mapped once in src/server/errors.ts.
 */
import type * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { structSize } from "../wire/struct-size.js";
import { wireSizeBound } from "../wire/size-bound.js";
import { clampLimit, type HistoryStore, type RoomSnapshot } from "../store/store.js";
import { nowIso } from "../domain/timestamps.js";
import type { PromptTemplates } from "../prompt/templates.js";
import { entryToMessage, isoToTimestamp, messageToEntry, roleFromName, timestampToIso } from "../wire/convert.js";
import { Encoded, EncodedWindow } from "../wire/encoded.js";
import { encodedRenderResponse, renderAhead, renderOptions } from "./render.js";
import { rememberEstimate } from "./usage-memory.js";
import { cursorAfter, cursorStart, decodeHistoryToken, encodeHistoryToken, historyStart } from "./history.js";
import * as check from "../wire/validate.js";
import { appendOptions, writeOptions, type DurabilityDefaults } from "./write-options.js";
import { COUNTED_ROLES } from "../domain/entry.js";
import { tooLarge } from "../domain/errors.js";
import { DEFAULT_DURABILITY, DEFAULT_MAX_REPLY_BYTES } from "../defaults.js";
import { editedTokens, withTokens } from "./entry-tokens.js";
import { encodingEnum, reportUsage, setRoomRenderDefaults, templateContext, type RenderSettingsDeps } from "./render-settings.js";
import { listRooms } from "./room-listing.js";
import { updateRoomMetadata } from "./metadata.js";
import { metadataToProto } from "../wire/metadata.js";
import type { UpdateRoomMetadataRequest, UpdateRoomMetadataResponse } from "@roomhistory/client/gen/roomhistory/v1/metadata.js";
import { agentInfo, setAgentOptions } from "./agent-options.js";
import { filteredSnapshot, filterKey, runFilter, type Derive, type RunFilter } from "./run-filter.js";
import {
  memoryBankBlock, memoryBankVars, startBankRead, withMemoryBank, withMemoryBankTokens, type MemoryBankBlock,
} from "./render-memory.js";
import type { BankStore } from "../store/bank/bank-store.js";
import { hooks } from "../observability/hooks.js";


/** What a reply carries besides its messages, at most: the version and a page token. */
const REPLY_HEAD_BYTES = 64;

export class RoomHistoryHandlers {
  constructor(
    private readonly store: HistoryStore,
    private readonly templates: PromptTemplates,
    private readonly limits: check.Limits,
    private readonly durability: DurabilityDefaults = { timeoutMs: DEFAULT_DURABILITY.timeoutMs },
    private readonly maxReplyBytes = DEFAULT_MAX_REPLY_BYTES,
    /** The namespace memory banks RenderMessages' memory_bank option reads (src/service/render-memory.ts). */
    private readonly memoryBank?: Pick<BankStore, "readBank">,
  ) {}

  async appendMessages(req: pb.AppendMessagesRequest): Promise<pb.AppendMessagesResponse> {
    const roomId = check.checkRoomId(req.roomId);
    // A message is encoded to measure it only when its size bound could exceed the limit.
    const max = this.limits.maxMessageBytes;
    check.checkBatch(req.messages, req.messages.map((m) => {
      const bound = wireSizeBound(m);
      return bound <= max ? bound : Message.encode(m).finish().length;
    }), this.limits);
    const opts = appendOptions(req, this.durability);
    // Counted here, before the store, so that both stores keep the same count with the entry.
    const entries = await withTokens(req.messages.map(messageToEntry));
    const r = await this.store.append(roomId, entries, opts);
    return { version: r.version, messages: r.entries.map(entryToMessage), trimmed: r.trimmed, replayed: r.replayed };
  }

  /**
   * Every read is a run of the window's messages ending at its end (after_seq and limit choose the
   * start), cut into pages of at most page_size messages and the reply limit; the window is encoded
   * once per room version, kept under the read cache's budget, and a reply is a view into it.
   */
  async getHistory(req: pb.GetHistoryRequest): Promise<Encoded> {
    const roomId = check.checkRoomId(req.roomId);
    const cursor = req.pageToken ? decodeHistoryToken(req.pageToken) : undefined;
    const filter = runFilter(req);
    const room = await this.store.read(roomId);
    // A run/phase filter reads the same way over the matching messages (src/service/run-filter.ts).
    const derive: Derive = (key, make) => this.store.snapshots.derive(roomId, room, key, make);
    const snap = filteredSnapshot(room, filter, derive);
    const window = derive(filterKey(filter, "history"), () => {
      const value = EncodedWindow.encode(snap.version, snap.entries.map(entryToMessage));
      return { value, bytes: value.bytes.length };
    });
    const from = cursor ? cursorStart(snap.entries, cursor) : historyStart(snap.entries, req.afterSeq, req.limit);
    const end = req.pageSize ? Math.min(window.count, from + req.pageSize) : window.count;
    const budget = this.maxReplyBytes - REPLY_HEAD_BYTES;
    // A page stops early at the reply limit; a read with no page limit that does not fit is refused.
    const to = req.pageSize ? Math.max(window.fit(from, end, budget), Math.min(from + 1, end)) : end;
    if (window.size(from, to) > budget) {
      throw tooLarge("page_size", `the messages asked for take ${window.size(from, end)} bytes, more than the reply ` +
        `limit of ${this.maxReplyBytes} bytes (ROOMHISTORY_MAX_REPLY_BYTES): read them in pages (page_size, page_token)`);
    }
    const token = to < window.count ? encodeHistoryToken(cursorAfter(snap.entries, to)) : "";
    return window.reply(from, to, token);
  }

  async renderMessages(req: pb.RenderMessagesRequest): Promise<pb.RenderMessagesResponse | Encoded> {
    const roomId = check.checkRoomId(req.roomId);
    // ts-proto hands google.protobuf.Struct over as a plain object already.
    if (req.roomContext) check.checkContextSize(structSize(req.roomContext), this.limits);
    const filter = runFilter(req);
    // The read goes out first (the store revalidates its cached snapshot in one round trip); while it
    // is on its way the render is made from that cached snapshot (renderAhead), and it is answered only
    // if the read returns that very snapshot: never older than a write acknowledged before the call.
    const early = startBankRead(this.memoryBank, this.store.snapshots.get(roomId)?.snapshot, req);
    const reading = this.store.read(roomId);
    const ahead = renderAhead(this.store.snapshots.get(roomId)?.snapshot, req,
      (from) => this.renderSnapshot(roomId, from, req, filter));
    const read = await reading;
    const bank = await memoryBankBlock(this.memoryBank, read, req, early);
    const { reply, estimatedTokens, version, format } = ahead?.from === read
      ? ahead.made : this.renderSnapshot(roomId, read, req, filter, bank);
    if (reply.length > this.maxReplyBytes) {
      throw tooLarge("room_id", `the rendered room takes ${reply.length} bytes, more than the reply limit of ` +
        `${this.maxReplyBytes} bytes (ROOMHISTORY_MAX_REPLY_BYTES); lower the room's max_bytes (SetRoomLimit) or set max_tokens`);
    }
    // ReportUsage may omit estimated_tokens: it then compares with this render's estimate.
    rememberEstimate(roomId, version, format, estimatedTokens);
    return withMemoryBankTokens(reply, bank);
  }

  /** RenderMessages' reply from one snapshot of the room (synchronous: renderAhead runs it ahead of the read). */
  private renderSnapshot(
    roomId: string, read: RoomSnapshot, req: pb.RenderMessagesRequest, filter: RunFilter | undefined, bank?: MemoryBankBlock,
  ) {
    const derive: Derive = (key, make) => this.store.snapshots.derive(roomId, read, key, make);
    // A run/phase filter renders the matching messages only (tool calls repaired after the filter).
    const snap = filteredSnapshot(read, filter, derive);
    const room = snap.renderDefaults;
    const options = renderOptions(req, room);
    const context = { ...templateContext(snap, req.roomContext, roomId), ...memoryBankVars(bank) };
    const system = withMemoryBank(bank, this.templates.render(req.template || room?.template || "", context));
    const made = encodedRenderResponse(snap, system, options, (key, make) => derive(filterKey(filter, key), make));
    return { ...made, version: snap.version, format: options.format };
  }

  async updateMessage(req: pb.UpdateMessageRequest): Promise<pb.UpdateMessageResponse> {
    const roomId = check.checkRoomId(req.roomId);
    const id = check.checkMessageId(req.messageId);
    check.checkUpdateContent(req.content, this.limits);
    const tokens = await editedTokens(this.store, roomId, id, req.content);
    const r = await this.store.patchMessage(roomId, id, { op: "update", content: req.content, tokens },
      writeOptions(req, this.durability));
    return { version: r.version, message: entryToMessage(r.entry) };
  }

  async markDeleted(req: pb.MarkDeletedRequest): Promise<pb.MarkDeletedResponse> {
    const roomId = check.checkRoomId(req.roomId);
    const id = check.checkMessageId(req.messageId);
    const deletedAt = timestampToIso(req.deletedAt, "deleted_at") ?? nowIso();
    const r = await this.store.patchMessage(roomId, id, { op: "delete", deletedAt }, writeOptions(req, this.durability));
    return { version: r.version, message: entryToMessage(r.entry) };
  }

  async patchReactions(req: pb.PatchReactionsRequest): Promise<pb.PatchReactionsResponse> {
    const roomId = check.checkRoomId(req.roomId);
    const id = check.checkMessageId(req.messageId);
    check.checkReactions(req.reactions);
    const reactions = req.reactions.map(({ emoji, count }) => (count ? { emoji, count } : { emoji }));
    const r = await this.store.patchMessage(roomId, id, { op: "reactions", reactions }, writeOptions(req, this.durability));
    return { version: r.version, message: entryToMessage(r.entry) };
  }

  async clearRoom(req: pb.ClearRoomRequest): Promise<pb.ClearRoomResponse> {
    return this.store.clear(check.checkRoomId(req.roomId), writeOptions(req, this.durability));
  }

  async setRoomLimit(req: pb.SetRoomLimitRequest): Promise<pb.SetRoomLimitResponse> {
    const roomId = check.checkRoomId(req.roomId);
    const r = await this.store.setLimit(roomId, clampLimit(req.limit), req.maxBytes, writeOptions(req, this.durability));
    return { limit: r.limit, version: r.version, rebackfillRequested: r.rebackfill, maxBytes: r.maxBytes, trimmed: r.trimmed };
  }

  async discardRebackfill(req: pb.DiscardRebackfillRequest): Promise<pb.DiscardRebackfillResponse> {
    return this.store.discardRebackfill(check.checkRoomId(req.roomId), writeOptions(req, this.durability));
  }

  async deleteRoom(req: pb.DeleteRoomRequest): Promise<pb.DeleteRoomResponse> {
    return this.store.deleteRoom(check.checkRoomId(req.roomId), writeOptions(req, this.durability));
  }

  async setRoomRetention(req: pb.SetRoomRetentionRequest): Promise<pb.SetRoomRetentionResponse> {
    const roomId = check.checkRoomId(req.roomId);
    const ttl = check.checkRetention(req.idleTtlSeconds);
    const r = await this.store.setRetention(roomId, ttl, writeOptions(req, this.durability));
    return { version: r.version, idleTtlSeconds: r.ttlSeconds, retentionIsDefault: r.isDefault };
  }

  async setRoomRenderDefaults(req: pb.SetRoomRenderDefaultsRequest): Promise<pb.SetRoomRenderDefaultsResponse> {
    return setRoomRenderDefaults(this.settingsDeps(), req);
  }

  async reportUsage(req: pb.ReportUsageRequest): Promise<pb.ReportUsageResponse> {
    return reportUsage(this.settingsDeps(), req);
  }

  async setAgentOptions(req: pb.SetAgentOptionsRequest): Promise<pb.SetAgentOptionsResponse> {
    return setAgentOptions(this.store, this.durability, req);
  }

  private settingsDeps(): RenderSettingsDeps {
    return { store: this.store, templates: this.templates, limits: this.limits, durability: this.durability };
  }

  async reapIdleRooms(req: pb.ReapIdleRoomsRequest): Promise<pb.ReapIdleRoomsResponse> {
    const limit = Math.min(req.limit || 1000, 10_000);
    const r = await this.store.reapIdle({ maxIdleSeconds: req.maxIdleSeconds, dryRun: req.dryRun, limit });
    if (!req.dryRun) hooks.roomsReaped(r.roomIds.length);
    return { roomIds: r.roomIds, count: r.roomIds.length, more: r.more };
  }

  async getRoomInfo(req: pb.GetRoomInfoRequest): Promise<pb.GetRoomInfoResponse> {
    const snap = await this.store.read(check.checkRoomId(req.roomId));
    return {
      version: snap.version,
      messageCount: snap.entries.filter((e) => COUNTED_ROLES.has(e.role)).length,
      entryCount: snap.entries.length,
      limit: snap.limit,
      lastRole: roleFromName(snap.entries.at(-1)?.role),
      rebackfillRequested: snap.rebackfill,
      updatedAt: isoToTimestamp(snap.updatedAt),
      idleTtlSeconds: snap.ttlSeconds,
      retentionIsDefault: snap.retentionIsDefault,
      expiresAt: isoToTimestamp(snap.expiresAt),
      exists: snap.exists,
      windowBytes: snap.bytes,
      maxBytes: snap.maxBytes,
      template: snap.renderDefaults?.template ?? "",
      roomContext: snap.renderDefaults?.context,
      encoding: encodingEnum(snap.renderDefaults?.encoding ?? ""),
      calibration: snap.renderDefaults?.calibration ?? 1,
      ...agentInfo(snap),
      metadata: metadataToProto(snap.metadata),
      createdAt: isoToTimestamp(snap.createdAt),
    };
  }

  async listRooms(req: pb.ListRoomsRequest): Promise<pb.ListRoomsResponse> {
    return listRooms(this.store, req);
  }

  async updateRoomMetadata(req: UpdateRoomMetadataRequest): Promise<UpdateRoomMetadataResponse> {
    return updateRoomMetadata(this.store, this.durability, req);
  }
}
