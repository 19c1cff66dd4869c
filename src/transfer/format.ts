/**
 * The export format "roomhistory.export.v1" (export.proto): JSON Lines, one ExportRecord per line in
 * the proto3 JSON mapping, header first. This module turns the stores' RoomData and BankData into
 * records and back; nothing here touches a store or the network. (The file form, one record per line,
 * is the TypeScript client's export-file.ts: the importers and the benchmark write and read it there.)
 */
import { metadataToProto } from "../wire/metadata.js";
import type {
  ExportRecord, ExportHeader, ExportedNamespace, ExportedRoom,
} from "@roomhistory/client/gen/roomhistory/v1/export.js";
import type { Timestamp } from "@roomhistory/client/gen/google/protobuf/timestamp.js";
import { MemoryGranularity, type MemoryBankEntry } from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import type { RoomMetadata } from "@roomhistory/client/gen/roomhistory/v1/metadata.js";
import { invalid } from "../domain/errors.js";
import { instantProblem, instantToIso, isoToInstant } from "../domain/timestamps.js";
import type { BankData, BankEntryData, Granularity } from "../store/bank/bank-types.js";
import type { RoomMetadataData } from "../store/metadata-types.js";
import type { RenderEncodingName } from "../store/store.js";
import type { RoomData } from "../store/transfer-types.js";
import { entryToMessage } from "../wire/convert.js";

/** The one format this version writes and reads. */
export const EXPORT_FORMAT = "roomhistory.export.v1";

/** The record that opens an export. */
export function headerRecord(source: string, exportedAt = new Date()): ExportRecord {
  return { header: { format: EXPORT_FORMAT, exportedAt: msToTimestamp(exportedAt.getTime()), source } };
}

/** INVALID_ARGUMENT unless the header names this format. */
export function checkHeader(header: ExportHeader, field = "record.header.format"): void {
  if (header.format !== EXPORT_FORMAT) {
    throw invalid(field, `must be "${EXPORT_FORMAT}", not ${JSON.stringify(header.format)}`);
  }
}

export function msToTimestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function timestampToMs(t: Timestamp | undefined): number | undefined {
  return t ? t.seconds * 1000 + Math.floor(t.nanos / 1_000_000) : undefined;
}

function isoTimestamp(text: string | undefined): Timestamp | undefined {
  return text ? isoToInstant(text) : undefined;
}

/** A record's timestamp as stored text; INVALID_ARGUMENT naming `field` outside Timestamp's range. */
function timestampIso(t: Timestamp | undefined, field: string): string | undefined {
  if (!t) return undefined;
  const problem = instantProblem(t);
  if (problem) throw invalid(field, problem);
  return instantToIso(t);
}

/** A stored room as its export record. */
export function roomToRecord(room: RoomData): ExportRecord {
  const exported: ExportedRoom = {
    roomId: room.roomId,
    version: room.version,
    lastSeq: room.lastSeq,
    limit: room.limit ?? 0,
    maxBytes: room.maxBytes ?? 0,
    idleTtlSeconds: room.ttlSeconds,
    rebackfillRequested: room.rebackfill,
    metadata: metadataToProto(room.metadata),
    createdAt: isoTimestamp(room.createdAt),
    updatedAt: isoTimestamp(room.updatedAt),
    messages: room.entries.map(entryToMessage),
    archive: room.archive.map(entryToMessage),
    renderDefaults: room.renderDefaults && {
      template: room.renderDefaults.template, roomContext: room.renderDefaults.context, encoding: room.renderDefaults.encoding,
    },
    agentOptions: room.agentOptions && { ...room.agentOptions, outputKeys: [...room.agentOptions.outputKeys] },
    runCursors: room.runCursors.map((c) => ({ runId: c.runId, nextSeq: c.nextSeq, values: { ...c.values } })),
  };
  return { room: exported };
}

export function metadataFromProto(m: RoomMetadata | undefined): RoomMetadataData {
  const participants = (m?.participants ?? []).map((p) => ({
    id: p.id,
    displayName: p.displayName,
    ...(p.firstSeen && { firstSeenMs: timestampToMs(p.firstSeen) }),
    ...(p.lastSeen && { lastSeenMs: timestampToMs(p.lastSeen) }),
  }));
  participants.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    title: m?.title ?? "",
    namespace: m?.namespace ?? "",
    participants,
    labels: [...new Set(m?.labels ?? [])].sort(),
    summary: m?.summary ?? "",
  };
}

