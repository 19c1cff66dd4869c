import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { storeConformance } from "./suite.js";
import { budgetConformance } from "./budget.js";
import { storeEdgeConformance } from "./edges-suite.js";
import { storeLifecycleConformance } from "./lifecycle-suite.js";
import { renderDefaultsConformance } from "./render-defaults-suite.js";
import { agentStateConformance } from "./agent-state-suite.js";
import { runCursorConformance } from "./run-cursor-suite.js";
import { compactionConformance } from "./compaction-suite.js";
import { pruneArchiveConformance } from "./prune-archive-suite.js";

storeConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});

budgetConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});

storeLifecycleConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});

storeEdgeConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});

renderDefaultsConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});

runCursorConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});

compactionConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});

agentStateConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});

pruneArchiveConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});
