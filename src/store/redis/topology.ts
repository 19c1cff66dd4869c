import { Cluster, type Redis } from "ioredis";
import type { NodeAddress } from "./shard-connection.js";
import { keySlot } from "./slot.js";

/** Where each channel's slot lives now: one node for a single Redis, the slot map for a cluster. */
export interface Topology {
  nodeFor(channel: string): string | undefined;
  address(node: string): NodeAddress;
  /** Asks the cluster for its slot map again (nothing for a single Redis); never rejects. */
  refresh(): Promise<void>;
}

/** The topology of a client: one node for a single Redis, the client's slot map for a cluster. */
export function topologyOf(redis: Redis | Cluster): Topology {
  return redis instanceof Cluster ? clusterTopology(redis) : singleTopology(redis);
}

function singleTopology(redis: Redis): Topology {
  const o = redis.options;
  const node = `${o.host}:${o.port}`;
  return {
    nodeFor: () => node,
    address: () => ({ host: o.host ?? "127.0.0.1", port: o.port ?? 6379, username: o.username, password: o.password, tls: o.tls }),
    refresh: async () => undefined,
  };
}

function clusterTopology(cluster: Cluster): Topology {
  const o = cluster.options.redisOptions ?? {};
  return {
    nodeFor: (channel) => cluster.slots[keySlot(channel)]?.[0],
    address: (node) => {
      const i = node.lastIndexOf(":");
      return { host: node.slice(0, i), port: Number(node.slice(i + 1)), username: o.username, password: o.password, tls: o.tls };
    },
    refresh: () => new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve())),
  };
}
