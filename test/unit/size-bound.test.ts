import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Message, Role, MessageKind } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { wireSizeBound } from "../../src/wire/size-bound.js";

const text = fc.oneof(fc.string({ unit: "grapheme", maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 }));
const timestamp = fc.record({ seconds: fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }), nanos: fc.nat(999_999_999) });

const message = fc.record({
  id: text, seq: fc.nat(), deletedAt: fc.option(timestamp, { nil: undefined }), role: fc.constantFrom(...Object.values(Role).filter((r) => typeof r === "number")),
  content: text, toolCallId: text, isError: fc.boolean(), kind: fc.constantFrom(MessageKind.MESSAGE_KIND_UNSPECIFIED, MessageKind.MESSAGE_KIND_SUMMARY, -1),
  sender: text, createdAt: fc.option(timestamp, { nil: undefined }), editedAt: fc.option(timestamp, { nil: undefined }),
  metadata: fc.dictionary(text, text, { maxKeys: 5 }), tokens: fc.nat(), runId: text, phaseId: text,
  toolCalls: fc.array(fc.record({ id: text, name: text, arguments: text }), { maxLength: 3 }),
  parts: fc.array(fc.record({ text }), { maxLength: 3 }),
  reactions: fc.array(fc.record({ emoji: text, count: fc.nat() }), { maxLength: 3 }),
  transitionMarker: fc.boolean(), clientInput: fc.boolean(),
}).map((m) => Message.fromPartial(m as Partial<Message>));

describe("wireSizeBound", () => {
  it("is never below the encoded size of a message", () => {
    fc.assert(fc.property(message, (m) => wireSizeBound(m) >= Message.encode(m).finish().length), { numRuns: 500 });
  });

  it("bounds surrogate pairs, lone surrogates and 3-byte characters", () => {
    for (const content of ["😀".repeat(100), "\ud800".repeat(100), "€".repeat(100), "a".repeat(100)]) {
      const m = Message.fromPartial({ content, metadata: { [content]: content } });
      expect(wireSizeBound(m)).toBeGreaterThanOrEqual(Message.encode(m).finish().length);
    }
  });
});
