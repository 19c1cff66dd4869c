/**
 * One typed function per Lua script (src/store/lua): named arguments in, the script's reply as named
 * fields out. Each function puts its arguments in the order of its script's header (`KEYS[i]`,
 * `ARGV[i]`), so the order lives here once and a call site cannot get it wrong. The raw commands are
 * registered in scripts.ts.
 */
import type { Cluster, Redis } from "ioredis";
import type { RoomKeys } from "../keys.js";
import { ScriptCode, type Reply } from "./scripts.js";

type Client = Redis | Cluster;

/** The room keys every room script takes first, KEYS[1..5] (includes/common.lua, args()). */
export type ScriptRoomKeys = Pick<RoomKeys, "list" | "version" | "meta" | "archive" | "cursors">;

/**
 * The room's KEYS[1..5] in the order of includes/common.lua: list, version, meta, archive, run
 * cursors. Every room script's key list starts with these, built here once.
 */
export function roomKeyList(k: ScriptRoomKeys): string[] {
  return [k.list, k.version, k.meta, k.archive, k.cursors];
}

/**
 * The keys and leading ARGV every mutation script takes first (includes/common.lua, args()).
 */
export interface MutationHead {
  keys: ScriptRoomKeys;
  channel: string;
  roomId: string;
  expectedVersion?: number;
  now: string;
  defaultTtlSeconds: number;
  tombstoneTtlSeconds: number;
  maxEventBytes: number;
  defaultLimit: number;
}

/** Index updates a mutation asks for (its reply's elements 2-4): see index_hints() in common.lua. */
export interface IndexHints {
  addRoom: boolean;
  /** A new expiry score, "-" to remove the room from the expiry index, "" for nothing. */
  expiry: string;
  /** A new activity score, or "" for nothing. */
  activity: string;
}

/** A committed mutation: the room's new version and the index updates it asks for. */
export interface Committed {
  code: ScriptCode.OK;
  version: number;
  hints?: IndexHints;
}

/** expected_version did not match. */
export interface Conflict {
  code: ScriptCode.VERSION_CONFLICT;
  currentVersion: number;
}

export function isConflict(reply: { code: ScriptCode }): reply is Conflict {
  return reply.code === ScriptCode.VERSION_CONFLICT;
}

export function headKeys(h: MutationHead): string[] {
  return roomKeyList(h.keys);
}

export function headArgv(h: MutationHead): (string | number)[] {
  return [
    h.channel, h.roomId, h.expectedVersion ?? "", h.now, h.defaultTtlSeconds, h.tombstoneTtlSeconds,
    h.maxEventBytes, h.defaultLimit,
  ];
}

/** `{ OK, version, room hint, expiry hint, activity hint, ... }` or `{ VERSION_CONFLICT, current }`. */
function committed(reply: Reply): Committed | Conflict | undefined {
  if (reply[0] === ScriptCode.VERSION_CONFLICT) return { code: ScriptCode.VERSION_CONFLICT, currentVersion: Number(reply[1]) };
  if (reply[0] !== ScriptCode.OK) return undefined;
  const hints = { addRoom: Number(reply[2]) === 1, expiry: String(reply[3]), activity: String(reply[4]) };
  return { code: ScriptCode.OK, version: Number(reply[1]), hints };
}

function unexpected(script: string, reply: Reply): Error {
  return new Error(`${script} returned an unexpected reply: ${JSON.stringify(reply.slice(0, 3))}`);
}

/**
 * How a trim archives what it drops when the room archives trimmed turns (archive_trimmed): the byte
 * limit and the ttl (0: none) of the room's archive (KEYS[4], includes/archive.lua).
 */
export interface TrimArchive {
  maxBytes: number;
  ttlSeconds: number;
}

// ---- append-6.lua

export interface AppendArgs {
  /** KEYS[6]: the idempotency record (any key of the room's slot when there is no key). */
  idempotencyRecord: string;
  idempotencyKey: string;
  idempotencyTtlSeconds: number;
  fingerprint: string;
  /** What a replay returns besides version, seqs and trimmed: JSON [[id, created_at], ...]. */
  replay: string;
  maxRoomBytes: number;
  /** ARGV[14..15]. */
  archive: TrimArchive;
  /** The batch's distinct senders with the created_at (ms) of their first and last entry (ARGV[16]). */
  senders: [string, number, number][];
  /** Entries as JSON, without "seq". */
  entries: string[];
}

