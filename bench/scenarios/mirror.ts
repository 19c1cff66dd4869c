import type { Scenario } from "../lib/context.js";
export const mirrorScenario: Scenario = { name: "mirror", title: "todo", run: async () => [] };
