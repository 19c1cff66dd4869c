/**
 * The options every mutation request shares (expected_version, durability, an append's idempotency
 * key), checked and turned into the store's terms in one place.
 */
import { createHash } from "node:crypto";
import type * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import type { AppendOptions, Durability, WriteOptions } from "../store/store.js";
import { checkDurability, checkIdempotencyKey } from "../wire/validate.js";

/** A zero timeout in a request means the server's default. */
export interface DurabilityDefaults {
  timeoutMs: number;
}

export function writeOptions(
  req: { expectedVersion?: number | undefined; durability?: pb.Durability | undefined },
  defaults: DurabilityDefaults,
): WriteOptions {
  const d = checkDurability(req.durability);
  const durability: Durability | undefined = d && {
    replicas: d.replicas, timeoutMs: d.timeoutMs || defaults.timeoutMs, fsync: d.fsync,
  };
  return { expectedVersion: req.expectedVersion, durability };
}

export function appendOptions(req: pb.AppendMessagesRequest, defaults: DurabilityDefaults): AppendOptions {
  const idempotencyKey = checkIdempotencyKey(req.idempotencyKey);
  return {
    ...writeOptions(req, defaults),
    idempotencyKey,
    fingerprint: idempotencyKey ? fingerprint(req.messages) : undefined,
  };
}

/**
 * The digest that tells a retry (same messages) from a reused key (other messages). `tokens` is left
 * out: it is ignored on write (the server counts), so a retry that echoes another count is the same.
 */
function fingerprint(messages: Message[]): string {
  const hash = createHash("sha256");
  for (const m of messages) hash.update(Message.encode({ ...m, tokens: 0 }).finish());
  return hash.digest("base64url");
}
