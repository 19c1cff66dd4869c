import type { ChangeFeed, ChangeListener, RoomAnnouncement, StoreChange } from "../store.js";

/** The in-process change feed of the memory store: delivers a change to the hub if it follows the room. */
export class MemoryFeed implements ChangeFeed {
  private listener?: ChangeListener;
  private readonly rooms = new Set<string>();
  private announcementFollowers = 0;

  setListener(listener: ChangeListener): void {
    this.listener = listener;
  }

  get subscriptions(): number {
    return this.rooms.size;
  }

  async subscribe(roomId: string): Promise<void> {
    this.rooms.add(roomId);
  }

  async unsubscribe(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
  }

  async followAnnouncements(): Promise<void> {
    this.announcementFollowers++;
  }

  async unfollowAnnouncements(): Promise<void> {
    this.announcementFollowers = Math.max(0, this.announcementFollowers - 1);
  }

  /** Changes are queued as microtasks when published: one macrotask later, all earlier ones ran. */
  async barrier(): Promise<number> {
    const at = Date.now();
    await new Promise((resolve) => setImmediate(resolve));
    return at;
  }

  publish(change: StoreChange): void {
    // Delivered on a later tick, like a Redis message, so no watcher runs inside a store call.
    if (this.rooms.has(change.roomId)) queueMicrotask(() => this.listener?.change(change));
  }

  announce(announcement: RoomAnnouncement): void {
    if (this.announcementFollowers > 0) queueMicrotask(() => this.listener?.announced?.(announcement));
  }
}
