/**
 * A room whole, as ExportRooms reads it and ImportRooms writes it (issue 12, export.proto): everything
 * a store keeps of a room but its idempotency records and its tombstone bookkeeping.
 */
import type { Entry } from "../domain/entry.js";
import type { AgentOptions, RunCursor } from "./agent-types.js";
import type { RoomMetadataData } from "./metadata-types.js";
import type { RenderSettings } from "./store.js";

export interface RoomData {
  roomId: string;
  version: number;
  /** The room's seq counter: the newest seq ever assigned. */
  lastSeq: number;
  /** The room's own settings; undefined means the server default. */
  limit?: number;
  maxBytes?: number;
  ttlSeconds?: number;
  rebackfill: boolean;
  metadata: RoomMetadataData;
  /** ISO times; undefined when unknown. */
  createdAt?: string;
  updatedAt?: string;
  /** The window, oldest first, as stored (seq, id, tk, ...). */
  entries: Entry[];
  /** The archive, by seq. */
  archive: Entry[];
  renderDefaults?: RenderSettings;
  agentOptions?: AgentOptions;
  runCursors: (RunCursor & { runId: string })[];
}

/** How importRoom treats a room that exists. */
export interface ImportMode {
  /** Replace only at this current version (0: the room must not exist). */
  expectedVersion?: number;
  /** Without expectedVersion: replace whatever the version (else ALREADY_EXISTS for an existing room). */
  replaceExisting: boolean;
}

export interface ImportOutcome {
  /** The room's version after the import: max(data.version, the version before + 1). */
  version: number;
  /** True when the room existed (and was replaced). */
  replaced: boolean;
}
