import type { Scenario } from "../lib/context.js";
export const readScenario: Scenario = { name: "read", title: "todo", run: async () => [] };
