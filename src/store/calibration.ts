/**
 * A room's token calibration (ReportUsage): the provider's counts over the server's raw estimates, as
 * a ratio of decayed sums (each sum is multiplied by CALIBRATION_DECAY before a report is added, so
 * recent renders weigh more), clamped to [CALIBRATION_MIN, CALIBRATION_MAX]. A reported estimate was
 * already multiplied by the calibration in force, so it is divided by it first; when a report arrives
 * after another one moved the calibration, that division is slightly off, and the next reports correct
 * it. The memory store applies addUsageReport; the Redis store passes the same constants to
 * report-usage-5.lua; the conformance suite holds the two together.
 */
import type { UsageReport } from "./store.js";

export const CALIBRATION_DECAY = 0.9;
export const CALIBRATION_MIN = 0.25;
export const CALIBRATION_MAX = 4;

/** The decayed sums a room's calibration is built from, and how many reports went in. */
export interface UsageSums {
  input: number;
  estimate: number;
  samples: number;
}

export const NO_USAGE: UsageSums = { input: 0, estimate: 0, samples: 0 };

/** The calibration of decayed sums; 1 without any (report-usage-5.lua computes the same). */
export function calibrationOf(sumInput: number, sumEstimate: number): number {
  if (!(sumInput > 0 && sumEstimate > 0)) return 1;
  return Math.min(CALIBRATION_MAX, Math.max(CALIBRATION_MIN, sumInput / sumEstimate));
}

/** The sums after one report (the memory store's twin of report-usage-5.lua). */
export function addUsageReport(sums: UsageSums, report: UsageReport): UsageSums {
  const raw = report.estimatedTokens / calibrationOf(sums.input, sums.estimate);
  return {
    input: sums.input * CALIBRATION_DECAY + report.inputTokens,
    estimate: sums.estimate * CALIBRATION_DECAY + raw,
    samples: sums.samples + 1,
  };
}
