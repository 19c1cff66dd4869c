import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RenderForm } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { PromptTemplates } from "../../src/prompt/templates.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rpc } from "../helpers/rpc.js";
import { renderWithJinja2, type Jinja2Result, type Job } from "./jinja2.js";

/**
 * The differential test: every template in test/fixtures/jinja-corpus, with the context in the JSON file
 * of the same name, rendered by real Jinja2 (the project's venv, one Python process for the whole corpus)
 * and by PromptTemplates must come out byte for byte the same; a few also through a server's
 * RenderMessages. README "Jinja2 compatibility" lists what still differs.
 */

const CORPUS = fileURLToPath(new URL("../fixtures/jinja-corpus", import.meta.url));

const jobs: Job[] = readdirSync(CORPUS).filter((n) => n.endsWith(".j2")).sort().map((name) => ({
  name,
  context: JSON.parse(readFileSync(`${CORPUS}/${name.replace(/\.j2$/, ".json")}`, "utf8")) as Record<string, unknown>,
}));

let expected: Record<string, Jinja2Result>;
beforeAll(() => {
  expected = renderWithJinja2(CORPUS, jobs);
});

it("has a corpus of at least 30 templates, each rendered by Jinja2 without error", () => {
  expect(jobs.length).toBeGreaterThanOrEqual(30);
  for (const job of jobs) expect(expected[job.name], job.name).toHaveProperty("text");
});

describe("PromptTemplates renders each corpus template byte for byte as Jinja2 does", () => {
  const templates = new PromptTemplates(CORPUS, "01-basic-room.j2");
  it.each(jobs.map((j) => [j.name, j] as const))("%s", (name, job) => {
    expect(templates.render(name, job.context)).toBe((expected[name] as { text: string }).text);
  });
});

it("renders the default template (templates/system.j2) as Jinja2 does, with no whitespace at its ends", () => {
  const dir = fileURLToPath(new URL("../../templates", import.meta.url));
  const contexts = [{}, { room_name: "dev", sender: "ana" }, { tools: [{ name: "search", description: "the web" }, { name: "calc" }] }];
  const list = contexts.map((context) => ({ name: "system.j2", context }));
  const templates = new PromptTemplates(dir, "system.j2");
  for (const job of list) {
    const [j2] = Object.values(renderWithJinja2(dir, [job])) as { text: string }[];
    const ours = templates.render("", job.context);
    expect(ours).toBe(j2.text);
    expect(ours).toBe(ours.trim());
  }
});

describe("RenderMessages returns the Jinja2 rendering as the system message, untrimmed", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ROOMHISTORY_TEMPLATES: CORPUS, ROOMHISTORY_DEFAULT_TEMPLATE: "01-basic-room.j2" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  // Leading and trailing whitespace, JSON, floats, None, blank lines.
  const picked = ["04-tools-json.j2", "07-round.j2", "08-indent.j2", "13-none-bool.j2", "26-nested-loops.j2", "31-unicode.j2"];
  it.each(picked)("%s", async (name) => {
    const job = jobs.find((j) => j.name === name)!;
    const res = await rpc(server.client).render({
      roomId: "diff", template: name, roomContext: job.context, form: RenderForm.RENDER_FORM_JSON,
    });
    const [system] = JSON.parse(res.messagesJson) as { role: string; content: string }[];
    expect(system).toEqual({ role: "system", content: (expected[name] as { text: string }).text });
  });

  it("keeps the whitespace Jinja2 keeps at the ends of the prompt", () => {
    expect((expected["26-nested-loops.j2"] as { text: string }).text).toMatch(/\n$/);
  });
});
