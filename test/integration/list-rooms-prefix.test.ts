import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { serversForEachStore, STORE_KINDS } from "../helpers/server.js";
import { expectStatus, rpc, user } from "../helpers/rpc.js";

const servers = serversForEachStore({ beforeAll, afterAll });

describe.each(STORE_KINDS)("ListRooms.prefix through gRPC (%s store)", (kind) => {
  const api = () => rpc(servers[kind].client);

  it("lists the rooms under a prefix page by page; a page token is bound to its prefix", async () => {
    const head = `pre-${kind}/`;
    const ids = ["c", "a", "b"].map((id) => `${head}${id}`);
    for (const id of [...ids, `pre-${kind}-other`]) await api().append({ roomId: id, messages: [user("x")] });
    const first = await api().listRooms({ prefix: head, pageSize: 2 });
    expect(first.roomIds).toEqual([`${head}a`, `${head}b`]);
    const second = await api().listRooms({ prefix: head, pageSize: 2, pageToken: first.nextPageToken });
    expect(second.roomIds).toEqual([`${head}c`]);
    await expectStatus(api().listRooms({ prefix: `pre-${kind}-`, pageSize: 2, pageToken: first.nextPageToken }), status.INVALID_ARGUMENT);
    await expectStatus(api().listRooms({ pageSize: 2, pageToken: first.nextPageToken }), status.INVALID_ARGUMENT);
  });

  it("refuses a prefix that no room id could start with", async () => {
    await expectStatus(api().listRooms({ prefix: "bad prefix\n" }), status.INVALID_ARGUMENT);
  });
});
