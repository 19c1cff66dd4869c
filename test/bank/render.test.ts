/**
 * RenderMessages with memory_bank (TEMPLATE and PREPEND) through the real server, on Redis and on the
 * memory store; memory_bank_tokens in the reply, the block inside the render's own budget.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryBankUse } from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import { RenderFormat } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { BANK_HEADER } from "../../src/bank/block.js";
import { countTokens } from "../../src/prompt/tokens.js";
import { rpc, user, assistant } from "../helpers/rpc.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { TestRedis } from "../helpers/redis.js";
import { at, bankRpc } from "./rpc.js";

const templates = mkdtempSync(join(tmpdir(), "roomhistory-bank-templates-"));
writeFileSync(join(templates, "plain.j2"), "You are a helpful assistant.");
writeFileSync(join(templates, "bank.j2"), "You help.{% if memory_bank %} What you remember: {{ memory_bank }}{% endif %}");

let redis: TestRedis;
const servers: Record<string, TestServer> = {};
beforeAll(async () => {
  redis = await TestRedis.start();
  const env = { ROOMHISTORY_TEMPLATES: templates, ROOMHISTORY_DEFAULT_TEMPLATE: "plain.j2" };
  servers.redis = await startTestServer({ ...env, ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("bankrender") });
  servers.memory = await startTestServer(env);
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  await redis?.stop();
});

describe.each(["redis", "memory"])("RenderMessages memory_bank (%s)", (kind) => {
  const calls = () => ({ ...rpc(servers[kind].client), ...bankRpc(servers[kind].client) });
  const ns = `render-${kind}`;
  const roomId = `${ns}-room`;
  let block = "";

  beforeAll(async () => {
    const c = calls();
    await c.setOptions({ namespace: ns, memoryBankEnabled: true, maxTokens: 500 });
    for (const other of ["a", "b"]) {
      const id = `${ns}-${other}`;
      await c.setNamespace(id, ns);
      const { version } = await c.append({ roomId: id, messages: [user("q"), assistant("a")] });
      await c.put({ roomId: id, summary: `- The user of room ${other} set up the billing export.`, coversVersion: version, lastTurnAt: at(-60_000) });
    }
    await c.setNamespace(roomId, ns);
    await c.append({ roomId, messages: [user("hello"), assistant("hi")] });
    block = (await c.renderBank({ namespace: ns })).text;
    expect(block.startsWith(BANK_HEADER)).toBe(true);
  });

  it("PREPEND puts the block and a blank line before the system prompt", async () => {
    const c = calls();
    const r = await c.render({ roomId, format: RenderFormat.RENDER_FORMAT_OPENAI_CHAT, memoryBank: MemoryBankUse.MEMORY_BANK_USE_PREPEND });
    expect(r.system).toBe(`${block}\n\nYou are a helpful assistant.`);
    expect(r.messages[0]).toMatchObject({ role: "system", content: r.system });
    expect(r.memoryBankTokens).toBe(countTokens(block));
    const plain = await c.render({ roomId, format: RenderFormat.RENDER_FORMAT_OPENAI_CHAT });
    expect(plain).toMatchObject({ system: "You are a helpful assistant.", memoryBankTokens: 0 });
    expect(r.estimatedTokens).toBeGreaterThan(plain.estimatedTokens + r.memoryBankTokens - 1);
  });

  it("TEMPLATE gives the template the block as memory_bank only", async () => {
    const c = calls();
    const r = await c.render({ roomId, template: "bank.j2", memoryBank: MemoryBankUse.MEMORY_BANK_USE_TEMPLATE });
    expect(r.system).toBe(`You help. What you remember: ${block}`);
    expect(r.memoryBankTokens).toBe(countTokens(block));
    expect((await c.render({ roomId, template: "bank.j2" })).system).toBe("You help.");
  });

  it("renders the bank as it is now after a summary changes", async () => {
    const c = calls();
    const before = await c.render({ roomId, memoryBank: MemoryBankUse.MEMORY_BANK_USE_PREPEND });
    const { version } = await c.append({ roomId: `${ns}-a`, messages: [user("more"), assistant("sure")] });
    await c.put({ roomId: `${ns}-a`, summary: "- The billing export now runs nightly.", coversVersion: version, lastTurnAt: at(-1000) });
    const after = await c.render({ roomId, memoryBank: MemoryBankUse.MEMORY_BANK_USE_PREPEND });
    expect(before.system).not.toContain("runs nightly");
    expect(after.system).toContain("- The billing export now runs nightly.");
    block = (await c.renderBank({ namespace: ns })).text;
  });

  it("cuts the block at memory_bank_max_tokens, and renders none for a room without a namespace", async () => {
    const c = calls();
    const budget = countTokens(block) - 1;
    const r = await c.render({ roomId, memoryBank: MemoryBankUse.MEMORY_BANK_USE_PREPEND, memoryBankMaxTokens: budget });
    expect(r.memoryBankTokens).toBeLessThanOrEqual(budget);
    expect(r.system.startsWith(BANK_HEADER)).toBe(true);
    await c.append({ roomId: `${ns}-loose`, messages: [user("x")] });
    const loose = await c.render({ roomId: `${ns}-loose`, memoryBank: MemoryBankUse.MEMORY_BANK_USE_PREPEND });
    expect(loose).toMatchObject({ system: "You are a helpful assistant.", memoryBankTokens: 0 });
  });
});
