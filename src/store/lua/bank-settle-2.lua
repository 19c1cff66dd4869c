#!lua
--[[
  What a roll-up plan decided (PlanRollup): whether a run is under way, and the oldest entries to drop
  when the bank is over budget with nothing left to roll up. The drop happens only if every entry still
  has the revision the plan read (else nothing is dropped: the next plan decides again).

  Input:
    KEYS[1] options hash   KEYS[2] bank hash
    ARGV[1] compressing (0/1)
    ARGV[2..] entry id, revision, entry id, revision, ... (to drop)

  Output:
    { OK, entries dropped }
]]
--- @include "bank"

if rcall('EXISTS', KEYS[1]) == 0 then return { OK, 0 } end
for i = 2, #ARGV, 2 do
  local json = rcall('HGET', KEYS[2], ARGV[i])
  if not json or num(cjson.decode(json).revision) ~= ARGV[i + 1] then
    rcall('HSET', KEYS[1], 'cmp', '1')
    return { OK, 0 }
  end
end
local dropped = 0
for i = 2, #ARGV, 2 do
  rcall('HDEL', KEYS[2], ARGV[i])
  dropped = dropped + 1
end
if dropped > 0 then rcall('HINCRBY', KEYS[1], 'drop', dropped) end
rcall('HSET', KEYS[1], 'cmp', ARGV[1])
return { OK, dropped }
