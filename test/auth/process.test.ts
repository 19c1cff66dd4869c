/**
 * The server as its own process (src/main.ts): the start line names the tokens file, SIGHUP reads it
 * again, and a call without a token is refused.
 */
import { afterAll, expect, it } from "vitest";
import { credentials, status } from "@grpc/grpc-js";
import { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { ServerProcess } from "../helpers/server.js";
import { waitFor } from "../helpers/ports.js";
import { rpc } from "../helpers/rpc.js";
import { bearer, entry, failure, TokensFile } from "./helpers.js";

let proc: ServerProcess | undefined;
afterAll(async () => {
  await proc?.stop();
});

it("starts with the tokens file, re-reads it on SIGHUP and refuses a call without a token", async () => {
  const file = new TokensFile([entry("ops", "rh_ops", [""], ["read"])]);
  proc = await ServerProcess.start({ ROOMHISTORY_TOKENS_FILE: file.path });
  expect(proc.log).toContain(`"tokens":"${file.path}"`);
  process.kill(proc.pid!, "SIGHUP");
  await waitFor(() => proc!.log.includes("SIGHUP: tokens file read again"), 5000, "the SIGHUP line");
  expect(proc.log).toMatch(/"applied":true[^\n]*SIGHUP: tokens file read again/);

  const anonymous = new RoomHistoryServiceClient(proc.address, credentials.createInsecure());
  const ops = new RoomHistoryServiceClient(proc.address, credentials.createInsecure(), { interceptors: [bearer("rh_ops")] });
  try {
    expect((await failure(rpc(anonymous).info({ roomId: "r" })))?.code).toBe(status.UNAUTHENTICATED);
    expect(await failure(rpc(ops).info({ roomId: "r" }))).toBeUndefined();
  } finally {
    anonymous.close();
    ops.close();
  }
});
