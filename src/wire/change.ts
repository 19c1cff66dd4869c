import type { ChangeKindName, StoreChange } from "../store/store.js";

/**
 * What a watch stream sends: a store's change, or a RESYNC, which only the watch layer makes (changes
 * merged under back-pressure, or missed: the client fetches the room at `version`).
 */
export type WatchChangeKind = ChangeKindName | "resync";

export interface WatchChange extends Omit<StoreChange, "kind"> {
  kind: WatchChangeKind;
}
