/**
 * UpdateRoomMetadata: validates the request against the proto's limits (metadata.proto), works out
 * which fields the update_mask (or, empty, the fields the request sets) replaces, and calls the store.
 */
import type { UpdateRoomMetadataRequest, UpdateRoomMetadataResponse } from "@roomhistory/client/gen/roomhistory/v1/metadata.js";
import { invalid, tooLarge } from "../domain/errors.js";
import { MAX_PARTICIPANTS } from "../store/metadata-types.js";
import type { HistoryStore, MetadataUpdate } from "../store/store.js";
import * as check from "../wire/validate.js";
import { metadataToProto } from "../wire/metadata.js";
import { writeOptions, type DurabilityDefaults } from "./write-options.js";

const MASK_PATHS = ["title", "namespace", "participants", "labels", "summary"] as const;
type MaskPath = (typeof MASK_PATHS)[number];

export const MAX_TITLE_CHARS = 256;
export const MAX_NAMESPACE_CHARS = 128;
export const MAX_PARTICIPANT_CHARS = 128;
export const MAX_LABELS = 32;
export const MAX_SUMMARY_BYTES = 8 * 1024;
/** A namespace: the characters of a room id (src/wire/validate.ts), at most 128. */
const NAMESPACE = /^[A-Za-z0-9._\-:@!#+=/]{1,128}$/;
const LABEL = /^[A-Za-z0-9_.:/-]{1,64}$/;

const chars = (s: string) => [...s].length;

export async function updateRoomMetadata(
  store: HistoryStore, durability: DurabilityDefaults, req: UpdateRoomMetadataRequest,
): Promise<UpdateRoomMetadataResponse> {
  const roomId = check.checkRoomId(req.roomId);
  const update = metadataUpdate(req);
  const opts = writeOptions(req, durability);
  const r = await store.updateMetadata(roomId, update, opts);
  return { version: r.version, metadata: metadataToProto(r.metadata) };
}

/** The fields the request replaces, each checked; throws INVALID_ARGUMENT naming the field. */
export function metadataUpdate(req: UpdateRoomMetadataRequest): MetadataUpdate {
  const paths = maskPaths(req);
  const update: MetadataUpdate = {};
  if (paths.has("title")) update.title = checkTitle(req.title);
  if (paths.has("namespace")) update.namespace = checkNamespace(req.namespace);
  if (paths.has("summary")) update.summary = checkSummary(req.summary);
  if (paths.has("labels")) update.labels = checkLabels(req.labels);
  if (paths.has("participants")) update.participants = checkParticipants(req.participants);
  return update;
}

function maskPaths(req: UpdateRoomMetadataRequest): Set<MaskPath> {
  const mask = req.updateMask ?? [];
  if (mask.length === 0) {
    const set = {
      title: req.title !== "", namespace: req.namespace !== "", participants: req.participants.length > 0,
      labels: req.labels.length > 0, summary: req.summary !== "",
    };
    return new Set(MASK_PATHS.filter((p) => set[p]));
  }
  for (const [i, path] of mask.entries()) {
    if (!(MASK_PATHS as readonly string[]).includes(path)) {
      throw invalid(`update_mask[${i}]`, `unknown path "${path}": must be one of ${MASK_PATHS.join(", ")}`);
    }
  }
  return new Set(mask as MaskPath[]);
}

function checkTitle(title: string): string {
  if (chars(title) > MAX_TITLE_CHARS) throw invalid("title", `must be at most ${MAX_TITLE_CHARS} characters`);
  return title;
}

function checkNamespace(namespace: string): string {
  if (namespace !== "" && !NAMESPACE.test(namespace)) {
    throw invalid("namespace", `must be 1 to ${MAX_NAMESPACE_CHARS} characters of A-Z a-z 0-9 . _ - : @ ! # + = /`);
  }
  return namespace;
}

function checkSummary(summary: string): string {
  const bytes = Buffer.byteLength(summary, "utf8");
  if (bytes > MAX_SUMMARY_BYTES) throw tooLarge("summary", `is ${bytes} bytes, more than ${MAX_SUMMARY_BYTES}`);
  return summary;
}

/** Sorted (byte order) and without duplicates, as the store keeps them. */
export function checkLabels(labels: readonly string[], field = "labels"): string[] {
  if (labels.length > MAX_LABELS) throw invalid(field, `at most ${MAX_LABELS} labels, not ${labels.length}`);
  labels.forEach((label, i) => {
    if (!LABEL.test(label)) throw invalid(`${field}[${i}]`, "must be 1 to 64 characters of A-Z a-z 0-9 _ . : / -");
  });
  return [...new Set(labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function checkParticipants(participants: UpdateRoomMetadataRequest["participants"]): NonNullable<MetadataUpdate["participants"]> {
  if (participants.length > MAX_PARTICIPANTS) {
    throw invalid("participants", `at most ${MAX_PARTICIPANTS} participants, not ${participants.length}`);
  }
  const seen = new Map<string, number>();
  return participants.map((p, i) => {
    const n = chars(p.id);
    if (n < 1 || n > MAX_PARTICIPANT_CHARS) throw invalid(`participants[${i}].id`, `must be 1 to ${MAX_PARTICIPANT_CHARS} characters`);
    const twin = seen.get(p.id);
    if (twin !== undefined) throw invalid(`participants[${i}].id`, `"${p.id}" is already participants[${twin}]`);
    seen.set(p.id, i);
    if (chars(p.displayName) > MAX_PARTICIPANT_CHARS) {
      throw invalid(`participants[${i}].display_name`, `must be at most ${MAX_PARTICIPANT_CHARS} characters`);
    }
    return { id: p.id, displayName: p.displayName };
  });
}

/** A ListRooms namespace filter: "" for none, else checked as UpdateRoomMetadata's. */
export function checkNamespaceFilter(namespace: string): string | undefined {
  return namespace === "" ? undefined : checkNamespace(namespace);
}

/** A ListRooms label filter: "" for none, else one label. */
export function checkLabelFilter(label: string): string | undefined {
  if (label === "") return undefined;
  if (!LABEL.test(label)) throw invalid("label", "must be 1 to 64 characters of A-Z a-z 0-9 _ . : / -");
  return label;
}
