/** Room metadata between the store's types (src/store/metadata-types.ts) and the proto's. */
import type { Participant, RoomListing, RoomMetadata } from "@roomhistory/client/gen/roomhistory/v1/metadata.js";
import type { RoomMetadataData, StoredParticipant } from "../store/metadata-types.js";
import type { RoomListingData } from "../store/store.js";
import { isoToTimestamp } from "./convert.js";

function msToTimestamp(ms: number | undefined) {
  return ms === undefined ? undefined : isoToTimestamp(new Date(ms).toISOString());
}

export function participantToProto(p: StoredParticipant): Participant {
  return { id: p.id, displayName: p.displayName, firstSeen: msToTimestamp(p.firstSeenMs), lastSeen: msToTimestamp(p.lastSeenMs) };
}

/** The proto's RoomMetadata; participants stay ordered by id as the store hands them out. */
export function metadataToProto(m: RoomMetadataData | undefined): RoomMetadata {
  return {
    title: m?.title ?? "", namespace: m?.namespace ?? "", participants: (m?.participants ?? []).map(participantToProto),
    labels: [...(m?.labels ?? [])], summary: m?.summary ?? "",
  };
}

export function listingToProto(r: RoomListingData): RoomListing {
  return { roomId: r.roomId, title: r.title, namespace: r.namespace, labels: r.labels, lastActivity: msToTimestamp(r.lastActivityMs) };
}

/**
 * The metadata as templates see it (`room`): title, namespace, participants (id, display_name,
 * first_seen, last_seen as ISO text or null), summary, labels.
 */
export function metadataTemplateVar(m: RoomMetadataData | undefined): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    title: m?.title ?? "", namespace: m?.namespace ?? "", summary: m?.summary ?? "", labels: [...(m?.labels ?? [])],
    participants: (m?.participants ?? []).map((p) => ({
      id: p.id, display_name: p.displayName, first_seen: iso(p.firstSeenMs), last_seen: iso(p.lastSeenMs),
    })),
  };
}
