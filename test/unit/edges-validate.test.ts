import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { instantProblem, instantToIso, isoToInstant, MAX_SECONDS, MIN_SECONDS } from "../../src/domain/timestamps.js";
import { checkDurability, checkIdempotencyKey, checkTimestamp } from "../../src/wire/validate.js";

/** The DomainError a call throws, for its field and message. */
function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error("expected a DomainError");
}

describe("idempotency keys", () => {
  it("treats an empty key as none and passes 1 to 128 safe characters", () => {
    expect(checkIdempotencyKey("")).toBeUndefined();
    for (const key of ["a", "0b6f4c1e-2d5a-4e8b-9f3c-7a1d2e3f4a5b", "01HZX3J5K6M7N8P9Q0R1S2T3V4", "a.b_c-D", "k".repeat(128)]) {
      expect(checkIdempotencyKey(key)).toBe(key);
    }
  });

  it("names idempotency_key for anything else", () => {
    for (const key of ["k".repeat(129), "has space", "a/b", "a:b", "café", "{tag}", "line\nbreak"]) {
      const err = thrown(() => checkIdempotencyKey(key));
      expect(err.code).toBe("INVALID_ARGUMENT");
      expect(err.metadata.field).toBe("idempotency_key");
    }
  });
});

describe("durability", () => {
  it("passes unset and in-range requests through", () => {
    expect(checkDurability(undefined)).toBeUndefined();
    const d = { replicas: 16, timeoutMs: 60_000, fsync: true };
    expect(checkDurability(d)).toBe(d);
  });

  it("names the field that is out of range, under the given parent", () => {
    expect(thrown(() => checkDurability({ replicas: 17, timeoutMs: 0, fsync: false })).metadata.field).toBe("durability.replicas");
    expect(thrown(() => checkDurability({ replicas: 1, timeoutMs: 60_001, fsync: false })).message)
      .toBe("durability.timeout_ms: must be at most 60000");
    expect(thrown(() => checkDurability({ replicas: 99, timeoutMs: 0, fsync: false }, "write.durability")).metadata.field)
      .toBe("write.durability.replicas");
  });
});

describe("timestamps at the edges of their range", () => {
  it("round-trips the first and last instants, pre-1970 values and every nanosecond digit", () => {
    const cases: [number, number, string][] = [
      [MIN_SECONDS, 0, "0001-01-01T00:00:00Z"],
      [MAX_SECONDS, 999_999_999, "9999-12-31T23:59:59.999999999Z"],
      [-1, 500_000_000, "1969-12-31T23:59:59.5Z"],
      [-1, 1, "1969-12-31T23:59:59.000000001Z"],
      [0, 0, "1970-01-01T00:00:00Z"],
    ];
    for (const [seconds, nanos, iso] of cases) {
      expect(instantToIso({ seconds, nanos })).toBe(iso);
      expect(isoToInstant(iso)).toEqual({ seconds, nanos });
    }
  });

  it("refuses what no RFC 3339 reader could parse back", () => {
    for (const t of [
      { seconds: MIN_SECONDS - 1, nanos: 0 }, { seconds: MAX_SECONDS + 1, nanos: 0 }, { seconds: 1e15, nanos: 0 },
      { seconds: 0, nanos: -1 }, { seconds: 0, nanos: 1_000_000_000 }, { seconds: 0.5, nanos: 0 },
    ]) {
      expect(instantProblem(t)).toBeDefined();
      expect(() => instantToIso(t)).toThrow(RangeError);
      expect(thrown(() => checkTimestamp(t, "messages[0].created_at")).metadata.field).toBe("messages[0].created_at");
    }
    expect(() => checkTimestamp(undefined, "deleted_at")).not.toThrow();
  });

  it("reads legacy text that an offset moves out of range as no timestamp", () => {
    expect(isoToInstant("0001-01-01T00:30:00+01:00")).toBeUndefined();
    expect(isoToInstant("9999-12-31T23:30:00-01:00")).toBeUndefined();
    expect(isoToInstant("0001-01-01T01:00:00+01:00")).toEqual({ seconds: MIN_SECONDS, nanos: 0 });
  });
});
