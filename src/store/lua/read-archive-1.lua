#!lua flags=no-writes
--[[
  Reads one page of a room's archive (includes/archive.lua), oldest seq first. A page never splits the
  members of one seq (an original and, say, the placeholder a later compaction archived), unless that
  seq alone fills the page: then the page holds all of them.

  Input:
    KEYS[1] the room's archive key
    ARGV[1] the lowest score, as ZRANGE BYSCORE takes it ('-inf', '5', '(5' exclusive)
    ARGV[2] the highest score ('+inf' or a number)
    ARGV[3] page size

  Output:
    { 1 when more may follow else 0, member, seq, member, seq, ... }
]]
local rcall = redis.call
local archive_key = KEYS[1]
local low, high, size = ARGV[1], ARGV[2], tonumber(ARGV[3])

local rows = rcall('ZRANGE', archive_key, low, high, 'BYSCORE', 'LIMIT', 0, size + 1, 'WITHSCORES')
local function page(more, count)
  local out = { more }
  for i = 1, count * 2 do out[#out + 1] = rows[i] end
  return out
end
if #rows <= size * 2 then return page(0, #rows / 2) end
local last = rows[size * 2]
if rows[size * 2 + 2] ~= last then return page(1, size) end
local keep = size
while keep > 0 and rows[keep * 2] == last do keep = keep - 1 end
if keep > 0 then return page(1, keep) end
rows = rcall('ZRANGE', archive_key, last, last, 'BYSCORE', 'WITHSCORES')
local more = rcall('ZCOUNT', archive_key, '(' .. last, high) > 0 and 1 or 0
return page(more, #rows / 2)
