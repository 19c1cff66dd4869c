/**
 * Rendered system prompts kept for reuse (src/prompt/templates.ts): a worker renders the same template
 * with the same context before every model call, and the text only changes when one of them does.
 */

/** Bytes the cache of rendered prompts may hold by default (keys and texts, counted as UTF-16). */
export const RENDER_CACHE_BYTES = 8 * 1024 * 1024;

/** A context nested deeper than this is rendered every time rather than walked to make a key. */
const MAX_DEPTH = 64;

/** Per-entry bookkeeping (the Map slot, the entry object, its deps array), roughly. */
const ENTRY_OVERHEAD = 128;

/** One rendered prompt and what it was rendered from. */
export interface CachedRender<Dep> {
  text: string;
  /** The template files the render read, each as it was loaded; any one reloaded makes the entry stale. */
  deps: Dep[];
}

/**
 * A least-recently-used map bounded by the bytes of its keys and texts. A Map iterates in insertion
 * order, so deleting and re-inserting on a hit keeps the least recently used entry first.
 */
export class RenderCache<Dep> {
  private readonly entries = new Map<string, CachedRender<Dep> & { bytes: number }>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): CachedRender<Dep> | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /** Keeps `value` unless it alone would take more than a quarter of the budget. */
  set(key: string, value: CachedRender<Dep>): void {
    const bytes = 2 * (key.length + value.text.length) + ENTRY_OVERHEAD;
    this.delete(key);
    if (bytes > this.maxBytes / 4) return;
    this.entries.set(key, { ...value, bytes });
    this.used += bytes;
    for (const [k, e] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= e.bytes;
    }
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.used -= e.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.used;
  }
}

/**
 * The cache key of rendering `template` with `context`: the template's name and the context's JSON, or
 * undefined when the context holds anything JSON does not carry faithfully (a function, undefined, a
 * non-finite number, -0, a Date or other class instance, a sparse array), since two such contexts with
 * one JSON text could render differently. Keys keep their order: a template iterating `items()` sees it.
 */
export function renderKey(template: string, context: Record<string, unknown>): string | undefined {
  return plainJson(context, 0) ? `${template}\u0000${JSON.stringify(context)}` : undefined;
}

function plainJson(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0);
    case "object": {
      if (v === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!(i in v) || !plainJson(v[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in v) if (!plainJson((v as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}
