import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { transferStoreConformance } from "./store-suite.js";

transferStoreConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});
