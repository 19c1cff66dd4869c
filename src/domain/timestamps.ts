/** A protobuf Timestamp without the generated type, so the domain stays free of gRPC code. */
export interface Instant {
  seconds: number;
  nanos: number;
}

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * RFC 3339 text with all nine fractional digits kept, because a Python worker may write
 * microseconds and a JavaScript Date would drop them on a round trip.
 */
export function instantToIso(t: Instant): string {
  const base = new Date(t.seconds * 1000).toISOString().slice(0, 19);
  if (!t.nanos) return `${base}Z`;
  const frac = String(t.nanos).padStart(9, "0").replace(/0+$/, "");
  return `${base}.${frac}Z`;
}

/** Parses RFC 3339 text; undefined when it is not a timestamp (legacy tags hold free text). */
export function isoToInstant(text: string): Instant | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const nanos = m[2] ? Number(m[2].padEnd(9, "0")) : 0;
  return { seconds: Math.floor(ms / 1000), nanos };
}

export function nowInstant(): Instant {
  const ms = Date.now();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function nowIso(): string {
  return instantToIso(nowInstant());
}
