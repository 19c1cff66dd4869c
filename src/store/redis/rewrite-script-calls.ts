/**
 * Typed calls of the agent-history scripts of the rewrite engine (rewrite-head-5.lua,
 * read-archive-1.lua): named arguments in the order of each script's header, named replies out.
 */
import type { Cluster, Redis } from "ioredis";
import { ScriptCode } from "./scripts.js";
import { headArgv, headKeys, type Committed, type Conflict, type MutationHead } from "./script-calls.js";

type Client = Redis | Cluster;

// ---- rewrite-head-5.lua

export interface RewriteHeadArgs {
  baseVersion: number;
  baseLength: number;
  /** The seq of the snapshot's last entry (undefined: none; then only the strict rule applies). */
  baseLastSeq?: number;
  /** How many entries from the window's front `head` replaces. */
  replace: number;
  kind: "prune" | "compact";
  /** RoomChange.replaced_through_seq of a "compact" change; 0 for "prune". */
  replacedThroughSeq: number;
  archiveMaxBytes: number;
  archiveTtlSeconds: number;
  /** Archive the replaced entries that have no seq (legacy entries a compaction drops). */
  archiveSeqless: boolean;
  /** The new head, as stored JSON. */
  head: string[];
  /** Indexes into `head` (0-based) of the entries the change event carries. */
  changed: number[];
  /** Seqs of the replaced entries whose stored originals go to the archive. */
  archiveSeqs: number[];
}

export type RewriteHeadReply = (Committed & { evicted: number }) | Conflict;

export async function rewriteHead(redis: Client, head: MutationHead, a: RewriteHeadArgs): Promise<RewriteHeadReply> {
  const reply = await redis.rhRewriteHead(
    ...headKeys(head), ...headArgv(head),
    a.baseVersion, a.baseLength, a.replace, a.kind, a.replacedThroughSeq, a.archiveMaxBytes, a.archiveTtlSeconds,
    a.archiveSeqless ? "1" : "", a.baseLastSeq === undefined ? "" : a.baseLastSeq, a.head.length, ...a.head, a.changed.length, ...a.changed.map((i) => i + 1),
    ...a.archiveSeqs,
  );
  if (reply[0] === ScriptCode.VERSION_CONFLICT) return { code: ScriptCode.VERSION_CONFLICT, currentVersion: Number(reply[1]) };
  if (reply[0] !== ScriptCode.OK) throw new Error(`rewrite-head-5.lua returned an unexpected reply: ${JSON.stringify(reply.slice(0, 3))}`);
  const hints = { addRoom: Number(reply[2]) === 1, expiry: String(reply[3]), activity: String(reply[4]) };
  return { code: ScriptCode.OK, version: Number(reply[1]), hints, evicted: Number(reply[5]) };
}

// ---- read-archive-1.lua

export interface ReadArchiveArgs {
  archiveKey: string;
  /** The lowest score as ZRANGE BYSCORE takes it: "0", "(12" (exclusive). */
  low: string;
  /** The highest score: "+inf" or a number. */
  high: string;
  pageSize: number;
}

export interface ReadArchiveReply {
  more: boolean;
  rows: { seq: number; raw: string }[];
}

export async function readArchive(redis: Client, a: ReadArchiveArgs): Promise<ReadArchiveReply> {
  const reply = await redis.rhReadArchive(a.archiveKey, a.low, a.high, a.pageSize);
  const rows: ReadArchiveReply["rows"] = [];
  for (let i = 1; i + 1 < reply.length; i += 2) rows.push({ raw: String(reply[i]), seq: Number(reply[i + 1]) });
  return { more: Number(reply[0]) === 1, rows };
}
