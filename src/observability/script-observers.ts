/**
 * The one place a Redis script call can be watched from outside the store: metrics time it, tracing
 * wraps it in a span. Observers register once at start-up; with none registered a script call costs
 * one length check more than calling ioredis directly.
 */
import type { Cluster, Redis } from "ioredis";

/** Called when the script's reply (or error) arrives. */
export type ScriptEnd = (error?: unknown) => void;
/** Called, in the caller's async context, as a script is sent; `script` is its command name (rhAppend). */
export type ScriptObserver = (script: string) => ScriptEnd;

const observers: ScriptObserver[] = [];

/** Adds an observer of every script call; returns its removal. */
export function observeScripts(observer: ScriptObserver): () => void {
  observers.push(observer);
  return () => {
    const at = observers.indexOf(observer);
    if (at >= 0) observers.splice(at, 1);
  };
}

type Command = (this: unknown, ...args: unknown[]) => Promise<unknown>;

/**
 * Wraps the command `name` that `redis.defineCommand` installed, so observers see every call made on
 * `redis`. Calls queued on a pipeline or MULTI by hand are not observed (the store makes none).
 */
export function instrumentScript(redis: Redis | Cluster, name: string): void {
  const commands = redis as unknown as Record<string, Command>;
  const run = commands[name];
  if (typeof run !== "function") throw new Error(`instrumentScript: ${name} is not defined`);
  commands[name] = function observed(this: unknown, ...args: unknown[]): Promise<unknown> {
    // ioredis copies the command onto its pipelines (auto-pipelining calls it there): only the call on
    // the client itself is observed, once.
    if (observers.length === 0 || this !== redis) return run.apply(this, args);
    const ends = observers.map((observe) => observe(name));
    const reply = run.apply(this, args);
    reply.then(() => { for (const end of ends) end(); }, (err: unknown) => { for (const end of ends) end(err); });
    return reply;
  };
}
