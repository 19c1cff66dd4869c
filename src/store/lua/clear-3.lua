#!lua
--[[
  Drops a room's history and publishes one change. The version is incremented, never reset, so a
  writer's compare-and-set keeps seeing a monotonic version; the limit and the seq counter are kept.

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
rcall('DEL', list_key)
local version = rcall('INCR', ver_key)
rcall('HSET', meta_key, 'updated_at', ARGV[4], 'n', 0, 'len', 0)
stamp_epoch(meta_key)
touch({ ver_key, meta_key }, tonumber(ARGV[3]))
publish(ARGV[1], ARGV[2], version, 'clear', {}, 0, 0)
return { OK, version }
