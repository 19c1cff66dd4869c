/**
 * An imported room record as the store's RoomData: its messages checked as appends check them (room
 * id, message fields, encoded size) and converted by the same code (messageToEntry), with what an
 * export carries beyond an append kept (seq, the pruned mark, compaction's summary kind). Token counts
 * (`tk`) are counted here as appends count them, whatever the record says, so that a file written by
 * hand or by another tool cannot plant wrong counts.
 */
import { Message, MessageKind, type Message as MessageT } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import type { ExportedRoom } from "@roomhistory/client/gen/roomhistory/v1/export.js";
import type { Entry } from "../domain/entry.js";
import { invalid, tooLarge } from "../domain/errors.js";
import { roomSettingsFromRecord } from "../transfer/format.js";
import type { RoomData } from "../store/transfer-types.js";
import { messageToEntry } from "../wire/convert.js";
import { checkMessage, checkRoomId, type Limits } from "../wire/validate.js";
import { withTokens } from "./entry-tokens.js";

const AT = "record.room";

/** The room to import; INVALID_ARGUMENT / RESOURCE_EXHAUSTED naming the record's field otherwise. */
export async function roomFromRecord(r: ExportedRoom, limits: Limits): Promise<RoomData> {
  checkRoomId(r.roomId, `${AT}.room_id`);
  const settings = roomSettingsFromRecord(r);
  const entries = await withTokens(r.messages.map((m, i) => importedEntry(m, `${AT}.messages[${i}]`, limits)));
  const archive = await withTokens(r.archive.map((m, i) => importedEntry(m, `${AT}.archive[${i}]`, limits)));
  const lastSeq = Math.max(settings.lastSeq, numberSeqs(entries, "messages"), maxSeq(archive));
  return { ...settings, lastSeq, entries, archive };
}

/** One message checked and converted; the summary kind only compaction writes is accepted here. */
function importedEntry(m: MessageT, at: string, limits: Limits): Entry {
  const size = Message.encode(m).finish().length;
  if (size > limits.maxMessageBytes) throw tooLarge(at, `${size} bytes, more than the ${limits.maxMessageBytes} allowed`);
  const summary = m.kind === MessageKind.MESSAGE_KIND_SUMMARY;
  checkMessage(summary ? { ...m, kind: MessageKind.MESSAGE_KIND_UNSPECIFIED } : m, at);
  const entry = messageToEntry(m);
  if (summary) entry.kind = "summary";
  if (m.seq) entry.seq = m.seq;
  if (m.pruned) entry.pr = 1;
  return entry;
}

/**
 * Window seqs must rise; messages without one (a file from another system) get the next seq after
 * the previous message's. Returns the window's last seq.
 */
function numberSeqs(entries: Entry[], field: string): number {
  let last = 0;
  entries.forEach((e, i) => {
    if (e.seq === undefined) e.seq = last + 1;
    else if (e.seq <= last) throw invalid(`${AT}.${field}[${i}].seq`, `must be greater than the previous message's (${last})`);
    last = e.seq;
  });
  return last;
}

function maxSeq(entries: Entry[]): number {
  return entries.reduce((max, e) => Math.max(max, e.seq ?? 0), 0);
}
