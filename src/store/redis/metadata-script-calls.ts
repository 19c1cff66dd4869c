/**
 * The typed call of update-room-metadata-5.lua (registered here, beside its wrapper, as scripts.ts
 * registers the others), and what the append and read scripts return of the metadata.
 */
import type { Cluster, Redis, Result } from "ioredis";
import type { RoomMetadataData } from "../metadata-types.js";
import { defineScript, ScriptCode, type Reply } from "./scripts.js";
import { headArgv, headKeys, type Committed, type Conflict, type MutationHead } from "./script-calls.js";
import { createdAtOf, metadataFromFields } from "./metadata-fields.js";

type Client = Redis | Cluster;

declare module "ioredis" {
  interface RedisCommander<Context> {
    rhUpdateRoomMetadata(...args: (string | number)[]): Result<Reply, Context>;
  }
}

/** Registers update-room-metadata-5.lua (five keys: includes/common.lua). */
export function defineMetadataScripts(redis: Client): void {
  defineScript(redis, "rhUpdateRoomMetadata", "update-room-metadata-5.lua");
}

/** The fields an update replaces; undefined fields are kept. */
export interface MetadataUpdateArgs {
  title?: string;
  namespace?: string;
  summary?: string;
  /** Sorted, without duplicates; [] clears. */
  labels?: string[];
  participants?: { id: string; displayName: string }[];
}

export type UpdateMetadataReply =
  | (Committed & {
      changed: boolean;
      namespaceBefore: string;
      namespaceAfter: string;
      labelsBefore: string[];
      labelsAfter: string[];
      windowLength: number;
      metadata: RoomMetadataData;
    })
  | Conflict;

/** The JSON text stored in the meta field `labels`; "" (no field) for none. */
export function labelsField(labels: readonly string[]): string {
  return labels.length ? JSON.stringify(labels) : "";
}

export function labelsOfField(text: string): string[] {
  return text ? (JSON.parse(text) as string[]) : [];
}

export async function updateRoomMetadata(redis: Client, head: MutationHead, a: MetadataUpdateArgs): Promise<UpdateMetadataReply> {
  const update: Record<string, unknown> = {};
  if (a.title !== undefined) update.title = a.title;
  if (a.namespace !== undefined) update.ns = a.namespace;
  if (a.summary !== undefined) update.summary = a.summary;
  if (a.labels !== undefined) update.labels = labelsField(a.labels);
  if (a.participants !== undefined) update.participants = a.participants.map((p) => [p.id, p.displayName]);
  const reply = await redis.rhUpdateRoomMetadata(...headKeys(head), ...headArgv(head), JSON.stringify(update));
  if (reply[0] === ScriptCode.VERSION_CONFLICT) return { code: ScriptCode.VERSION_CONFLICT, currentVersion: Number(reply[1]) };
  if (reply[0] !== ScriptCode.OK) {
    throw new Error(`update-room-metadata-5.lua returned an unexpected reply: ${JSON.stringify(reply.slice(0, 3))}`);
  }
  const hints = { addRoom: Number(reply[2]) === 1, expiry: String(reply[3]), activity: String(reply[4]) };
  return {
    code: ScriptCode.OK, version: Number(reply[1]), hints, changed: Number(reply[5]) === 1,
    namespaceBefore: String(reply[6]), namespaceAfter: String(reply[7]),
    labelsBefore: labelsOfField(String(reply[8])), labelsAfter: labelsOfField(String(reply[9])),
    windowLength: Number(reply[10]), metadata: metadataFromFields(JSON.parse(String(reply[11])) as Record<string, string>),
  };
}

/** The metadata and creation time of a read-room-5.lua reply's metadata JSON; undefined when "" (cache hit). */
export function readMetadata(json: string): { metadata: RoomMetadataData; createdAt?: string } | undefined {
  if (json === "") return undefined;
  const fields = JSON.parse(json) as Record<string, string>;
  return { metadata: metadataFromFields(fields), createdAt: createdAtOf(fields) };
}
