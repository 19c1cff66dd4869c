#!lua
--[[
  Moves one room from the unbraced legacy layout (prefix:room) into the hash-tagged one
  (prefix:{room}), atomically: its entries, a version above both copies' (versions never go back), the
  settings an unbraced roomhistory server kept, and its place in the hash-tagged room and activity
  indexes (the expiry index follows at its next write, which knows the server's default retention). A
  room an unbraced roomhistory server deleted moves as the tombstone it is: version and seq only.
  Run by src/tools/migrate-legacy.ts, against a single Redis only: the keys span slots.

  The hash-tagged copy must hold no history (never written, cleared, deleted) or exactly the legacy
  entries; anything else is a CONFLICT and nothing is written. A move marks the legacy meta hash with
  a fingerprint of what it moved (version and entries; no legacy worker reads that hash), so a rerun
  finds the room ALREADY migrated and changes nothing, however the hash-tagged room changed since,
  while a legacy write after the move shows as a changed fingerprint. Nothing is published:
  a watcher already following the hash-tagged room hears of the move as a RESYNC at the room's next
  change or at its next reconnect.

  Input:
    KEYS[1] legacy list       prefix:room
    KEYS[2] legacy version    prefix:room:ver
    KEYS[3] legacy meta       prefix:room:meta (written only by a roomhistory server in the unbraced layout)
    KEYS[4] list              prefix:{room}
    KEYS[5] version           prefix:{room}:ver
    KEYS[6] meta              prefix:{room}:meta
    KEYS[7] room index of the hash-tagged layout
    KEYS[8] activity index of the hash-tagged layout
    KEYS[9], KEYS[10], KEYS[11] room, expiry and activity indexes of the unbraced layout

    ARGV[1] room id
    ARGV[2] now, RFC 3339
    ARGV[3] '1' to delete the legacy keys (and the room's unbraced index entries) once moved or found
            moved, else '' (they get the `migrated` mark)
    ARGV[4] '1' for a dry run: decide and report, write nothing

  Output:
    { code, version, entries } with version the hash-tagged room's version (after the move) and
    entries the number of legacy entries. Codes:
       1 MIGRATED     moved (in a dry run: would be)
       2 ALREADY      moved by an earlier run (the legacy copy is unchanged since), or the
                      hash-tagged copy already holds these entries at a higher version
       0 NOTHING      no legacy list or version (gone since the scan)
      -1 CONFLICT     the hash-tagged copy holds other history; nothing written
      -2 WRONG_TYPE   a key has the wrong type or the version is no integer: not a room; nothing written
      -3 CHANGED      a CONFLICT where the legacy copy changed after an earlier run moved it (a legacy
                      writer still writes it); nothing written
]]
local rcall = redis.call
-- For tail_print() and entry_tokens(), which the trim include uses; nothing of common.lua runs here.
--- @include "common"
--- @include "trim"

local MIGRATED, ALREADY, NOTHING, CONFLICT, WRONG_TYPE, CHANGED = 1, 2, 0, -1, -2, -3
local old_list, old_ver, old_meta = KEYS[1], KEYS[2], KEYS[3]
local list_key, ver_key, meta_key = KEYS[4], KEYS[5], KEYS[6]
local index_key, activity_key = KEYS[7], KEYS[8]
local old_indexes = { KEYS[9], KEYS[10], KEYS[11] }
local room, now = ARGV[1], ARGV[2]
local delete_source, dry_run = ARGV[3] == '1', ARGV[4] == '1'

local function has_type(key, wanted)
  local t = rcall('TYPE', key)['ok']
  return t == 'none' or t == wanted
end

local function integer_at(key)
  return tonumber(rcall('GET', key) or '0')
end

local function same(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

-- The highest seq the room ever handed out: entries written by roomhistory end with "seq":N, and a
-- meta hash (or a tombstone) keeps the counter. Legacy entries have none.
local function highest_seq(entries)
  local seq = math.max(tonumber(rcall('HGET', old_meta, 'seq') or '0'), tonumber(rcall('HGET', meta_key, 'seq') or '0'))
  for _, raw in ipairs(entries) do
    local s = tonumber(string.match(raw, ',"seq":(%d+)}%s*$'))
    if s and s > seq then seq = s end
  end
  return seq
end

-- Deletes the legacy keys when asked to, else marks them as moved (print: what was moved).
local function settle_source(print)
  if dry_run then return end
  if delete_source then
    rcall('DEL', old_list, old_ver, old_meta)
    for _, index in ipairs(old_indexes) do rcall('ZREM', index, room) end
  elseif rcall('HGET', old_meta, 'migrated') ~= print then
    local fresh = rcall('EXISTS', old_meta) == 0
    rcall('HSET', old_meta, 'migrated', print)
    -- A meta hash made here for a legacy room goes when the room's version key does.
    local ttl = rcall('PTTL', old_ver)
    if fresh and ttl > 0 then rcall('PEXPIRE', old_meta, ttl) end
  end
end

if not (has_type(old_list, 'list') and has_type(old_ver, 'string') and has_type(old_meta, 'hash')
    and has_type(list_key, 'list') and has_type(ver_key, 'string') and has_type(meta_key, 'hash')) then
  return { WRONG_TYPE, 0, 0 }
end
if rcall('EXISTS', old_list, old_ver) == 0 then return { NOTHING, 0, 0 } end
local old_version, version = integer_at(old_ver), integer_at(ver_key)
if not old_version or not version then return { WRONG_TYPE, 0, 0 } end

local entries = rcall('LRANGE', old_list, 0, -1)
local print = old_version .. ':' .. #entries .. ':' .. redis.sha1hex(table.concat(entries, '\n'))
local current = {}
if rcall('HEXISTS', meta_key, 'gone') == 0 then current = rcall('LRANGE', list_key, 0, -1) end
if rcall('HGET', old_meta, 'migrated') == print or (same(current, entries) and version > old_version) then
  settle_source(print)
  return { ALREADY, version, #entries }
end
if #current > 0 and not same(current, entries) then
  if rcall('HEXISTS', old_meta, 'migrated') == 1 then return { CHANGED, version, #entries } end
  return { CONFLICT, version, #entries }
end

version = math.max(version, old_version) + 1
if dry_run then return { MIGRATED, version, #entries } end
local seq = highest_seq(entries)

local gone = rcall('HGET', old_meta, 'gone')
if gone then
  rcall('DEL', list_key, meta_key)
  rcall('HSET', meta_key, 'seq', seq, 'gone', gone)
  rcall('SET', ver_key, version)
  -- The tombstone keeps the time it had left.
  local ttl = rcall('PTTL', old_ver)
  if ttl > 0 then
    rcall('PEXPIRE', ver_key, ttl)
    rcall('PEXPIRE', meta_key, ttl)
  end
  rcall('ZREM', index_key, room)
  rcall('ZREM', activity_key, room)
  settle_source(print)
  return { MIGRATED, version, 0 }
end

local n, bytes, tok = 0, 0, 0
for _, raw in ipairs(entries) do
  if counted(entry_role(raw)) then n = n + 1 end
  bytes = bytes + #raw
  tok = tok + entry_tokens(raw)
end
rcall('DEL', list_key)
for i = 1, #entries, 1000 do
  rcall('RPUSH', list_key, unpack(entries, i, math.min(i + 999, #entries)))
end
rcall('SET', ver_key, version)
-- Settings an unbraced roomhistory server kept; those the hash-tagged room already has stay.
local fields = { 'limit', 'rebackfill', 'ttl', 'mb', 'tpl', 'ctx', 'enc', 'cui', 'cue', 'cun', 'mct', 'cth', 'okeys', 'atr' }
local settings = rcall('HMGET', old_meta, unpack(fields))
for i, field in ipairs(fields) do
  if settings[i] then rcall('HSETNX', meta_key, field, settings[i]) end
end
local t = rcall('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
rcall('HDEL', meta_key, 'gone')
rcall('HSET', meta_key, 'epoch', t[1] .. '.' .. t[2], 'seq', seq, 'updated_at', now, 'upd_ms', now_ms,
  'idx', '1', 'ai', now_ms)
save_count(list_key, meta_key, n, #entries, bytes, tok)
rcall('PERSIST', list_key)
rcall('PERSIST', ver_key)
rcall('PERSIST', meta_key)
rcall('ZADD', index_key, 'NX', 0, room)
rcall('ZADD', activity_key, now_ms, room)
settle_source(print)
return { MIGRATED, version, #entries }
