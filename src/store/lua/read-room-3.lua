#!lua flags=no-writes
--[[
  Reads a room in one snapshot: its version, settings and entries belong to the same moment.

  Input:
    KEYS[1] list key, KEYS[2] version key, KEYS[3] meta key (as in append-3.lua)

  Output:
    { version, limit or '', rebackfill ('1' or ''), updated_at or '', entry JSON... }
]]
local rcall = redis.call
local meta = rcall('HMGET', KEYS[3], 'limit', 'rebackfill', 'updated_at')
local out = { tonumber(rcall('GET', KEYS[2]) or '0'), meta[1] or '', meta[2] or '', meta[3] or '' }
local entries = rcall('LRANGE', KEYS[1], 0, -1)
for i = 1, #entries do out[4 + i] = entries[i] end
return out
