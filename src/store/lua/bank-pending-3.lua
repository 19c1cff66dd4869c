#!lua flags=no-writes
--[[
  The rooms needing a summary (ListRoomsNeedingSummary): newest turn at or before the cutoff, least
  recently active first, with the version their summary covers.

  Input:
    KEYS[1] pending zset   KEYS[2] pendingver hash   KEYS[3] bank hash
    ARGV[1] cutoff (ms)   ARGV[2] limit

  Output:
    { OK, more (0/1), room id, version, last activity ms, summarized version, room id, ... }
]]
--- @include "bank"

local limit = tonumber(ARGV[2])
local due = rcall('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'WITHSCORES', 'LIMIT', 0, limit + 1)
local out = { OK, 0 }
for i = 1, #due, 2 do
  if (i + 1) / 2 > limit then
    out[2] = 1
    break
  end
  local room = due[i]
  local entry = rcall('HGET', KEYS[3], 'conversation:' .. room)
  local covers = entry and num(cjson.decode(entry).coversVersion) or '0'
  out[#out + 1] = room
  out[#out + 1] = rcall('HGET', KEYS[2], room) or '0'
  out[#out + 1] = due[i + 1]
  out[#out + 1] = covers
end
return out
