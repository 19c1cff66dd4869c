/**
 * The memory store's room metadata: the same rules as includes/metadata.lua and
 * update-room-metadata-5.lua (participants from senders up to MAX_PARTICIPANTS, first/last seen kept,
 * a no-op update detected), on plain objects.
 */
import { MAX_PARTICIPANTS, type RoomMetadataData, type StoredParticipant } from "../metadata-types.js";
import type { MetadataUpdate } from "../store.js";
import { byId } from "../redis/metadata-fields.js";

/** A room's metadata as the memory store holds it: participants by id. */
export interface MemoryMetadata {
  title: string;
  namespace: string;
  labels: string[];
  summary: string;
  participants: Map<string, StoredParticipant>;
}

export function emptyMetadata(): MemoryMetadata {
  return { title: "", namespace: "", labels: [], summary: "", participants: new Map() };
}

/** Adds or refreshes the batch's senders (rows from sendersOf, src/store/senders.ts). */
export function noteSenders(m: MemoryMetadata, senders: [string, number, number][]): void {
  for (const [id, first, last] of senders) {
    const p = m.participants.get(id);
    if (p) {
      p.firstSeenMs = Math.min(p.firstSeenMs ?? first, first);
      p.lastSeenMs = Math.max(p.lastSeenMs ?? last, last);
    } else if (m.participants.size < MAX_PARTICIPANTS) {
      m.participants.set(id, { id, displayName: "", firstSeenMs: first, lastSeenMs: last });
    }
  }
}

/** Applies an update; returns whether anything changed. */
export function applyUpdate(m: MemoryMetadata, u: MetadataUpdate): boolean {
  let changed = false;
  const set = <K extends "title" | "namespace" | "summary">(key: K, value: string | undefined): void => {
    if (value === undefined || m[key] === value) return;
    m[key] = value;
    changed = true;
  };
  set("title", u.title);
  set("namespace", u.namespace);
  set("summary", u.summary);
  if (u.labels !== undefined && JSON.stringify(u.labels) !== JSON.stringify(m.labels)) {
    m.labels = [...u.labels];
    changed = true;
  }
  if (u.participants !== undefined) {
    const next = new Map<string, StoredParticipant>();
    for (const { id, displayName } of u.participants) {
      const old = m.participants.get(id);
      const p: StoredParticipant = { id, displayName };
      if (old?.firstSeenMs !== undefined) p.firstSeenMs = old.firstSeenMs;
      if (old?.lastSeenMs !== undefined) p.lastSeenMs = old.lastSeenMs;
      if (!old || old.displayName !== displayName) changed = true;
      next.set(id, p);
    }
    if ([...m.participants.keys()].some((id) => !next.has(id))) changed = true;
    m.participants = next;
  }
  return changed;
}

/** The metadata as the store interface hands it out (a copy, participants ordered by id). */
export function metadataData(m: MemoryMetadata | undefined): RoomMetadataData {
  if (!m) return { title: "", namespace: "", participants: [], labels: [], summary: "" };
  return {
    title: m.title, namespace: m.namespace, labels: [...m.labels], summary: m.summary,
    participants: [...m.participants.values()].map((p) => ({ ...p })).sort(byId),
  };
}
