import type { Scenario } from "../lib/context.js";
export const pythonScenario: Scenario = { name: "python", title: "todo", run: async () => [] };
