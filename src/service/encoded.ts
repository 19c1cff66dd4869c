/**
 * A response serialised ahead of time. Handlers and watch streams hand the same bytes to many calls
 * (an unchanged window, one change fanned out to thousands of streams) instead of encoding each
 * time; the server's service definition passes an Encoded straight through (src/server/server.ts).
 */
export class Encoded {
  constructor(readonly bytes: Buffer) {}
}

/** Memoises `make` per key object, for values derived from immutable snapshots and changes. */
export function memo<K extends object, V>(cache: WeakMap<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}