export type AppendReply =
  /** `namespace`: the room's namespace after the append ("" for none), for the turn observer. */
  | (Committed & { firstSeq: number; trimmed: number; replayed: false; namespace: string })
  | (Committed & { firstSeq: number; trimmed: number; replayed: true; replay: string })
  | Conflict
  | { code: ScriptCode.IDEMPOTENCY_MISMATCH }
  | { code: ScriptCode.TOO_LARGE; index: number; size: number; budget: number };

export async function append(redis: Client, head: MutationHead, a: AppendArgs): Promise<AppendReply> {
  const reply = await redis.rhAppend(
    ...headKeys(head), a.idempotencyRecord, ...headArgv(head),
    a.idempotencyKey, a.idempotencyTtlSeconds, a.fingerprint, a.replay, a.maxRoomBytes,
    a.archive.maxBytes, a.archive.ttlSeconds, a.senders.length ? JSON.stringify(a.senders) : "", ...a.entries,
  );
  if (reply[0] === ScriptCode.IDEMPOTENCY_MISMATCH) return { code: ScriptCode.IDEMPOTENCY_MISMATCH };
  if (reply[0] === ScriptCode.TOO_LARGE) {
    const [index, size, budget] = [1, 2, 3].map((i) => Number(reply[i]));
    return { code: ScriptCode.TOO_LARGE, index, size, budget };
  }
  const done = committed(reply);
  if (!done) throw unexpected("append-6.lua", reply);
  if (isConflict(done)) return done;
  const [firstSeq, trimmed] = [5, 6].map((i) => Number(reply[i]));
  return Number(reply[7]) === 1
    ? { ...done, firstSeq, trimmed, replayed: true, replay: String(reply[8]) }
    : { ...done, firstSeq, trimmed, replayed: false, namespace: String(reply[8] ?? "") };
}

// ---- patch-message-5.lua

export interface PatchMessageArgs {
  op: "update" | "delete" | "reactions";
  messageId: string;
  /** The new content (update), the deletion time (delete), a JSON array of reactions or "" (reactions). */
  value: string;
  /** The legacy tag after the marker: "[deleted at T]", "[Reactions: ...]" or "". */
  legacyTag: string;
  maxRoomBytes: number;
  /** update: the edited entry's token count, or "" to drop it; "" for the other operations. */
  tokens: number | "";
  /** The forms the id may take inside an entry's JSON text. */
  idForms: string[];
}

export type PatchMessageReply =
  | (Committed & { entry: string })
  | Conflict
  | { code: ScriptCode.MESSAGE_NOT_FOUND }
  | { code: ScriptCode.TOO_LARGE; size: number; budget: number };

export async function patchMessage(redis: Client, head: MutationHead, a: PatchMessageArgs): Promise<PatchMessageReply> {
  const reply = await redis.rhPatchMessage(
    ...headKeys(head), ...headArgv(head), a.op, a.messageId, a.value, a.legacyTag, a.maxRoomBytes, a.tokens, ...a.idForms,
  );
  if (reply[0] === ScriptCode.MESSAGE_NOT_FOUND) return { code: ScriptCode.MESSAGE_NOT_FOUND };
  if (reply[0] === ScriptCode.TOO_LARGE) return { code: ScriptCode.TOO_LARGE, size: Number(reply[1]), budget: Number(reply[2]) };
  const done = committed(reply);
  if (!done) throw unexpected("patch-message-5.lua", reply);
  return isConflict(done) ? done : { ...done, entry: String(reply[5]) };
}

// ---- clear-5.lua, discard-rebackfill-5.lua: no arguments of their own

export async function clear(redis: Client, head: MutationHead): Promise<Committed | Conflict> {
  const reply = await redis.rhClear(...headKeys(head), ...headArgv(head));
  return committed(reply) ?? Promise.reject(unexpected("clear-5.lua", reply));
}

export async function discardRebackfill(redis: Client, head: MutationHead): Promise<Committed | Conflict> {
  const reply = await redis.rhDiscardRebackfill(...headKeys(head), ...headArgv(head));
  return committed(reply) ?? Promise.reject(unexpected("discard-rebackfill-5.lua", reply));
}

// ---- set-limit-5.lua

export interface SetLimitArgs {
  /** Already clamped to [50, 1000]. */
  limit: number;
  /** The room's new byte budget, already clamped, or "" to keep the room's. */
  maxBytes: number | "";
  /** The server's default byte budget of a room. */
  defaultMaxBytes: number;
  /** ARGV[12..13]. */
  archive: TrimArchive;
}

export type SetLimitReply =
  | (Committed & { limit: number; rebackfill: boolean; trimmed: number; maxBytes: number })
  | Conflict;

