#!lua
--[[
  Stores a namespace's memory bank options (SetNamespaceOptions); the roll-up state and the dropped
  count are kept. A bank turned off ends any roll-up run.

  Input:
    KEYS[1] options hash
    ARGV[1] enabled (0/1)   ARGV[2] max_tokens   ARGV[3] idle_minutes   ARGV[4] max_turns_per_summary

  Output:
    { OK }
]]
--- @include "bank"

rcall('HSET', KEYS[1], 'en', ARGV[1], 'max', ARGV[2], 'idle', ARGV[3], 'turns', ARGV[4])
if ARGV[1] ~= '1' then rcall('HSET', KEYS[1], 'cmp', '0') end
return { OK }
