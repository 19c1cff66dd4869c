/**
 * Exact timestamps in proto3 JSON. The generated toJSON/fromJSON (ts-proto) pass every
 * google.protobuf.Timestamp through a Date, which keeps milliseconds only: a message written at
 * 10:30:00.123456 (the Echo bot's times, Python's json_format) would come back at 10:30:00.123. These
 * walk a message and its JSON side by side and put the nanoseconds back, so that a file written here and
 * read by the Python client (or the other way round) keeps every timestamp as it was.
 */
import type { Timestamp } from "./gen/google/protobuf/timestamp.js";

type Json = unknown;

/** `json` (what toJSON made of `message`) with every timestamp written to the nanosecond. */
export function withExactTimes(message: unknown, json: Json): Json {
  if (isTimestamp(message)) return typeof json === "string" ? timestampToJson(message) : json;
  if (Array.isArray(message) && Array.isArray(json)) return json.map((j, i) => withExactTimes(message[i], j));
  if (isObject(message) && isObject(json)) {
    for (const key of Object.keys(json)) json[key] = withExactTimes(message[key], json[key]);
  }
  return json;
}

/**
 * `message` (what fromJSON made of `json`) with every timestamp read to the nanosecond from `json`, whose
 * keys may be camelCase or the original snake_case names.
 */
export function readExactTimes<T>(message: T, json: Json): T {
  fix(message, json);
  return message;
}

function fix(message: unknown, json: Json): void {
  if (Array.isArray(message) && Array.isArray(json)) {
    message.forEach((m, i) => fixValue(message, i, m, json[i]));
  } else if (isObject(message) && isObject(json)) {
    for (const [key, value] of Object.entries(message)) {
      fixValue(message, key, value, key in json ? json[key] : json[snakeCase(key)]);
    }
  }
}

function fixValue(holder: Record<string | number, unknown> | unknown[], key: string | number, value: unknown, json: Json): void {
  if (isTimestamp(value)) {
    if (typeof json === "string") {
      const exact = timestampFromJson(json);
      if (exact) (holder as Record<string | number, unknown>)[key] = exact;
    }
  } else {
    fix(value, json);
  }
}

/** RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as proto3 JSON writes a Timestamp. */
export function timestampToJson(t: Timestamp): string {
  const base = new Date(t.seconds * 1000).toISOString().slice(0, 19);
  if (t.nanos === 0) return `${base}Z`;
  const digits = String(t.nanos).padStart(9, "0");
  const fraction = t.nanos % 1_000_000 === 0 ? digits.slice(0, 3) : t.nanos % 1000 === 0 ? digits.slice(0, 6) : digits;
  return `${base}.${fraction}Z`;
}

/** An RFC 3339 time with its fraction to the nanosecond; undefined when it is not one. */
export function timestampFromJson(text: string): Timestamp | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: Math.floor(ms / 1000), nanos: m[2] ? Number(m[2].padEnd(9, "0")) : 0 };
}

function isTimestamp(v: unknown): v is Timestamp {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 2 && typeof v.seconds === "number" && typeof v.nanos === "number";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