export async function setLimit(redis: Client, head: MutationHead, a: SetLimitArgs): Promise<SetLimitReply> {
  const reply = await redis.rhSetLimit(
    ...headKeys(head), ...headArgv(head), a.limit, a.maxBytes, a.defaultMaxBytes,
    a.archive.maxBytes, a.archive.ttlSeconds,
  );
  const done = committed(reply);
  if (!done) throw unexpected("set-limit-5.lua", reply);
  if (isConflict(done)) return done;
  const [limit, rebackfill, trimmed, maxBytes] = [5, 6, 7, 8].map((i) => Number(reply[i]));
  return { ...done, limit, rebackfill: rebackfill === 1, trimmed, maxBytes };
}

// ---- set-retention-5.lua

export type SetRetentionReply = (Committed & { ttlSeconds: number; isDefault: boolean }) | Conflict;

/** `ttlSeconds`: the room's retention (0 keeps it until deleted), or "" for the server default. */
export async function setRetention(redis: Client, head: MutationHead, a: { ttlSeconds: number | "" }): Promise<SetRetentionReply> {
  const reply = await redis.rhSetRetention(...headKeys(head), ...headArgv(head), a.ttlSeconds);
  const done = committed(reply);
  if (!done) throw unexpected("set-retention-5.lua", reply);
  return isConflict(done) ? done : { ...done, ttlSeconds: Number(reply[5]), isDefault: Number(reply[6]) === 1 };
}

// ---- set-render-defaults-5.lua

export interface SetRenderDefaultsArgs {
  /** "" for the server's default template. */
  template: string;
  /** The room_context as JSON, or "" for none. */
  contextJson: string;
  /** "" for the server's default encoding. */
  encoding: string;
}

export async function setRenderDefaults(redis: Client, head: MutationHead, a: SetRenderDefaultsArgs): Promise<Committed | Conflict> {
  const reply = await redis.rhSetRenderDefaults(...headKeys(head), ...headArgv(head), a.template, a.contextJson, a.encoding);
  return committed(reply) ?? Promise.reject(unexpected("set-render-defaults-5.lua", reply));
}

// ---- report-usage-5.lua

export interface ReportUsageArgs {
  /** The provider's count, or undefined to only check that the room exists. */
  report?: { inputTokens: number; estimatedTokens: number };
  decay: number;
  lowest: number;
  highest: number;
}

export type ReportUsageReply =
  /** The decayed sums as text ("" before the first report) and the number of reports. */
  | { code: ScriptCode.OK; sumInput: string; sumEstimate: string; samples: number }
  | { code: ScriptCode.ROOM_NOT_FOUND };

/** No version bump and no change: `head.expectedVersion` is ignored. */
export async function reportUsage(redis: Client, head: MutationHead, a: ReportUsageArgs): Promise<ReportUsageReply> {
  const reply = await redis.rhReportUsage(
    ...headKeys(head), ...headArgv(head), a.report?.inputTokens ?? "", a.report?.estimatedTokens ?? "",
    a.decay, a.lowest, a.highest,
  );
  if (reply[0] === ScriptCode.ROOM_NOT_FOUND) return { code: ScriptCode.ROOM_NOT_FOUND };
  if (reply[0] !== ScriptCode.OK) throw unexpected("report-usage-5.lua", reply);
  return { code: ScriptCode.OK, sumInput: String(reply[1]), sumEstimate: String(reply[2]), samples: Number(reply[3]) };
}

// ---- delete-room-5.lua

export type DeleteRoomReply = { code: ScriptCode.OK; version: number; deleted: boolean } | Conflict;

export async function deleteRoom(redis: Client, head: MutationHead): Promise<DeleteRoomReply> {
  const reply = await redis.rhDeleteRoom(...headKeys(head), ...headArgv(head));
  if (reply[0] === ScriptCode.VERSION_CONFLICT) return { code: ScriptCode.VERSION_CONFLICT, currentVersion: Number(reply[1]) };
  if (reply[0] !== ScriptCode.OK) throw unexpected("delete-room-5.lua", reply);
  return { code: ScriptCode.OK, version: Number(reply[1]), deleted: Number(reply[2]) === 1 };
}

// ---- reap-room-5.lua

export interface ReapRoomArgs {
  /** 0 reaps the room when past its retention; > 0 when it has been idle that long. */
  maxIdleMs: number;
  dryRun: boolean;
}

export type ReapRoomReply =
  | { code: ScriptCode.OK; version: number }
  /** Not idle enough: `deadline` and `lastWrite` are ms scores, or "" for none. */
  | { code: ScriptCode.NOT_DUE; deadline: string; lastWrite: string }
  | { code: ScriptCode.MESSAGE_NOT_FOUND };

