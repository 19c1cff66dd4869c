/**
 * A legacy ConversationManager room (reference 000: the list `prefix:<room_id>` of JSON entries
 * {"role", "content"} and the counter `prefix:<room_id>:ver`) as a "roomhistory.export.v1" room
 * record. Pure: the tool (src/tools/import-legacy.ts) reads the keys. The rules:
 *
 * - every list entry the service itself could read (decodeEntry) becomes a message, oldest first, with
 *   seq 1..n; entries that are not JSON objects with a role and a string or parts content, and entries
 *   whose role is not user, assistant or system (a tool entry needs the tool_call_id the legacy format
 *   never had), are skipped and counted;
 * - the text is kept as the legacy workers wrote it; the "[Message ID: X]" marker gives the message id
 *   (else "legacy-<seq>"), the "[deleted at T]" and "[Reactions: ...]" tags its deleted_at and
 *   reactions, as GetHistory reads legacy entries (src/wire/convert.ts);
 * - the room's version is the `:ver` counter (at least 1), its last_seq the number of messages; the
 *   legacy format keeps no times, so messages get the import's time and the room no created_at.
 */
import type { ExportRecord } from "@roomhistory/client/gen/roomhistory/v1/export.js";
import type { Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { decodeEntry } from "../domain/entry.js";
import { entryToMessage } from "../wire/convert.js";
import { EMPTY_METADATA } from "../store/metadata-types.js";
import { metadataToProto } from "./format.js";

const LEGACY_ROLES: ReadonlySet<string> = new Set(["user", "assistant", "system"]);

export interface LegacyRoom {
  record: ExportRecord;
  /** List entries left out (not an entry the service can read, or a role the import cannot take). */
  skipped: number;
}

/** The room record for a legacy room's list entries (raw JSON text, oldest first) and `:ver` value. */
export function legacyRoomToRecord(roomId: string, rawEntries: readonly string[], version: number | undefined): LegacyRoom {
  let skipped = 0;
  const messages: Message[] = [];
  for (const raw of rawEntries) {
    const entry = decodeEntry(raw);
    if (!entry || !LEGACY_ROLES.has(entry.role)) {
      skipped++;
      continue;
    }
    const seq = messages.length + 1;
    const message = entryToMessage(entry);
    messages.push({ ...message, seq, id: message.id || `legacy-${seq}` });
  }
  const record: ExportRecord = {
    room: {
      roomId,
      version: Math.max(1, version ?? 0),
      lastSeq: messages.length,
      limit: 0,
      maxBytes: 0,
      idleTtlSeconds: undefined,
      rebackfillRequested: false,
      metadata: metadataToProto(EMPTY_METADATA),
      createdAt: undefined,
      updatedAt: undefined,
      messages,
      archive: [],
      renderDefaults: undefined,
      agentOptions: undefined,
      runCursors: [],
    },
  };
  return { record, skipped };
}
