/**
 * Token counts kept with entries (src/prompt/tokens.ts), the remembered render estimates
 * (src/service/usage-memory.ts) and the calibration rule (src/store/calibration.ts), without a server.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { countTokens as exactCount } from "gpt-tokenizer/encoding/o200k_base";
import { countTokens, entryTokens, EXACT_CHARS, RUN_CHARS } from "../../src/prompt/tokens.js";
import {
  clearEstimates, recallEstimate, rememberEstimate, USAGE_MEMORY_ENTRIES,
} from "../../src/service/usage-memory.js";
import { addUsageReport, calibrationOf, NO_USAGE } from "../../src/store/calibration.js";

describe("countTokens and entryTokens", () => {
  it("counts with o200k_base by default and cl100k_base on request", () => {
    // Known counts of both OpenAI encodings (tiktoken gives the same).
    expect(countTokens("hello world")).toBe(2);
    expect(countTokens("hello world", "cl100k_base")).toBe(2);
    expect(countTokens("")).toBe(0);
    const russian = "Дедлайн — пятница, 29 ноября";
    expect(countTokens(russian, "cl100k_base")).toBeGreaterThan(countTokens(russian));
  });

  it("stays fast on what BPE is slow at, and close to the exact count", () => {
    const started = performance.now();
    // One pre-token of a million letters: the plain BPE takes minutes.
    expect(countTokens("x".repeat(1_000_000))).toBe(125_000);
    const base64 = Buffer.from(Array.from({ length: 6000 }, (_, i) => (i * 7919) % 256)).toString("base64");
    expect(base64.length).toBeGreaterThan(RUN_CHARS * 10);
    expect(Math.abs(countTokens(base64) - exactCount(base64)) / exactCount(base64)).toBeLessThan(0.005);
    const english = "The build passed; the review asked for one more test. ".repeat(500);
    expect(english.length).toBeLessThan(EXACT_CHARS);
    expect(countTokens(english)).toBe(exactCount(english)); // no long runs, under EXACT_CHARS: exact
    const long = english.repeat(4); // over EXACT_CHARS: the head, scaled
    expect(Math.abs(countTokens(long) - exactCount(long)) / exactCount(long)).toBeLessThan(0.01);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("counts an entry's text, text parts and tool calls, not images, roles or markers", () => {
    const args = '{"city":"Köln"}';
    const entry: Entry = {
      role: "assistant", content: [{ type: "text", text: "see" }, { type: "image_url", image_url: { url: "https://x/y.png" } }],
      content_text: "Checking the weather", tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: args } }],
    };
    expect(entryTokens(entry)).toBe(countTokens("Checking the weather") + countTokens("see") + countTokens("get_weather") + countTokens(args));
    expect(entryTokens({ role: "user", content: "" })).toBe(0);
    expect(entryTokens({ role: "user", content: "Grüße" }, "cl100k_base")).toBe(countTokens("Grüße", "cl100k_base"));
  });
});

describe("usage memory", () => {
  afterEach(() => clearEstimates());

  it("recalls an estimate by room, version and format; the last one wins", () => {
    rememberEstimate("r", 3, "anthropic", 100);
    rememberEstimate("r", 3, "anthropic", 120);
    rememberEstimate("r", 3, "openai", 90);
    expect(recallEstimate("r", 3, "anthropic")).toBe(120);
    expect(recallEstimate("r", 3, "openai")).toBe(90);
    expect(recallEstimate("r", 4, "anthropic")).toBeUndefined();
    expect(recallEstimate("r\u00003", 3, "anthropic")).toBeUndefined();
  });

  it("keeps at most USAGE_MEMORY_ENTRIES, dropping the least recently used", () => {
    for (let i = 0; i < USAGE_MEMORY_ENTRIES; i++) rememberEstimate(`room-${i}`, 1, "anthropic", i + 1);
    expect(recallEstimate("room-0", 1, "anthropic")).toBe(1); // used: now the most recent
    rememberEstimate("one-more", 1, "anthropic", 7);
    expect(recallEstimate("room-0", 1, "anthropic")).toBe(1);
    expect(recallEstimate("room-1", 1, "anthropic")).toBeUndefined();
    expect(recallEstimate("one-more", 1, "anthropic")).toBe(7);
  });
});

describe("calibration", () => {
  it("is 1 without reports, the ratio of decayed sums after, clamped to [0.25, 4]", () => {
    expect(calibrationOf(0, 0)).toBe(1);
    const one = addUsageReport(NO_USAGE, { inputTokens: 110, estimatedTokens: 100 });
    expect(one).toEqual({ input: 110, estimate: 100, samples: 1 });
    expect(calibrationOf(one.input, one.estimate)).toBeCloseTo(1.1, 12);
    // A calibrated estimate (1.1 × 200) is divided back; recent reports weigh more (0.9 decay).
    const two = addUsageReport(one, { inputTokens: 300, estimatedTokens: 220 });
    expect(two.input).toBeCloseTo(0.9 * 110 + 300, 9);
    expect(two.estimate).toBeCloseTo(0.9 * 100 + 200, 9);
    expect(calibrationOf(1000, 1)).toBe(4);
    expect(calibrationOf(1, 1000)).toBe(0.25);
  });
});
