/**
 * A room whole in the Redis store (HistoryStore.exportRoom / importRoom): export-room-5.lua reads it
 * in one snapshot, import-room-5.lua writes it atomically. This file turns the meta hash's fields into
 * RoomData and back; the field names are those of includes/common.lua and src/store/metadata-types.ts.
 */
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import { decodeEntry, encodeEntry, type Entry } from "../../domain/entry.js";
import { roomAlreadyExists } from "../../domain/errors.js";
import { withMarker } from "../../domain/legacy-text.js";
import { DEFAULT_COMPACTION_THRESHOLD, type AgentOptions } from "../agent-types.js";
import type { RoomKeys } from "../keys.js";
import type { RoomMetadataData } from "../metadata-types.js";
import { parseCursor } from "../run-cursor.js";
import type { RenderEncodingName, RenderSettings, WriteOptions } from "../store.js";
import { checkWindowBudget, importBudget, importedSeq } from "../transfer-rules.js";
import type { ImportMode, ImportOutcome, RoomData } from "../transfer-types.js";
import { createdAtOf, metadataFromFields, PARTICIPANT_FIELD_PREFIX } from "./metadata-fields.js";
import { labelsOfField } from "./metadata-script-calls.js";
import type { MetadataMove } from "./room-indexes.js";
import {
  headArgv, headKeys, roomKeyList, type Committed, type Conflict, type IndexHints, type MutationHead, type TrimArchive,
} from "./script-calls.js";
import { ScriptCode } from "./scripts.js";

/** What the two functions below need of the RedisStore (its private parts, handed over by the store). */
export interface RedisTransferAccess {
  redis: Redis | Cluster;
  /** The room's keys, once its id is known to be usable in this layout (INVALID_ARGUMENT otherwise). */
  roomKeys(roomId: string): RoomKeys;
  /** A read, tried again after a lost connection. */
  read<T>(call: () => Promise<T>): Promise<T>;
  /** RedisStore.mutate: the CAS error, the index hints, the durability wait. */
  mutate(
    roomId: string, opts: WriteOptions, script: (head: MutationHead) => Promise<ImportReply | Conflict>,
    moved: (reply: ImportReply) => MetadataMove,
  ): Promise<ImportReply>;
  /** Tells the turn observer (the memory bank's activity index) of a namespaced room's turns. */
  tellTurn(roomId: string, namespace: string, version: number): void;
  legacyMarkers: boolean;
  /** The server's byte budget of a room. */
  maxRoomBytes: number;
  /** The archive's byte limit and ttl. */
  archive: TrimArchive;
  logger: Logger;
}

/** Only a committed import moves the room (mutate() asks only then). */
const NO_MOVE: MetadataMove = { namespaceBefore: "", namespaceAfter: "", labelsBefore: [], labelsAfter: [] };

type ImportReply =
  | (Committed & { replaced: boolean; move: MetadataMove })
  | { code: ScriptCode.ALREADY_EXISTS; currentVersion: number; hints?: IndexHints };

export async function exportRoom(access: RedisTransferAccess, roomId: string): Promise<RoomData | undefined> {
  const k = access.roomKeys(roomId);
  const reply = await access.read(() => access.redis.rhExportRoom(...roomKeyList(k)));
  if (!reply) return undefined;
  const version = Number(reply[0]);
  let at = 1;
  const take = (): string[] => {
    const count = Number(reply[at]);
    const items = reply.slice(at + 1, at + 1 + count).map(String);
    at += 1 + count;
    return items;
  };
  const meta = record(take());
  const decode = (raws: string[]) => decodeAll(raws, roomId, access.logger);
  const [entries, archive, cursors] = [decode(take()), decode(take()), record(take())];
  const data: RoomData = {
    roomId, version, lastSeq: Number(meta.seq ?? 0),
    limit: numberOf(meta.limit), maxBytes: numberOf(meta.mb), ttlSeconds: numberOf(meta.ttl),
    rebackfill: meta.rebackfill === "1",
    metadata: metadataFromFields(meta), createdAt: createdAtOf(meta), updatedAt: meta.updated_at || undefined,
    entries, archive,
    renderDefaults: renderSettingsOf(meta), agentOptions: agentOptionsOf(meta),
    runCursors: Object.keys(cursors).sort().map((runId) => ({ runId, ...parseCursor(cursors[runId]) })),
  };
  data.lastSeq = importedSeq(data);
  return data;
}

