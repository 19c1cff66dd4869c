#!lua
--[[
  Clears a room's re-backfill mark and publishes one change.

  Input:
    KEYS[1] list key, KEYS[2] version key, KEYS[3] meta key (as in append-3.lua)
    ARGV[1] change channel
    ARGV[2] room id
    ARGV[3] ttl seconds, 0 for none
    ARGV[4] now, RFC 3339

  Output:
    { OK, version }
]]
--- @include "common"

local list_key, ver_key, meta_key = KEYS[1], KEYS[2], KEYS[3]
rcall('HDEL', meta_key, 'rebackfill')
local version = rcall('INCR', ver_key)
rcall('HSET', meta_key, 'updated_at', ARGV[4])
stamp_epoch(meta_key)
touch({ list_key, ver_key, meta_key }, tonumber(ARGV[3]))
publish(ARGV[1], ARGV[2], version, 'rebackfill', {}, 0, 0)
return { OK, version }
