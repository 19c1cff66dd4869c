import { Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";

/**
 * A response serialised ahead of time. Handlers and watch streams hand the same bytes to many calls
 * (an unchanged window, one change fanned out to thousands of streams) instead of encoding each
 * time; the server's service definition passes an Encoded straight through (src/server/implementation.ts).
 *
 * A response may be several parts (a per-call head and shared per-version bytes): they are never
 * joined here, but copied once, straight into the frame grpc-js sends (see `gathered`).
 */
export class Encoded {
  readonly parts: readonly Uint8Array[];

  constructor(...parts: Uint8Array[]) {
    this.parts = parts;
  }

  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }

  /** The response as one Buffer: the part itself, or the parts joined (a copy: for tests and tools). */
  get bytes(): Buffer {
    const [only] = this.parts;
    if (this.parts.length === 1) return Buffer.from(only.buffer, only.byteOffset, only.length);
    return Buffer.concat(this.parts);
  }

  /**
   * What the response serialiser hands grpc-js. grpc-js frames a reply by reading the serialiser's
   * result's `byteLength` and calling its `copy(target, offset)` into a buffer it allocates
   * (server-interceptors.js, serializeMessage); a multi-part response answers both itself, so its
   * parts are copied once, into that frame, and never joined first. One part is passed as it is.
   */
  gathered(): Buffer {
    if (this.parts.length === 1) return this.bytes;
    const parts = this.parts;
    const byteLength = this.length;
    const copy = (target: Uint8Array, offset = 0): number => {
      let at = offset;
      for (const p of parts) {
        target.set(p, at);
        at += p.length;
      }
      return byteLength;
    };
    return { byteLength, length: byteLength, copy } as unknown as Buffer;
  }
}

/** Memoises `make` per key object, for values derived from immutable snapshots and changes. */
export function memo<K extends object, V>(cache: WeakMap<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

const MESSAGES_TAG = (2 << 3) | 2; // GetHistoryResponse.messages: field 2, length-delimited
const VERSION_TAG = 1 << 3; // GetHistoryResponse.version: field 1, varint
const TOKEN_TAG = (3 << 3) | 2; // GetHistoryResponse.next_page_token

/**
 * A window encoded once per snapshot as a GetHistoryResponse whose fields come in this order: the
 * messages, then the version (protobuf takes fields in any order). Any run of messages is then a
 * reply made of views into the same bytes (plus, for a page that stops before the end, the version and
 * a token): nothing is copied before grpc-js frames it.
 */
export class EncodedWindow {
  /** starts[i] is where message i's field starts; starts[n] where the version field starts. */
  private constructor(readonly bytes: Buffer, private readonly starts: number[]) {}

  static encode(version: number, messages: readonly Message[]): EncodedWindow {
    const bodies = messages.map((m) => Message.encode(m).finish());
    const tail = varintField(VERSION_TAG, version);
    const starts: number[] = [0];
    for (const body of bodies) starts.push(starts.at(-1)! + 1 + varintLength(body.length) + body.length);
    const bytes = Buffer.allocUnsafe(starts.at(-1)! + tail.length);
    bodies.forEach((body, i) => {
      let at = starts[i];
      bytes[at++] = MESSAGES_TAG;
      at = writeVarint(bytes, at, body.length);
      bytes.set(body, at);
    });
    bytes.set(tail, starts.at(-1));
    return new EncodedWindow(bytes, starts);
  }

  get count(): number {
    return this.starts.length - 1;
  }

  /** Bytes of messages [from, to) in a reply. */
  size(from: number, to: number): number {
    return this.starts[to] - this.starts[from];
  }

  /** The largest `to` (at most `max`) whose messages [from, to) take at most `budget` bytes. */
  fit(from: number, max: number, budget: number): number {
    let lo = from;
    let hi = max;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.size(from, mid) <= budget) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The reply carrying messages [from, to), with `token` as next_page_token. */
  reply(from: number, to: number, token: string): Encoded {
    const versionField = this.bytes.subarray(this.starts[this.count]);
    if (to === this.count && token === "") return new Encoded(this.bytes.subarray(this.starts[from]));
    const tokenBytes = Buffer.from(token, "utf8");
    const tokenField = token === ""
      ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from([TOKEN_TAG]), varint(tokenBytes.length), tokenBytes]);
    return new Encoded(this.bytes.subarray(this.starts[from], this.starts[to]), versionField, tokenField);
  }
}

/** A varint field, or nothing for 0 (as proto3 leaves zero values out). */
function varintField(tag: number, value: number): Buffer {
  return value === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([tag]), varint(value)]);
}

function varint(value: number): Buffer {
  const out = Buffer.allocUnsafe(varintLength(value));
  writeVarint(out, 0, value);
  return out;
}

function varintLength(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  while (value >= 128) {
    out[at++] = (value % 128) | 128;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}