export async function importRoom(access: RedisTransferAccess, data: RoomData, mode: ImportMode): Promise<ImportOutcome> {
  access.roomKeys(data.roomId);
  const stored = (e: Entry) => encodeEntry(access.legacyMarkers ? withMarker(e) : e);
  const window = data.entries.map(stored);
  checkWindowBudget(window.map((raw) => Buffer.byteLength(raw, "utf8")), importBudget(data, access.maxRoomBytes));
  const meta = metaItems(data);
  const archive = data.archive.flatMap((e) => [String(e.seq ?? 0), stored(e)]);
  const cursors = data.runCursors.flatMap((c) => [c.runId, JSON.stringify({ next_seq: String(c.nextSeq), values: c.values })]);
  const opts: WriteOptions = { expectedVersion: mode.expectedVersion };
  const moved = (r: ImportReply) => (r.code === ScriptCode.OK ? r.move : NO_MOVE);
  const reply = await access.mutate(data.roomId, opts, async (head) => {
    const raw = await access.redis.rhImportRoom(
      ...headKeys(head), ...headArgv(head), mode.replaceExisting ? "1" : "", Math.trunc(data.version), importedSeq(data),
      access.archive.maxBytes, access.archive.ttlSeconds, data.updatedAt ?? "",
      meta.length, window.length, archive.length, cursors.length, ...meta, ...window, ...archive, ...cursors,
    );
    return importReply(raw);
  }, moved);
  if (reply.code === ScriptCode.ALREADY_EXISTS) throw roomAlreadyExists(data.roomId, reply.currentVersion);
  // Turns that arrive in a namespace join its memory bank's activity, as a moved room's do.
  if (data.metadata.namespace && data.entries.length > 0) access.tellTurn(data.roomId, data.metadata.namespace, reply.version);
  return { version: reply.version, replaced: reply.replaced };
}

function importReply(reply: (string | number)[]): ImportReply | Conflict {
  switch (reply[0]) {
    case ScriptCode.VERSION_CONFLICT:
      return { code: ScriptCode.VERSION_CONFLICT, currentVersion: Number(reply[1]) };
    case ScriptCode.ALREADY_EXISTS:
      return { code: ScriptCode.ALREADY_EXISTS, currentVersion: Number(reply[1]) };
    case ScriptCode.OK: {
      const [namespaceBefore, namespaceAfter, labelsBefore, labelsAfter] = reply.slice(6, 10).map(String);
      return {
        code: ScriptCode.OK, version: Number(reply[1]), replaced: Number(reply[5]) === 1,
        hints: { addRoom: Number(reply[2]) === 1, expiry: String(reply[3]), activity: String(reply[4]) },
        move: { namespaceBefore, namespaceAfter, labelsBefore: labelsOfField(labelsBefore), labelsAfter: labelsOfField(labelsAfter) },
      };
    }
    default:
      throw new Error(`import-room-5.lua returned an unexpected reply: ${JSON.stringify(reply.slice(0, 3))}`);
  }
}

/**
 * The meta hash fields an import writes, as the scripts that own them write them: limit and mb
 * (set-limit), ttl (set-retention), rebackfill, tpl/ctx/enc (set-render-defaults), cth/mct/okeys/atr
 * (set-agent-options), the metadata and crt (metadata-types.ts). An unset value writes no field.
 */
