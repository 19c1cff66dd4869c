import type { ChangeFeed, ChangeListener, StoreChange } from "../store.js";

/** The in-process change feed of the memory store: delivers a change to the hub if it follows the room. */
export class MemoryFeed implements ChangeFeed {
  private listener?: ChangeListener;
  private readonly rooms = new Set<string>();

  setListener(listener: ChangeListener): void {
    this.listener = listener;
  }

  async subscribe(roomId: string): Promise<void> {
    this.rooms.add(roomId);
  }

  async unsubscribe(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
  }

  publish(change: StoreChange): void {
    // Delivered on a later tick, like a Redis message, so no watcher runs inside a store call.
    if (this.rooms.has(change.roomId)) queueMicrotask(() => this.listener?.change(change));
  }
}
