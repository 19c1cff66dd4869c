import type { Redis } from "ioredis";

/** Total calls of every command so far (INFO commandstats; commands run inside Lua scripts count too). */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info("commandstats");
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1], Number(m[2]));
  return calls;
}

/** Commands per second between two snapshots, leaving out the INFO calls that take the snapshots. */
export function commandRate(before: Map<string, number>, after: Map<string, number>, seconds: number): {
  perSecond: number;
  byCommand: Record<string, number>;
} {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [cmd, n] of after) {
    if (cmd === "info") continue;
    const delta = n - (before.get(cmd) ?? 0);
    if (delta > 0) byCommand[cmd] = delta / seconds;
    total += delta;
  }
  return { perSecond: total / seconds, byCommand };
}

/** Calls and total µs Redis spent in scripts (EVALSHA and EVAL, commands inside them included). */
export async function scriptTime(redis: Redis): Promise<{ calls: number; usec: number }> {
  const info = await redis.info("commandstats");
  let calls = 0;
  let usec = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(m[1]);
    usec += Number(m[2]);
  }
  return { calls, usec };
}