function metaItems(data: RoomData): string[] {
  const items: string[] = [];
  const put = (field: string, value: string | number | undefined | false) => {
    if (value !== undefined && value !== "" && value !== false) items.push(field, String(value));
  };
  put("limit", data.limit);
  put("mb", data.maxBytes);
  put("ttl", data.ttlSeconds);
  put("rebackfill", data.rebackfill && "1");
  const render = data.renderDefaults;
  if (render) {
    put("tpl", render.template);
    put("ctx", render.context === undefined ? undefined : JSON.stringify(render.context));
    put("enc", render.encoding);
  }
  const agent = data.agentOptions;
  if (agent) {
    put("cth", agent.compactionThreshold.toPrecision(17));
    put("mct", agent.maxContextTokens || undefined);
    put("okeys", agent.outputKeys.length ? JSON.stringify(agent.outputKeys) : undefined);
    put("atr", agent.archiveTrimmed && "1");
  }
  items.push(...metadataItems(data.metadata));
  const created = data.createdAt === undefined ? NaN : Date.parse(data.createdAt);
  put("crt", Number.isFinite(created) ? created : undefined);
  return items;
}

/** The metadata's meta hash fields (src/store/metadata-types.ts). */
function metadataItems(m: RoomMetadataData): string[] {
  const items: string[] = [];
  if (m.title) items.push("title", m.title);
  if (m.namespace) items.push("ns", m.namespace);
  if (m.summary) items.push("summary", m.summary);
  const labels = [...new Set(m.labels)].sort();
  if (labels.length) items.push("labels", JSON.stringify(labels));
  for (const p of m.participants) {
    const value: { n: string; f?: number; l?: number } = { n: p.displayName };
    if (p.firstSeenMs !== undefined) value.f = p.firstSeenMs;
    if (p.lastSeenMs !== undefined) value.l = p.lastSeenMs;
    items.push(`${PARTICIPANT_FIELD_PREFIX}${p.id}`, JSON.stringify(value));
  }
  const count = new Set(m.participants.map((p) => p.id)).size;
  if (count) items.push("pc", String(count));
  return items;
}

function record(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

function numberOf(value: string | undefined): number | undefined {
  return value === undefined || value === "" ? undefined : Number(value);
}

const ENCODINGS: ReadonlySet<string> = new Set<RenderEncodingName>(["", "o200k_base", "cl100k_base"]);

/** The room's render defaults (tpl, ctx, enc); undefined when none is set. */
function renderSettingsOf(meta: Record<string, string>): RenderSettings | undefined {
  if (meta.tpl === undefined && meta.ctx === undefined && meta.enc === undefined) return undefined;
  let context: Record<string, unknown> | undefined;
  try {
    const value: unknown = meta.ctx === undefined ? undefined : JSON.parse(meta.ctx);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) context = value as Record<string, unknown>;
  } catch {
    // Written from JSON.stringify only; an unreadable one exports as none, as a read renders it.
  }
  const encoding = ENCODINGS.has(meta.enc ?? "") ? (meta.enc ?? "") as RenderEncodingName : "";
  return { template: meta.tpl ?? "", context, encoding };
}

/** The room's agent options (cth is always stored with them); undefined when never set. */
function agentOptionsOf(meta: Record<string, string>): AgentOptions | undefined {
  if (meta.cth === undefined) return undefined;
  let outputKeys: string[] = [];
  try {
    const value: unknown = meta.okeys ? JSON.parse(meta.okeys) : [];
    if (Array.isArray(value)) outputKeys = value.filter((k): k is string => typeof k === "string");
  } catch {
    // Written from JSON.stringify only: read as none.
  }
  const threshold = Number(meta.cth);
  return {
    maxContextTokens: Number(meta.mct ?? 0),
    compactionThreshold: threshold > 0 && threshold <= 1 ? threshold : DEFAULT_COMPACTION_THRESHOLD,
    outputKeys,
    archiveTrimmed: meta.atr === "1",
  };
}

function decodeAll(raws: string[], roomId: string, logger: Logger): Entry[] {
  const entries: Entry[] = [];
  for (const raw of raws) {
    const entry = decodeEntry(raw);
    if (entry) entries.push(entry);
  }
  if (entries.length < raws.length) logger.warn({ roomId, corrupt: raws.length - entries.length }, "export skipped corrupted entries");
  return entries;
}