const ENCODINGS: ReadonlySet<string> = new Set(["", "o200k_base", "cl100k_base"]);

/**
 * The settings of an exported room as RoomData, without its messages (the import service converts
 * and checks those like appended ones). Field errors name the record's fields.
 */
export function roomSettingsFromRecord(r: ExportedRoom): Omit<RoomData, "entries" | "archive"> {
  const at = "record.room";
  const encoding = r.renderDefaults?.encoding ?? "";
  if (!ENCODINGS.has(encoding)) throw invalid(`${at}.render_defaults.encoding`, 'must be "o200k_base", "cl100k_base" or empty');
  return {
    roomId: r.roomId,
    version: r.version,
    lastSeq: r.lastSeq,
    limit: r.limit || undefined,
    maxBytes: r.maxBytes || undefined,
    ttlSeconds: r.idleTtlSeconds,
    rebackfill: r.rebackfillRequested,
    metadata: metadataFromProto(r.metadata),
    createdAt: timestampIso(r.createdAt, `${at}.created_at`),
    updatedAt: timestampIso(r.updatedAt, `${at}.updated_at`),
    renderDefaults: r.renderDefaults && {
      template: r.renderDefaults.template,
      context: r.renderDefaults.roomContext,
      encoding: encoding as RenderEncodingName,
    },
    agentOptions: r.agentOptions && { ...r.agentOptions, outputKeys: [...r.agentOptions.outputKeys] },
    runCursors: r.runCursors.map((c) => ({ runId: c.runId, exists: true, nextSeq: c.nextSeq, values: { ...c.values } })),
  };
}

const GRANULARITY_OF: Record<Granularity, MemoryGranularity> = {
  conversation: MemoryGranularity.MEMORY_GRANULARITY_CONVERSATION,
  day: MemoryGranularity.MEMORY_GRANULARITY_DAY,
  week: MemoryGranularity.MEMORY_GRANULARITY_WEEK,
  month: MemoryGranularity.MEMORY_GRANULARITY_MONTH,
};
const GRANULARITY_NAME = new Map(Object.entries(GRANULARITY_OF).map(([name, g]) => [g, name as Granularity]));

/** A namespace's bank as its export record. */
export function bankToRecord(bank: BankData): ExportRecord {
  const namespace: ExportedNamespace = {
    options: { ...bank.options },
    entries: bank.entries.map(bankEntryToProto),
    droppedEntries: bank.droppedEntries,
  };
  return { namespace };
}

function bankEntryToProto(e: BankEntryData): MemoryBankEntry {
  return {
    id: e.id,
    granularity: GRANULARITY_OF[e.granularity],
    periodKey: e.periodKey,
    roomId: e.roomId,
    summary: e.summary,
    tokenCount: e.tokenCount,
    sourceMessageCount: e.sourceMessageCount,
    lastSourceAt: msToTimestamp(e.lastSourceAt),
    createdAt: msToTimestamp(e.createdAt),
    updatedAt: msToTimestamp(e.updatedAt),
    coversVersion: e.coversVersion,
    revision: e.revision,
  };
}

/** An exported namespace as BankData; INVALID_ARGUMENT naming the field when it cannot be one. */
export function bankFromRecord(n: ExportedNamespace): BankData {
  const at = "record.namespace";
  if (!n.options?.namespace) throw invalid(`${at}.options.namespace`, "is required");
  const entries = n.entries.map((e, i): BankEntryData => {
    const granularity = GRANULARITY_NAME.get(e.granularity);
    if (!granularity) throw invalid(`${at}.entries[${i}].granularity`, `unknown granularity ${e.granularity}`);
    if (!e.id) throw invalid(`${at}.entries[${i}].id`, "is required");
    return {
      id: e.id, granularity, periodKey: e.periodKey, roomId: e.roomId, summary: e.summary, tokenCount: e.tokenCount,
      sourceMessageCount: e.sourceMessageCount, lastSourceAt: timestampToMs(e.lastSourceAt) ?? 0,
      createdAt: timestampToMs(e.createdAt) ?? 0, updatedAt: timestampToMs(e.updatedAt) ?? 0,
      coversVersion: e.coversVersion, revision: e.revision,
    };
  });
  return { options: { ...n.options }, entries, droppedEntries: n.droppedEntries };
}

/** The one conversion, shared with GetRoomInfo (src/wire/metadata.ts). */
export { metadataToProto };