export async function reapRoom(redis: Client, head: MutationHead, a: ReapRoomArgs): Promise<ReapRoomReply> {
  const reply = await redis.rhReapRoom(...headKeys(head), ...headArgv(head), a.maxIdleMs, a.dryRun ? "1" : "");
  switch (reply[0]) {
    case ScriptCode.OK:
      return { code: ScriptCode.OK, version: Number(reply[1]) };
    case ScriptCode.NOT_DUE:
      return { code: ScriptCode.NOT_DUE, deadline: String(reply[1]), lastWrite: String(reply[2]) };
    case ScriptCode.MESSAGE_NOT_FOUND:
      return { code: ScriptCode.MESSAGE_NOT_FOUND };
    default:
      throw unexpected("reap-room-5.lua", reply);
  }
}

// ---- set-agent-options-5.lua

export interface SetAgentOptionsArgs {
  /** 0 for none. */
  maxContextTokens: number;
  /** In (0, 1], as text with 17 significant digits (reads back as the same double). */
  threshold: string;
  /** JSON array of strings, or "" for none. */
  outputKeysJson: string;
  archiveTrimmed: boolean;
}

export async function setAgentOptions(
  redis: Client, head: MutationHead, a: SetAgentOptionsArgs,
): Promise<(Committed & { needsCompaction: boolean }) | Conflict> {
  const reply = await redis.rhSetAgentOptions(
    ...headKeys(head), ...headArgv(head), a.maxContextTokens, a.threshold, a.outputKeysJson, a.archiveTrimmed ? "1" : "",
  );
  const done = committed(reply);
  if (!done) throw unexpected("set-agent-options-5.lua", reply);
  return isConflict(done) ? done : { ...done, needsCompaction: Number(reply[5]) === 1 };
}

// ---- read-room-5.lua

export interface ReadRoomArgs {
  keys: ScriptRoomKeys;
  /** The cached copy's epoch, or "" for no cached copy. */
  cachedEpoch: string;
  cachedVersion: number;
  cachedLength: number;
}

/** The room in one snapshot; string fields are "" when unset. */
export interface ReadRoomReply {
  version: number;
  limit: string;
  rebackfill: string;
  updatedAt: string;
  epoch: string;
  length: number;
  /** The cached copy is current: `entries` is empty. */
  hit: boolean;
  /** The room's own retention seconds. */
  ttl: string;
  /** The last write, ms. */
  updatedMs: string;
  exists: boolean;
  /** The room's own byte budget. */
  maxBytes: string;
  /** Render defaults: template name, room_context JSON, encoding name. */
  template: string;
  contextJson: string;
  encoding: string;
  /** Calibration: the decayed sums and the number of reports. */
  sumInput: string;
  sumEstimate: string;
  samples: string;
  /** Agent options: context budget, threshold, output keys JSON, archive_trimmed ("1"); each "" when unset. */
  maxContextTokens: string;
  threshold: string;
  outputKeysJson: string;
  archiveTrimmed: string;
  archiveCount: number;
  /** The metadata fields and crt as JSON (includes/metadata.lua); "" on a cache hit. */
  metadataJson: string;
  entries: string[];
}

export async function readRoom(redis: Client, a: ReadRoomArgs): Promise<ReadRoomReply> {
  const reply = await redis.rhReadRoom(
    ...roomKeyList(a.keys), a.cachedEpoch, a.cachedVersion, a.cachedLength,
  );
  const [version, limit, rebackfill, updatedAt, epoch, length, hit, ttl, updatedMs, exists, maxBytes] = reply;
  const [template, contextJson, encoding, sumInput, sumEstimate, samples] = reply.slice(11, 17).map(String);
  const [maxContextTokens, threshold, outputKeysJson, archiveTrimmed] = reply.slice(17, 21).map(String);
  return {
    version: Number(version), limit: String(limit), rebackfill: String(rebackfill), updatedAt: String(updatedAt),
    epoch: String(epoch), length: Number(length), hit: hit === 1, ttl: String(ttl), updatedMs: String(updatedMs),
    exists: exists === 1, maxBytes: String(maxBytes), template, contextJson, encoding, sumInput, sumEstimate, samples,
    maxContextTokens, threshold, outputKeysJson, archiveTrimmed, archiveCount: Number(reply[21]),
    metadataJson: String(reply[22] ?? ""), entries: reply.slice(23).map(String),
  };
}

// The single-Redis scripts of the legacy bridge and the migration tool live in legacy-script-calls.ts.
export * from "./legacy-script-calls.js";
