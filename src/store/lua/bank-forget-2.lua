#!lua
--[[
  Drops rooms from the activity index (rooms that left the namespace or no longer exist), each only
  while its pending version is still the one the caller saw: a turn since then keeps it.

  Input:
    KEYS[1] pending zset   KEYS[2] pendingver hash
    ARGV[1..] room id, version, room id, version, ...

  Output:
    { OK, rooms dropped }
]]
--- @include "bank"

local dropped = 0
for i = 1, #ARGV, 2 do
  local room = ARGV[i]
  if (rcall('HGET', KEYS[2], room) or '0') == ARGV[i + 1] then
    rcall('ZREM', KEYS[1], room)
    rcall('HDEL', KEYS[2], room)
    dropped = dropped + 1
  end
end
return { OK, dropped }
