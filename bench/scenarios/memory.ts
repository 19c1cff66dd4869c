import type { Scenario } from "../lib/context.js";
export const memoryScenario: Scenario = { name: "memory", title: "todo", run: async () => [] };
