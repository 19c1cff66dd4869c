import fc from "fast-check";
import { expect, it } from "vitest";
import { Struct } from "@roomhistory/client/gen/google/protobuf/struct.js";
import { structSize } from "../../src/wire/struct-size.js";

/** structSize is the length Struct.encode gives, computed without encoding (RenderMessages' room_context check). */

const encodedSize = (o: Record<string, unknown>) => Struct.encode(Struct.wrap(o)).finish().length;

// "__proto__" is left out: ts-proto's decoder and Struct.wrap both assign it as the object's prototype,
// so a decoded context never holds it as a key (structSize would count it: never an under-count).
const key = fc.string({ unit: "binary" }).filter((k) => k !== "__proto__");
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.boolean(), fc.double(), fc.string({ unit: "binary" }),
    fc.array(tie("value")), fc.dictionary(key, tie("value"))),
}));

it("equals Struct.encode's length for random JSON objects", () => {
  fc.assert(fc.property(fc.dictionary(key, value), (o) => structSize(o) === encodedSize(o)), { numRuns: 1000 });
});

it("equals it at the edges: empty key, empty values, multi-byte text, lengths across varint boundaries", () => {
  const cases: Record<string, unknown>[] = [
    {}, { "": "" }, { "": null }, { a: [] }, { a: {} }, { a: [null, true, 0, -0, 1e300, ""] }, { é: "日本語", "😀": ["😀"] },
    ...[127, 128, 16383, 16384, 2097151, 2097152].map((n) => ({ k: "x".repeat(n) })),
    { big: Array.from({ length: 300 }, (_, i) => ({ i, s: "é".repeat(i) })) },
  ];
  for (const o of cases) expect(structSize(o), JSON.stringify(o).slice(0, 60)).toBe(encodedSize(o));
});
