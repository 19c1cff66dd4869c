import type { Scenario } from "../lib/context.js";
export const freshnessScenario: Scenario = { name: "freshness", title: "todo", run: async () => [] };
