#!lua
--[[
  A room of the namespace had a turn (the store's turn observer): the activity index keeps the room's
  newest version and time, each only moving forward, unless the room's summary already covers that
  version (a late call after the summary must not make the room pending again).

  Input:
    KEYS[1] pending zset   KEYS[2] pendingver hash   KEYS[3] bank hash
    ARGV[1] room id   ARGV[2] version   ARGV[3] time of the turn (ms)

  Output:
    { OK, 1 when the room is pending after the call, else 0 }
]]
--- @include "bank"

local room, version, at = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local entry = rcall('HGET', KEYS[3], 'conversation:' .. room)
if entry and cjson.decode(entry).coversVersion >= version then return { OK, 0 } end
local known = tonumber(rcall('HGET', KEYS[2], room) or '0')
if version > known then rcall('HSET', KEYS[2], room, ARGV[2]) end
local score = tonumber(rcall('ZSCORE', KEYS[1], room) or '-1')
if at > score then rcall('ZADD', KEYS[1], at, room) end
return { OK, 1 }
