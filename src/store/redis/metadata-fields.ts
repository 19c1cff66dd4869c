/**
 * Reads a room's metadata out of its Redis meta hash fields (the names are fixed in
 * src/store/metadata-types.ts: title, ns, labels, summary, p:<id>, pc, crt). Shared by the read path
 * (read-room-5.lua returns the fields flat) and the export script, so both read one layout.
 */
import type { RoomMetadataData, StoredParticipant } from "../metadata-types.js";

/** The prefix of a participant's field: `p:<id>`. */
export const PARTICIPANT_FIELD_PREFIX = "p:";

/** The meta hash fields of the metadata itself (participants are every `p:<id>` besides these). */
export const METADATA_FIELDS = ["title", "ns", "labels", "summary"] as const;

type Fields = string[] | Record<string, string>;

/** A flat [field, value, field, value, ...] list (HGETALL's raw reply) or an object, as an object. */
function asRecord(flat: Fields): Record<string, string> {
  if (!Array.isArray(flat)) return flat;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

/** One `p:<id>` value (JSON {"n", "f", "l"}) as a participant; undefined when it is not readable. */
export function participantOf(id: string, value: string): StoredParticipant | undefined {
  try {
    const p = JSON.parse(value) as { n?: unknown; f?: unknown; l?: unknown };
    const out: StoredParticipant = { id, displayName: typeof p.n === "string" ? p.n : "" };
    if (typeof p.f === "number") out.firstSeenMs = p.f;
    if (typeof p.l === "number") out.lastSeenMs = p.l;
    return out;
  } catch {
    return undefined;
  }
}

function labelsOf(json: string | undefined): string[] {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed) ? parsed.filter((l): l is string => typeof l === "string") : [];
  } catch {
    return [];
  }
}

/** Byte order of ids, as the proto promises ("ordered by id"). */
export function byId(a: { id: string }, b: { id: string }): number {
  return Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));
}

/**
 * The metadata held in a meta hash's fields (every field of the hash, or only the metadata ones).
 * Fields that are absent read as not set.
 */
export function metadataFromFields(flat: Fields): RoomMetadataData {
  const fields = asRecord(flat);
  const participants: StoredParticipant[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (!name.startsWith(PARTICIPANT_FIELD_PREFIX)) continue;
    const p = participantOf(name.slice(PARTICIPANT_FIELD_PREFIX.length), value);
    if (p) participants.push(p);
  }
  participants.sort(byId);
  return {
    title: fields.title ?? "",
    namespace: fields.ns ?? "",
    participants,
    labels: labelsOf(fields.labels),
    summary: fields.summary ?? "",
  };
}

/** When the room was first written (ISO), from its `crt` field (ms); undefined when absent. */
export function createdAtOf(flat: Fields): string | undefined {
  const crt = asRecord(flat).crt;
  if (crt === undefined || crt === "" || !Number.isFinite(Number(crt))) return undefined;
  return new Date(Number(crt)).toISOString();
}

/** True when the metadata has no field set. */
export function isEmptyMetadata(m: RoomMetadataData): boolean {
  return !m.title && !m.namespace && !m.summary && m.participants.length === 0 && m.labels.length === 0;
}
