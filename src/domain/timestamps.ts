/** A protobuf Timestamp without the generated type, so the domain stays free of gRPC code. */
export interface Instant {
  seconds: number;
  nanos: number;
}

/**
 * google.protobuf.Timestamp's own range, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z: the
 * years four-digit RFC 3339 text can hold, so everything inside it is stored and read back unchanged.
 */
export const MIN_SECONDS = -62_135_596_800;
export const MAX_SECONDS = 253_402_300_799;
export const TIMESTAMP_RANGE = "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z";

/** Why `t` is not a valid Timestamp, or undefined when it is one. */
export function instantProblem(t: Instant): string | undefined {
  if (!Number.isInteger(t.seconds) || t.seconds < MIN_SECONDS || t.seconds > MAX_SECONDS) return TIMESTAMP_RANGE;
  // Negative nanos are not "just before": Timestamp counts them forward from `seconds`, always.
  if (!Number.isInteger(t.nanos) || t.nanos < 0 || t.nanos > 999_999_999) return "nanos must be from 0 to 999999999";
  return undefined;
}

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * RFC 3339 text with all nine fractional digits kept, because a Python worker may write
 * microseconds and a JavaScript Date would drop them on a round trip. Throws a RangeError outside
 * Timestamp's range (callers check with instantProblem first), rather than writing text no reader parses.
 */
export function instantToIso(t: Instant): string {
  const problem = instantProblem(t);
  if (problem) throw new RangeError(`timestamp ${t.seconds}s ${t.nanos}ns: ${problem}`);
  const base = new Date(t.seconds * 1000).toISOString().slice(0, 19);
  if (!t.nanos) return `${base}Z`;
  const frac = String(t.nanos).padStart(9, "0").replace(/0+$/, "");
  return `${base}.${frac}Z`;
}

/**
 * Parses RFC 3339 text; undefined when it is not a timestamp (legacy tags hold free text) or when an
 * offset moves it outside Timestamp's range.
 */
export function isoToInstant(text: string): Instant | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const nanos = m[2] ? Number(m[2].padEnd(9, "0")) : 0;
  const instant = { seconds: Math.floor(ms / 1000), nanos };
  return instantProblem(instant) ? undefined : instant;
}

export function nowInstant(): Instant {
  return msToInstant(Date.now());
}

/** A time in ms since the epoch as an Instant. */
export function msToInstant(ms: number): Instant {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function nowIso(): string {
  return instantToIso(nowInstant());
}
