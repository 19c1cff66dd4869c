import type { Redis, Cluster } from "ioredis";
import { unavailable } from "../../domain/errors.js";
import type { Durability } from "../store.js";

/**
 * Waits until `d.replicas` replicas acknowledged the writes made so far on the connection that ran
 * the mutation (Redis WAIT; WAITAOF when fsync is asked). Throws UNAVAILABLE naming what is missing.
 * The write itself stays applied: a client retries an append with its idempotency key.
 */
export async function waitForReplicas(redis: Redis | Cluster, _key: string, d: Durability): Promise<void> {
  if (d.replicas <= 0 && !d.fsync) return;
  const acks = Number(await redis.call("WAIT", d.replicas, d.timeoutMs));
  if (acks < d.replicas) {
    throw unavailable(`durability: ${acks} of ${d.replicas} replicas acknowledged the write within ${d.timeoutMs} ms`);
  }
}
