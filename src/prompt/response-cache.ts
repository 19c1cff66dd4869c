/**
 * The last reply made for one (snapshot, options) pair, kept with the system prompt it was made with.
 * A worker asks for the same render before every model call: while the room's snapshot, the options
 * and the rendered system prompt are unchanged, the reply (its head and the history bytes behind it)
 * is the same, so it is handed out again instead of cutting the budget and encoding the head again.
 *
 * The slot lives in the store's SnapshotCache under the snapshot it was made from (src/service/render.ts),
 * so a newer snapshot (any write, a calibration change) starts with an empty slot and the old one is
 * dropped with its snapshot. The system prompt is compared as text: whatever it was rendered from (the
 * template files, the context, a memory bank block), the same text makes the same reply.
 */

/** Bookkeeping of a slot besides its system prompt text (the object, the head bytes), roughly. */
const SLOT_OVERHEAD_BYTES = 256;

export class ReplySlot<R> {
  private system: string | undefined;
  private value: R | undefined;
  hits = 0;

  /** `capacity`: the longest system prompt (UTF-16 units) the slot may keep, as charged to the cache. */
  private constructor(private readonly capacity: number) {}

  /** A slot sized for `system` and what the cache is charged for it (the bytes never grow after). */
  static sizedFor<R>(system: string): { value: ReplySlot<R>; bytes: number } {
    return { value: new ReplySlot<R>(system.length), bytes: 2 * system.length + SLOT_OVERHEAD_BYTES };
  }

  /** The reply kept for exactly this system prompt, if any. */
  get(system: string): R | undefined {
    if (this.value === undefined || this.system !== system) return undefined;
    this.hits++;
    return this.value;
  }

  /** Keeps `value` for `system`, replacing the one kept, unless `system` is longer than was charged. */
  set(system: string, value: R): void {
    if (system.length > this.capacity) return;
    this.system = system;
    this.value = value;
  }
}
