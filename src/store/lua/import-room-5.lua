#!lua
--[[
  Creates or replaces a room whole (ImportRooms, src/store/redis/transfer.ts), atomically, and
  publishes one 'imported' change.

  What the room held before goes: window, archive, run cursors and the meta hash (settings, metadata,
  calibration, bookkeeping); only the version and the seq counter carry over, so that neither ever goes
  down. The new version is the larger of the imported one and the current one plus one (a create of
  version V on an empty Redis gives exactly V); the seq counter is the largest of the imported one
  (which the caller has already raised to the highest seq of the window and the archive) and the
  current one (a tombstone's too). The window is written as given, never trimmed (the caller refused one
  over the room's byte budget); the meta counts (n, len, nt, b, tok: includes/trim.lua) are taken from
  it, so later appends and rewrites start from true totals; hv is the new version (commit()); the meta
  hash gets a new epoch, so no reader's cache mistakes the new window for the old one.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua (ARGV[3], the expected version: replace only at
             this current version; 0 or the tombstone's for a room that does not exist)
    ARGV[9]  '1' to replace an existing room whatever its version (without an expected version), else
             '': an existing room is then refused with ALREADY_EXISTS
    ARGV[10] the imported version
    ARGV[11] the imported seq counter (at least the highest seq of the window and the archive)
    ARGV[12] the archive's byte limit (0: none), ARGV[13] the archive's ttl seconds (0: none)
    ARGV[14] updated_at to keep (RFC 3339), or '' for now (idle retention counts from now either way)
    ARGV[15] M, the number of meta items; ARGV[16] W, window entries; ARGV[17] A, archive items;
             ARGV[18] C, cursor items
    ARGV[19..] M items: meta field, value, ... (settings and metadata, as the meta hash keeps them);
             then W window entry JSON texts, oldest first; then A items: seq, member JSON, ...; then C
             items: run id, cursor JSON, ...

  Output:
    { OK, version, room hint, expiry hint, activity hint, 1 when the room existed (replaced) else 0,
      namespace before, namespace after, labels JSON before, labels JSON after ('' for none: the
      namespace and label indexes follow the move, RoomIndexes.apply) }
    { VERSION_CONFLICT, current version }
    { ALREADY_EXISTS, current version }
]]
--- @include "common"
--- @include "archive"
--- @include "trim"

local ALREADY_EXISTS = -7
-- Arguments handed to one command at most: Lua's unpack() has a stack limit of a few thousand.
local CHUNK = 1000

local ctx = args()
local now = now_ms()
local m, w, a, c = tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
local first = 19

-- Runs `command key <items>` over ARGV[from..from+count-1], CHUNK items at a time (even: pairs stay whole).
local function chunked(command, key, from, count)
  local i = from
  while i < from + count do
    local last = math.min(i + CHUNK - 1, from + count - 1)
    rcall(command, key, unpack(ARGV, i, last))
    i = last + 1
  end
end

expire_if_due(ctx, now)
local current, conflict = check_version(ctx)
if not current then return conflict end
local existed = room_exists(ctx)
if ctx.expected == '' and existed and ARGV[9] ~= '1' then return { ALREADY_EXISTS, current } end

local seq = math.max(tonumber(rcall('HGET', ctx.meta, 'seq') or '0'), tonumber(ARGV[11]))
local before = rcall('HMGET', ctx.meta, 'ns', 'labels')
ctx.created, ctx.pns = not existed, before[1] or ''
rcall('DEL', ctx.list, ctx.meta, ctx.archive, ctx.cursors)
if m > 0 then chunked('HSET', ctx.meta, first, m) end
rcall('HSET', ctx.meta, 'seq', seq)
if w > 0 then chunked('RPUSH', ctx.list, first + m, w) end
local n, len, bytes, tok = window_count(ctx.list, ctx.meta)
save_count(ctx.list, ctx.meta, n, len, bytes, tok)
if a > 0 then
  local items = {}
  for i = first + m + w, first + m + w + a - 1, 2 do items[#items + 1] = { tonumber(ARGV[i]), ARGV[i + 1] } end
  archive_add(ctx.meta, ctx.archive, items, tonumber(ARGV[12]), tonumber(ARGV[13]))
end
if c > 0 then chunked('HSET', ctx.cursors, first + m + w + a, c) end

rcall('SET', ctx.ver, math.max(tonumber(ARGV[10]), current + 1) - 1)
local version, hints = commit(ctx, now, 'imported', {}, 0)
if ARGV[14] ~= '' then rcall('HSET', ctx.meta, 'updated_at', ARGV[14]) end
local after = rcall('HMGET', ctx.meta, 'ns', 'labels')
return reply(version, hints, existed and 1 or 0, before[1] or '', after[1] or '', before[2] or '', after[2] or '')
