#!lua
--[[
  Replaces a namespace's options and entries (ImportRooms), atomically; no roll-up run is under way
  afterwards. The activity index is left alone (it follows the rooms, not the bank).

  Input:
    KEYS[1] options hash   KEYS[2] bank hash
    ARGV[1] enabled (0/1)   ARGV[2] max_tokens   ARGV[3] idle_minutes   ARGV[4] max_turns_per_summary
    ARGV[5] dropped entries
    ARGV[6..] entry id, entry JSON, ...

  Output:
    { OK }
]]
--- @include "bank"

rcall('DEL', KEYS[1], KEYS[2])
rcall('HSET', KEYS[1], 'en', ARGV[1], 'max', ARGV[2], 'idle', ARGV[3], 'turns', ARGV[4], 'cmp', '0', 'drop', ARGV[5])
for i = 6, #ARGV, 2 do rcall('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return { OK }
