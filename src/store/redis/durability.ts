import { Cluster, type Redis } from "ioredis";
import { unavailable } from "../../domain/errors.js";
import type { Durability } from "../store.js";
import { keySlot } from "./slot.js";

/** Redis version per node, read once (INFO server), to know whether WAITAOF exists (Redis >= 7.2). */
const versions = new WeakMap<object, Promise<number[]>>();

/**
 * Waits until `d.replicas` replicas acknowledged the writes made so far on the connection that ran
 * the mutation (Redis WAIT; with `fsync`, WAITAOF: fsynced to the node's AOF and to `d.replicas`
 * replicas' AOF). On a cluster the wait goes to the master of `key`'s slot, over the same pooled
 * connection the script used. Throws UNAVAILABLE naming what is missing; the write itself stays
 * applied, and a client retries an append with its idempotency key.
 */
export async function waitForReplicas(redis: Redis | Cluster, key: string, d: Durability): Promise<void> {
  if (d.replicas <= 0 && !d.fsync) return;
  const node = redis instanceof Cluster ? masterOf(redis, key) : redis;
  // The wait must end before the connection's command timeout would cut it (and call Redis unavailable).
  const commandTimeout = node.options.commandTimeout;
  const timeoutMs = commandTimeout ? Math.min(d.timeoutMs, Math.floor(commandTimeout * 0.8)) : d.timeoutMs;
  if (d.fsync) {
    const [major, minor] = await serverVersion(node);
    if (major < 7 || (major === 7 && minor < 2)) {
      throw unavailable(`durability: fsync was asked, but WAITAOF needs Redis 7.2 or later (this Redis is ${major}.${minor})`);
    }
    const reply = await node.call("WAITAOF", 1, d.replicas, timeoutMs).catch((err: Error) => {
      throw unavailable(`durability: WAITAOF failed: ${err.message}`);
    });
    const [local, replicas] = (reply as number[]).map(Number);
    if (local < 1 || replicas < d.replicas) {
      throw unavailable(`durability: within ${timeoutMs} ms the write reached the AOF of ${local} of 1 master and ` +
        `${replicas} of ${d.replicas} replicas; the write is applied but may be lost in a failover`);
    }
    return;
  }
  // A node demoted between the script and the WAIT answers an error: the write's fate is then the failover's.
  const acks = Number(await node.call("WAIT", d.replicas, timeoutMs).catch((err: Error) => {
    throw unavailable(`durability: WAIT failed (${err.message}); the write may be lost in a failover`);
  }));
  if (acks < d.replicas) {
    throw unavailable(`durability: ${acks} of ${d.replicas} replicas acknowledged the write within ${timeoutMs} ms; ` +
      "the write is applied but may be lost in a failover");
  }
}

/**
 * The connection to the master serving `key`'s slot. The cluster pools one connection per node, so a
 * WAIT on it counts the script's write. (Should the slot move between the script and the WAIT, this
 * asks the new master, which may not hold the write: such a write is lost or made durable by the
 * failover itself; the store may close that gap by sending the script and the WAIT as one pipeline.)
 */
function masterOf(cluster: Cluster, key: string): Redis {
  const owner = cluster.slots[keySlot(key)]?.[0];
  const node = owner && cluster.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === owner);
  if (!node) throw unavailable(`durability: no master is known for the room's slot ${keySlot(key)}`);
  return node;
}

function serverVersion(node: Redis): Promise<number[]> {
  let v = versions.get(node);
  if (!v) {
    v = node.info("server").then((info) => (/redis_version:(\d+)\.(\d+)/.exec(info) ?? ["", "0", "0"]).slice(1).map(Number));
    v.catch(() => versions.delete(node));
    versions.set(node, v);
  }
  return v;
}
