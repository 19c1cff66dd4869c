/**
 * An upper bound of a decoded protobuf message's wire size, without encoding it: the append handler
 * encodes a message only when this bound exceeds the per-message limit, so an ordinary chat message
 * (a few hundred bytes against a megabyte) is never encoded just to be measured.
 *
 * Each JavaScript string code unit takes at most 3 bytes of UTF-8 (a surrogate pair, two units, takes
 * 4); each field, map entry or nested message adds at most a 2-byte tag and a 5-byte length, each
 * google.protobuf.Value wrapper (Struct fields, ListValue items) another 7; a number takes at most 10
 * bytes as a varint or 8 as a double. The allowances below (16 per value and per key, 32 per number)
 * cover those overheads with room to spare; fields left at their default are counted although they are
 * not encoded. Over-counting only means an exact encode, never a wrong answer.
 */
export function wireSizeBound(value: unknown): number {
  switch (typeof value) {
    case "string":
      return 3 * value.length + 16;
    case "number":
    case "bigint":
      return 32;
    case "boolean":
    case "undefined":
      return 16;
    case "object": {
      if (value === null) return 16;
      if (value instanceof Uint8Array) return value.byteLength + 16;
      let size = 16;
      if (Array.isArray(value)) {
        for (const item of value) size += wireSizeBound(item);
        return size;
      }
      for (const [key, item] of Object.entries(value)) size += 3 * key.length + 16 + wireSizeBound(item);
      return size;
    }
    default:
      // Functions and symbols are never part of a decoded message: no bound, so the caller encodes.
      return Infinity;
  }
}
