import type { Scenario } from "../lib/context.js";
export const pollingScenario: Scenario = { name: "polling", title: "todo", run: async () => [] };
