#!lua
--[[
  Sets a room's window and publishes one change. Raising the limit marks the room as needing a
  re-backfill (older messages to pull from the platform); lowering it trims the window at once.

  Input:
    KEYS[1] list key, KEYS[2] version key, KEYS[3] meta key (as in append-3.lua)
    ARGV[1] change channel
    ARGV[2] room id
    ARGV[3] new limit, already clamped to [50, 1000]
    ARGV[4] default limit
    ARGV[5] ttl seconds, 0 for none
    ARGV[6] now, RFC 3339

  Output:
    { OK, version, limit, rebackfill requested (0/1), trimmed }
]]
--- @include "common"
--- @include "trim"

local list_key, ver_key, meta_key = KEYS[1], KEYS[2], KEYS[3]
local limit = tonumber(ARGV[3])
local previous = tonumber(rcall('HGET', meta_key, 'limit') or ARGV[4])
rcall('HSET', meta_key, 'limit', limit, 'updated_at', ARGV[6])
stamp_epoch(meta_key)
if limit > previous then rcall('HSET', meta_key, 'rebackfill', '1') end
local n, len = window_count(list_key, meta_key)
local trimmed
trimmed, n = trim_front(list_key, n, limit)
save_count(meta_key, n, len - trimmed)
local version = rcall('INCR', ver_key)
local rebackfill = rcall('HEXISTS', meta_key, 'rebackfill')
touch({ list_key, ver_key, meta_key }, tonumber(ARGV[5]))
publish(ARGV[1], ARGV[2], version, 'limit', {}, trimmed, 0)
return { OK, version, limit, rebackfill, trimmed }
