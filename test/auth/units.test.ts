/**
 * The parts of src/auth with no server: the tokens file parser's refusals, the token bucket,
 * ListRooms' scoped paging against a model (fast-check), and the token CLI.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseTokenFile, sha256Hex } from "../../src/auth/token-file.js";
import { TokenBucket } from "../../src/auth/quota.js";
import { listInScope } from "../../src/auth/scope.js";
import { createToken, listTokens, revokeToken, TOKEN_PREFIX } from "../../src/tools/tokens.js";
import type { RoomPage } from "../../src/store/store.js";

const HASH = "a".repeat(64);
const ok = { name: "t", sha256: HASH, rooms: [""], rights: ["read"] };

describe("tokens file", () => {
  it.each([
    ["[]", /file: must be a JSON object/],
    ['{"tokens": {}}', /tokens: must be an array/],
    ['{"tokens": [], "extra": 1}', /extra: unknown key/],
    [{ ...ok, sha256: "token-in-clear" }, /tokens\[0\]\.sha256: must be 64 hex digits/],
    [{ ...ok, client_cert: "cn" }, /tokens\[0\]: needs exactly one of sha256/],
    [{ ...ok, rights: ["read", "delete"] }, /tokens\[0\]\.rights\[1\]: "delete" is not one of/],
    [{ ...ok, rights: [] }, /tokens\[0\]\.rights: must be a non-empty array/],
    [{ ...ok, rooms: "tenant-a/" }, /tokens\[0\]\.rooms: must be a non-empty array/],
    [{ ...ok, expires_at: "tomorrow" }, /tokens\[0\]\.expires_at: must be an RFC 3339 time/],
    [{ ...ok, quota: { calls: 1 } }, /tokens\[0\]\.quota\.calls: unknown key/],
    [{ ...ok, quota: { watch_streams: -1 } }, /watch_streams: must be an integer >= 0/],
    [{ ...ok, scopes: [] }, /tokens\[0\]\.scopes: unknown key/],
  ])("refuses %j", (doc, error) => {
    const text = typeof doc === "string" ? doc : JSON.stringify({ tokens: [doc] });
    expect(() => parseTokenFile(text)).toThrow(error);
  });

  it("refuses a name or a hash listed twice", () => {
    expect(() => parseTokenFile(JSON.stringify({ tokens: [ok, { ...ok, sha256: "b".repeat(64) }] }))).toThrow(/listed twice/);
    expect(() => parseTokenFile(JSON.stringify({ tokens: [ok, { ...ok, name: "u" }] }))).toThrow(/same hash as "t"/);
  });

  it("reads a valid entry, the hash in any case", () => {
    const set = parseTokenFile(JSON.stringify({ tokens: [{ ...ok, sha256: HASH.toUpperCase(), expires_at: "2027-01-01T00:00:00Z" }] }));
    expect(set.bySha256.get(HASH)).toMatchObject({ name: "t", expiresAt: Date.parse("2027-01-01T00:00:00Z") });
  });
});

describe("token bucket", () => {
  it("lets a burst through, then names the wait until the next call fits", () => {
    const b = new TokenBucket(10, 2, 0);
    expect([b.take(1, 0), b.take(1, 0)]).toEqual([0, 0]);
    expect(b.take(1, 0)).toBeCloseTo(100);
    expect(b.take(1, 100)).toBe(0);
  });

  it("lets a cost above the burst through from a full bucket, leaving it in debt", () => {
    const b = new TokenBucket(100, 50, 0);
    expect(b.take(500, 0)).toBe(0);
    expect(b.take(10, 0)).toBeCloseTo(4600); // (10 - (50 - 500)) / 100 per second
  });
});

describe("ListRooms in scope", () => {
  /** The store's paging over a sorted list: rooms strictly after `after`, `next` when more remain. */
  const pager = (ids: string[]) => (size: number, after?: string): Promise<RoomPage> => {
    const rest = ids.filter((id) => after === undefined || id > after);
    const roomIds = rest.slice(0, size);
    return Promise.resolve({ roomIds, next: rest.length > size ? roomIds.at(-1) : undefined });
  };
  const id = fc.stringMatching(/^[ab/]{1,4}$/);

  it("pages through exactly the rooms under the prefixes, in order", async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(id, { maxLength: 30 }), fc.array(fc.stringMatching(/^[ab/]{0,3}$/), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 5 }),
      async (rooms, prefixes, size) => {
        const sorted = [...rooms].sort();
        const list = pager(sorted);
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 0; ; pages++) {
          expect(pages).toBeLessThan(100);
          const page = await listInScope(list, prefixes, size, after);
          expect(page.roomIds.length).toBeLessThanOrEqual(size);
          seen.push(...page.roomIds);
          if (page.next === undefined) break;
          after = page.next;
        }
        expect(seen).toEqual(sorted.filter((r) => prefixes.some((p) => r.startsWith(p))));
      },
    ), { numRuns: 300 });
  });
});

describe("token CLI", () => {
  const file = () => join(mkdtempSync(join(tmpdir(), "roomhistory-cli-")), "tokens.json");

  it("creates, lists and revokes entries; the file holds only the hash", () => {
    const path = file();
    const token = createToken(path, { name: "inference", rooms: ["tenant-a/"], rights: ["read", "watch"], replace: false })!;
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(Buffer.from(token.slice(TOKEN_PREFIX.length), "base64url")).toHaveLength(32);
    createToken(path, { name: "gateway", rooms: [""], rights: ["admin"], clientCert: "gw.internal", replace: false });
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(token);
    expect(parseTokenFile(text).bySha256.get(sha256Hex(token))?.name).toBe("inference");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(listTokens(path)).toEqual([
      'inference  token  rooms="tenant-a/"  rights=read,watch  never expires',
      'gateway  client_cert=gw.internal  rooms=""  rights=admin  never expires',
    ]);
    expect(() => createToken(path, { name: "inference", rooms: [""], rights: ["read"], replace: false })).toThrow(/exists/);
    const rotated = createToken(path, { name: "inference", rooms: [""], rights: ["read"], replace: true })!;
    expect(parseTokenFile(readFileSync(path, "utf8")).bySha256.has(sha256Hex(token))).toBe(false);
    expect(parseTokenFile(readFileSync(path, "utf8")).bySha256.get(sha256Hex(rotated))?.name).toBe("inference");
    chmodSync(path, 0o640);
    revokeToken(path, "inference");
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(listTokens(path)).toHaveLength(1);
    expect(() => revokeToken(path, "inference")).toThrow(/no token named inference/);
    expect(() => createToken(path, { name: "bad", rooms: [""], rights: ["sudo"], replace: false })).toThrow(/"sudo" is not one of/);
  });

  it("prints the token alone on stdout when run as a command", () => {
    const path = file();
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const stdout = execFileSync(process.execPath, ["--import", "tsx", "src/tools/tokens.ts", "create", "w1", "--file", path,
      "--rooms", "a/,b/", "--rights", "read,write", "--expires", "2027-01-01T00:00:00Z"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const token = stdout.trim();
    expect(token).toMatch(/^rh_[A-Za-z0-9_-]{43}$/);
    expect(parseTokenFile(readFileSync(path, "utf8")).bySha256.get(sha256Hex(token))).toMatchObject({
      name: "w1", rooms: ["a/", "b/"], expiresAt: Date.parse("2027-01-01T00:00:00Z"),
    });
  });
});
