#!lua
--[[
  Appends a batch of entries to a room, atomically, then trims the window and publishes one change.

  Input:
    KEYS[1] list key     {prefix}:{room}        (JSON entries, oldest first)
    KEYS[2] version key  {prefix}:{room}:ver
    KEYS[3] meta key     {prefix}:{room}:meta   (hash: limit, rebackfill, seq, updated_at, idx)

    ARGV[1] change channel (shares the room's hash tag)
    ARGV[2] room id
    ARGV[3] expected version, or '' for an unconditional append
    ARGV[4] default limit (user/assistant entries kept)
    ARGV[5] ttl seconds, 0 for none
    ARGV[6] now, RFC 3339
    ARGV[7] max bytes of entries carried in the change event
    ARGV[8..] entries, JSON objects without "seq" (it is assigned here)

  Output:
    { OK, version, first seq, trimmed, newly indexed (1 when the room was not in the room index) }
    { VERSION_CONFLICT, current version }
]]
--- @include "common"
--- @include "trim"

local list_key, ver_key, meta_key = KEYS[1], KEYS[2], KEYS[3]
local channel, room = ARGV[1], ARGV[2]

local version = current_version(ver_key)
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= version then
  return { VERSION_CONFLICT, version }
end

local count = #ARGV - 7
local n, len = window_count(list_key, meta_key)
local last_seq = rcall('HINCRBY', meta_key, 'seq', count)
local first_seq = last_seq - count + 1
local stored = {}
for i = 1, count do
  -- Appended last so "role" stays the first field, which the trim reads without decoding.
  stored[i] = string.sub(ARGV[7 + i], 1, -2) .. ',"seq":' .. (first_seq + i - 1) .. '}'
  if counted(entry_role(stored[i])) then n = n + 1 end
end
rcall('RPUSH', list_key, unpack(stored))

local limit = tonumber(rcall('HGET', meta_key, 'limit') or ARGV[4])
local trimmed
trimmed, n = trim_front(list_key, n, limit)
save_count(meta_key, n, len + count - trimmed)
version = rcall('INCR', ver_key)
rcall('HSET', meta_key, 'updated_at', ARGV[6])
stamp_epoch(meta_key)
local newly_indexed = rcall('HSETNX', meta_key, 'idx', '1')
touch({ list_key, ver_key, meta_key }, tonumber(ARGV[5]))
publish(channel, room, version, 'append', stored, trimmed, tonumber(ARGV[7]))
return { OK, version, first_seq, trimmed, newly_indexed }
