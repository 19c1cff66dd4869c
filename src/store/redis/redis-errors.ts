import { DomainError, unavailable } from "../../domain/errors.js";
import { availabilityOf } from "./availability.js";

/** ioredis connection states in which a command would only wait for a reconnect. */
const DOWN = new Set(["reconnecting", "close", "end"]);

/** Redis replies that mean "not now" rather than "wrong": the client may retry. */
const TRANSIENT_REPLY = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY|NOREPLICAS|MOVED|ASK)\b/;

/**
 * Replies that prove the command did not run: the node refused it before executing (its slot lives
 * elsewhere, or is being migrated). Running it again is safe for any command, a script included.
 */
const NOT_EXECUTED = /^(MOVED|ASK|TRYAGAIN)\b/;

/** How often a call refused with NOT_EXECUTED is tried again, and the pause before each try. */
const REDIRECT_TRIES = 5;
const REDIRECT_PAUSE_MS = [0, 25, 50, 100, 200];

export interface GuardOptions {
  /**
   * The call may run twice without harm (a read; an append with an idempotency key): it is tried again
   * after a lost connection or a timeout too, when whether it ran is unknown.
   */
  idempotent?: boolean;
}

/**
 * Runs a Redis call and turns a lost connection into UNAVAILABLE. A call refused with MOVED/ASK/
 * TRYAGAIN (it never ran: the slot moved in a failover or a migration) is tried again, so a redirect
 * never reaches a client. Other Redis errors (a script bug, WRONGTYPE on a foreign key) stay
 * unexpected and end as INTERNAL with the detail logged server-side. Outcomes feed the client's
 * availability monitor (health), when it has one.
 */
export async function guardRedis<T>(call: () => Promise<T>, client?: { status: string }, opts: GuardOptions = {}): Promise<T> {
  const monitor = client && availabilityOf(client);
  // A connection that is known to be down answers at once, instead of after ioredis' retries.
  if (client && DOWN.has(client.status)) throw unavailable("the store is unavailable; retry later");
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await call();
      monitor?.succeeded();
      return result;
    } catch (err) {
      if (err instanceof DomainError) throw err;
      const e = err as Error;
      const redirected = NOT_EXECUTED.test(e.message) && attempt + 1 < REDIRECT_TRIES;
      // Once, and not after a timeout: waiting a second command timeout would only double the wait.
      const again = opts.idempotent && attempt === 0 && !isReplyError(e) && !isTimeout(e);
      const retry = redirected || again;
      if (retry) {
        await new Promise((r) => setTimeout(r, REDIRECT_PAUSE_MS[attempt]));
        continue;
      }
      if (isReplyError(e) && !TRANSIENT_REPLY.test(e.message)) throw err;
      monitor?.failed(e);
      // The detail (addresses, ports) stays in the server log; the client learns only that it may retry.
      throw Object.assign(unavailable(unavailableReason(e)), { cause: e });
    }
  }
}

function isReplyError(e: Error): boolean {
  return e.name === "ReplyError";
}

function isTimeout(e: Error): boolean {
  return e.message === "Command timed out";
}

function unavailableReason(e: Error): string {
  if (isTimeout(e)) return "the store did not answer in time; retry later";
  return "the store is unavailable; retry later";
}
