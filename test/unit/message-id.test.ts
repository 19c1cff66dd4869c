import { describe, expect, it } from "vitest";
import { newMessageId } from "../../src/wire/convert.js";
import { countTokens, RUN_CHARS } from "../../src/prompt/tokens.js";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";

describe("newMessageId", () => {
  it("makes distinct rh_ ids of 12 random bytes, across refills of its random pool", () => {
    const ids = Array.from({ length: 1000 }, () => newMessageId());
    for (const id of ids) expect(id).toMatch(/^rh_[A-Za-z0-9_-]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("countTokens of short texts", () => {
  it("counts a text of at most RUN_CHARS characters exactly, as the tokenizer does", () => {
    const texts = ["hello world", "x".repeat(RUN_CHARS), "a b ".repeat(RUN_CHARS / 4), "é".repeat(RUN_CHARS - 1)];
    for (const t of texts) expect(countTokens(t)).toBe(o200k(t));
  });
});
