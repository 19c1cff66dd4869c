/**
 * The UTC periods a memory bank groups entries by (memory_bank.proto, MemoryBankEntry.period_key):
 * day "2026-11-22", ISO week "2026-W47", month "2026-11". The ISO week is Python's
 * `date.isocalendar()` (weeks start on Monday; week 1 holds the year's first Thursday), as restai's
 * `_week_key`, so digests keep their keys when a bank moves between the two.
 */
import type { Granularity } from "../store/bank/bank-types.js";

const DAY_MS = 86_400_000;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** "YYYY-MM-DD" of the UTC day `ms` falls in. */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** "YYYY-Www" of the ISO week `ms` falls in (UTC); the year is the ISO year, which may differ at year ends. */
export function weekKey(ms: number): string {
  const d = new Date(ms);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const isoWeekday = ((d.getUTCDay() + 6) % 7) + 1; // Monday 1 .. Sunday 7
  // The Thursday of this week decides its ISO year; its week number counts from that year's first day.
  const thursday = new Date(midnight + (4 - isoWeekday) * DAY_MS);
  const isoYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / DAY_MS / 7) + 1;
  return `${pad(isoYear, 4)}-W${pad(week)}`;
}

/** "YYYY-MM" of the UTC month `ms` falls in. */
export function monthKey(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}`;
}

/** The period key of a digest of granularity `g` whose newest source is at `ms`. */
export function periodKey(g: Exclude<Granularity, "conversation">, ms: number): string {
  if (g === "day") return dayKey(ms);
  return g === "week" ? weekKey(ms) : monthKey(ms);
}
