import { expect, it } from "vitest";
import { parse } from "../../src/store/redis/shard-connection.js";

it("parses RESP2 replies, and waits for the rest of a split one", () => {
  const push = Buffer.from("*3\r\n$8\r\nsmessage\r\n$2\r\nch\r\n$5\r\nhé!\r\n".replace("$5", `$${Buffer.byteLength("hé!")}`));
  expect(parse(push, 0)).toEqual({ value: ["smessage", "ch", "hé!"], next: push.length });
  for (let cut = 1; cut < push.length; cut++) expect(parse(push.subarray(0, cut), 0)).toBeUndefined();
  const mixed = Buffer.from("+PONG\r\n-MOVED 12 127.0.0.1:7001\r\n:3\r\n$-1\r\n");
  const values = [];
  for (let pos = 0; pos < mixed.length;) {
    const r = parse(mixed, pos)!;
    values.push(r.value);
    pos = r.next;
  }
  expect(values).toEqual(["PONG", new Error("MOVED 12 127.0.0.1:7001"), 3, null]);
});
