/**
 * Retries and resumption, in one place: the jittered exponential backoff every reconnect waits on,
 * which failures count as transient, which calls are safe to retry (retrySafe), their bounded retry
 * (retryCall) and the unbounded retry the watch and the mirror use to come back after a restart.
 * Nothing else in the package loops on errors. The rules of retrySafe, isRetryableStatus and retryWait
 * are clients/testdata/retry-vectors.json, which the Python client runs too.
 */
import { status } from "@grpc/grpc-js";
import { RoomHistoryError, UnavailableError, VersionConflictError } from "./errors.js";

/** How long to wait between attempts. */
export interface BackoffOptions {
  /** initialMs is the delay ceiling before the first retry, in ms. Default 100. */
  initialMs: number;
  /** maxMs caps the delay ceiling, in ms. Default 5000. */
  maxMs: number;
  /** multiplier grows the ceiling after every failed attempt. Default 2. */
  multiplier: number;
  /**
   * maxAttempts bounds the attempts of one call that is safe to retry (see retrySafe), the first
   * included; the per-call deadline bounds them too. Watches and the mirror retry for as long as they
   * are open. Default 5.
   */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5000, multiplier: 2, maxAttempts: 5 };

/**
 * Exponential delays with "equal jitter": each delay is half its ceiling plus a random share of the
 * other half. The random half spreads the reconnects of many workers after a restart; the fixed half
 * keeps a retry from firing at once again.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF, private readonly random = Math.random) {}

  /** The delay before the next attempt; grows with every call until reset(). */
  next(): number {
    const { initialMs, maxMs, multiplier } = this.options;
    const ceiling = Math.min(maxMs, initialMs * multiplier ** this.attempt);
    this.attempt++;
    return ceiling / 2 + this.random() * (ceiling / 2);
  }

  /** After a success: the next failure waits the shortest delay again. */
  reset(): void {
    this.attempt = 0;
  }
}

/** Fills the options a caller left out with the defaults. */
export function backoffOptions(partial?: Partial<BackoffOptions>): BackoffOptions {
  return { ...DEFAULT_BACKOFF, ...partial };
}

/** Waits `ms`, or less when the signal aborts (it resolves either way: callers check their state). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Whether an error may go away by itself: UNAVAILABLE (server restarting, Redis unreachable, connection
 * lost). Everything else says something about the request and would fail again.
 */
export function isTransient(err: unknown): boolean {
  return err instanceof UnavailableError;
}

/**
 * Whether a failed watch stream is reopened from its cursors: after UNAVAILABLE only (a restart, a
 * shutdown, a lost connection, or the store unreachable, which the server answers with UNAVAILABLE also
 * when it cannot subscribe). INTERNAL is a server bug and, like INVALID_ARGUMENT or RESOURCE_EXHAUSTED,
 * would fail again: it ends the watch. The rule is clients/testdata/watch-vectors.json (`resume`), which
 * the Python client runs too. (A stream the server ends with OK, or one silent for three progress
 * intervals, is reopened as well; the watch treats those as UNAVAILABLE.)
 */
export function shouldResume(err: unknown): boolean {
  return isTransient(err);
}

/**
 * The wait before a failed watch stream is reopened, or undefined when the watch ends with `err`:
 * `backoffMs` after UNAVAILABLE (shouldResume); after a RESOURCE_EXHAUSTED that carries a RetryInfo (the
 * token's cap on open watch streams), the server's delay, capped at MAX_RETRY_INFO_DELAY_MS (a zero delay
 * keeps the backoff). clients/testdata/watch-vectors.json (`retry_info`), which Python runs too.
 */
export function resumeDelay(err: unknown, backoffMs: number): number | undefined {
  if (shouldResume(err)) return backoffMs;
  if (!(err instanceof RoomHistoryError) || err.code !== RESOURCE_EXHAUSTED || err.retryDelayMs === undefined) {
    return undefined;
  }
  return err.retryDelayMs ? Math.min(err.retryDelayMs, MAX_RETRY_INFO_DELAY_MS) : backoffMs;
}

/**
 * Whether a failed call that is safe to retry may succeed when tried again: UNAVAILABLE (server
 * restarting, Redis unreachable, connection lost) and DEADLINE_EXCEEDED sent by a server or proxy (a
 * call's own deadline leaves no time for another attempt anyway).
 */
export function isRetryableStatus(code: number): boolean {
  return RETRYABLE_STATUSES.has(code);
}

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);
const RESOURCE_EXHAUSTED: number = status.RESOURCE_EXHAUSTED;

/** The longest wait a server's RetryInfo gets: a longer delay is cut to this, 30000 ms (Python: 30.0 s). */
export const MAX_RETRY_INFO_DELAY_MS = 30_000;

/**
 * The wait before retrying a failed call that is safe to repeat, in ms, or undefined to give up. A
 * retryable status (isRetryableStatus) waits `backoffMs`; a RESOURCE_EXHAUSTED retries only when the
 * server sent a RetryInfo (a quota: a size limit would fail again). A RetryInfo delay, capped at
 * MAX_RETRY_INFO_DELAY_MS, replaces the backoff (a zero delay keeps it). No wait reaches `remainingMs`,
 * what is left of the call's deadline: the call then fails with the server's error instead.
 * UNAUTHENTICATED and PERMISSION_DENIED are never retried, whatever they carry.
 */
