/**
 * The retry rules of the issue 12 calls (the Python client's _retry.py has the same): bank reads,
 * PlanRollup and PutConversationSummary always; UpdateRoomMetadata only with an expected_version;
 * CommitRollup and SetNamespaceOptions never (ImportRooms and ExportRooms are streams: never retried).
 * To be folded into clients/testdata/retry-vectors.json once both clients' vector tests resolve request
 * types outside room_history_service.proto.
 */
import { describe, expect, it } from "vitest";
import { retrySafe } from "@roomhistory/client";

describe("retrySafe for the memory bank and metadata calls", () => {
  it.each([
    ["getMemoryBank", {}, true],
    ["listRoomsNeedingSummary", {}, true],
    ["renderMemoryBank", {}, true],
    ["planRollup", {}, true],
    ["putConversationSummary", {}, true],
    ["commitRollup", {}, false],
    ["setNamespaceOptions", {}, false],
    ["updateRoomMetadata", {}, false],
    ["updateRoomMetadata", { expectedVersion: 0 }, true],
  ] as const)("%s %j retried: %s", (method, request, retried) => {
    expect(retrySafe(method, request)).toBe(retried);
  });
});
