import { DomainError, unavailable } from "../../domain/errors.js";

/** ioredis connection states in which a command would only wait for a reconnect. */
const DOWN = new Set(["reconnecting", "close", "end"]);

/** Redis replies that mean "not now" rather than "wrong": the client may retry. */
const TRANSIENT_REPLY = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY|NOREPLICAS|MOVED|ASK)\b/;

/**
 * Runs a Redis call and turns a lost connection into UNAVAILABLE. Other Redis errors (a script bug,
 * WRONGTYPE on a foreign key) stay unexpected and end as INTERNAL with the detail logged server-side.
 */
export async function guardRedis<T>(call: () => Promise<T>, client?: { status: string }): Promise<T> {
  // A connection that is known to be down answers at once, instead of after ioredis' retries.
  if (client && DOWN.has(client.status)) throw unavailable("the store is unavailable; retry later");
  try {
    return await call();
  } catch (err) {
    if (err instanceof DomainError) throw err;
    const e = err as Error;
    if (e.name === "ReplyError" && !TRANSIENT_REPLY.test(e.message)) throw err;
    // The detail (addresses, ports) stays in the server log; the client learns only that it may retry.
    throw Object.assign(unavailable("the store is unavailable; retry later"), { cause: e });
  }
}
