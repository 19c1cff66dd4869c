#!lua
--[[
  Sets one run's cursor (UpdateRunCursor): next_seq replaced when given, values merged (an empty value
  removes its key). Cursors are worker bookkeeping, not history: the version, the last-write time and
  the indexes stay, and no change is published. A room idle past its retention is expired first (one
  'expired' change), as before any mutation, and then is not found. The TypeScript twin is
  applyCursorUpdate() in src/store/run-cursor.ts (the memory store); the conformance suite holds them
  together.

  next_seq travels as decimal text: cjson would write a large number in 14 significant digits.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua (ARGV[3], the expected version, is unused)
    ARGV[9]  run id
    ARGV[10] the new next_seq, or '' to keep it
    ARGV[11] the expected next_seq ('0' for a cursor that does not exist), or '' for none
    ARGV[12] the most bytes the values may take (keys and values, UTF-8)
    ARGV[13..] key, value, key, value ...

  Output:
    { OK, cursor JSON }
    { VERSION_CONFLICT, current next_seq }     the expected next_seq did not match (CURSOR_CONFLICT)
    { TOO_LARGE, bytes the values would take }
    { ROOM_NOT_FOUND }
]]
--- @include "common"

local ctx = args()
local cursors, run = ctx.cursors, ARGV[9]
expire_if_due(ctx, now_ms())
if not room_exists(ctx) then return { ROOM_NOT_FOUND } end

local raw = rcall('HGET', cursors, run)
local cursor = raw and cjson.decode(raw) or { next_seq = '0', values = {} }
if ARGV[11] ~= '' and cursor.next_seq ~= ARGV[11] then return { VERSION_CONFLICT, cursor.next_seq } end
if ARGV[10] ~= '' then cursor.next_seq = ARGV[10] end
for i = 13, #ARGV, 2 do
  if ARGV[i + 1] == '' then cursor.values[ARGV[i]] = nil else cursor.values[ARGV[i]] = ARGV[i + 1] end
end
local bytes = 0
for k, v in pairs(cursor.values) do bytes = bytes + #k + #v end
if bytes > tonumber(ARGV[12]) then return { TOO_LARGE, bytes } end

-- An empty values table encodes as {} (cjson's default), which the reader decodes as no values.
local out = cjson.encode(cursor)
rcall('HSET', cursors, run, out)
return { OK, out }