export function retryWait(
  code: number, retryInfoMs: number | undefined, backoffMs: number, remainingMs: number,
): number | undefined {
  const quota = code === RESOURCE_EXHAUSTED && retryInfoMs !== undefined;
  if (!quota && !isRetryableStatus(code)) return undefined;
  const wait = retryInfoMs ? Math.min(retryInfoMs, MAX_RETRY_INFO_DELAY_MS) : backoffMs;
  return wait < remainingMs ? wait : undefined;
}

/**
 * The unary RPCs that are always safe to repeat: reads; ReapIdleRooms and PlanRollup (a repeat acts on
 * what is there then, as any later call would); PutConversationSummary (the same covers_version replaces
 * the entry). CommitRollup is not: a repeat after a lost reply is refused with ROLLUP_CONFLICT.
 */
const ALWAYS_SAFE = new Set([
  "getHistory", "renderMessages", "getRoomInfo", "listRooms", "reapIdleRooms",
  "getArchive", "searchHistory", "exportSummary", "getRunCursor",
  "getMemoryBank", "listRoomsNeedingSummary", "renderMemoryBank", "putConversationSummary", "planRollup",
]);

/**
 * Whether a call may be sent again after a failure that may have reached the server: reads always; an
 * append that carries an idempotency key (the server replays the first result) or an expected_version;
 * any other mutation only with an expected_version (a repeat then fails with VERSION_CONFLICT instead of
 * applying twice; without one, a repeated ClearRoom would wipe what was appended in between).
 * `method` is the client's method name (e.g. "appendMessages").
 */
export function retrySafe(
  method: string, request: { expectedVersion?: number; idempotencyKey?: string; expectedNextSeq?: number },
): boolean {
  if (ALWAYS_SAFE.has(method)) return true;
  if (method === "appendMessages" && request.idempotencyKey) return true;
  // A cursor update moves no version: its guard is expectedNextSeq (a repeat then fails with
  // CURSOR_CONFLICT instead of merging its values twice over a newer cursor).
  if (method === "updateRunCursor") return request.expectedNextSeq !== undefined;
  return request.expectedVersion !== undefined;
}

/**
 * Runs a call that is safe to retry, retrying failures retryWait allows (retryable statuses with backoff,
 * quotas after the server's RetryInfo delay) while attempts remain and the deadline (epoch ms) leaves room
 * for the wait. The last error is thrown as is.
 */
export async function retryCall<T>(
  attempt: () => Promise<T>,
  options: BackoffOptions,
  deadline: number,
  signal?: AbortSignal,
): Promise<T> {
  const backoff = new Backoff(options);
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const backoffMs = backoff.next();
      const wait = err instanceof RoomHistoryError
        ? retryWait(err.code, err.retryDelayMs, backoffMs, deadline - Date.now())
        : undefined;
      if (wait === undefined || n >= options.maxAttempts || signal?.aborted) throw err;
      await sleep(wait, signal);
    }
  }
}

/**
 * Runs `attempt` until it succeeds or `signal` aborts, waiting with backoff between failures and
 * telling `onError` about each one. For work that must eventually happen, such as the mirror's fetch
 * of a room it lost track of. Resolves undefined when aborted.
 */
export async function retryUntilAborted<T>(
  attempt: () => Promise<T>,
  options: BackoffOptions,
  signal: AbortSignal,
  onError: (err: RoomHistoryError | Error, delayMs: number) => void,
): Promise<T | undefined> {
  const backoff = new Backoff(options);
  while (!signal.aborted) {
    try {
      return await attempt();
    } catch (err) {
      if (signal.aborted) break;
      const delay = backoff.next();
      onError(err as Error, delay);
      await sleep(delay, signal);
    }
  }
  return undefined;
}

/**
 * The backoff of a compare-and-set loop that lost to another writer: short first waits (a conflict is
 * settled by one more round trip), growing to a second so that many writers of one room spread out; 50
 * attempts in all (Python: CONFLICT_POLICY).
 */
export const CONFLICT_BACKOFF: BackoffOptions = { initialMs: 10, maxMs: 1000, multiplier: 2, maxAttempts: 50 };

/**
 * Runs a compare-and-set `attempt` (it reads the room, then writes with expectedVersion) again after each
 * VersionConflictError, with jittered backoff, up to `options.maxAttempts` in all; the last conflict is
 * thrown. Other errors are thrown at once, and so is the last conflict when `signal` aborts.
 *
 *   await retryOnConflict(async () => {
 *     const { version } = await client.getRoomInfo({ roomId });
 *     return client.appendMessages({ roomId, messages: [reply], expectedVersion: version });
 *   });
 */
export async function retryOnConflict<T>(
  attempt: () => Promise<T>, options: BackoffOptions = CONFLICT_BACKOFF, signal?: AbortSignal,
): Promise<T> {
  const backoff = new Backoff(options);
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof VersionConflictError) || n >= options.maxAttempts || signal?.aborted) throw err;
      await sleep(backoff.next(), signal);
    }
  }
}
