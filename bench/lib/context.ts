import type { TestRedis } from "../../test/helpers/redis.js";
import type { Figure } from "./report.js";

/** What every scenario gets from bench/run.ts. */
export interface Context {
  quick: boolean;
  /** The bench's own redis-server, flushed before each scenario. */
  redis: TestRedis;
  log(message: string): void;
  /** Extra numbers a scenario wants kept in latest.json (raw samples summaries, setup). */
  details: Record<string, unknown>;
  /** Notes for the report: setup caveats, explanations of a shortfall. */
  notes: string[];
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: Context): Promise<Figure[]>;
}

/** The roomhistory server's environment for a scenario: the bench's Redis and its own key prefix. */
export function serviceEnv(ctx: Context, scenario: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ROOMHISTORY_REDIS_URL: ctx.redis.url, ROOMHISTORY_KEY_PREFIX: `bench:${scenario}`, ...extra };
}

/** Picks the quick or the full value of a size. */
export const size = <T>(ctx: Context, full: T, quick: T): T => (ctx.quick ? quick : full);
