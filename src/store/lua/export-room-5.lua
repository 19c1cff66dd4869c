#!lua flags=no-writes
--[[
  Reads a room whole, in one snapshot (ExportRooms, src/store/redis/transfer.ts): its version, every
  field of its meta hash (settings, metadata, seq counter, bookkeeping: the caller picks what it
  exports), its window, its archive and its run cursors all belong to the same version.

  Input:
    KEYS[1..5] the room's keys as in includes/common.lua (list, version, meta, archive, run cursors)

  Output:
    nil when the room does not exist (never written, or a tombstone), else
    { version, M, meta field, value, ... (M items), W, window entry JSON, ... (W items),
      A, archive member, ... (A items, by seq), C, run id, cursor JSON, ... (C items) }
]]
local rcall = redis.call
local version = tonumber(rcall('GET', KEYS[2]) or '0')
local len = rcall('LLEN', KEYS[1])
-- As room_exists() in includes/common.lua: not a tombstone, and written by someone.
if rcall('HEXISTS', KEYS[3], 'gone') == 1 or (version == 0 and len == 0) then return nil end

local out = { version }
local function add(items)
  out[#out + 1] = #items
  for i = 1, #items do out[#out + 1] = items[i] end
end
add(rcall('HGETALL', KEYS[3]))
add(rcall('LRANGE', KEYS[1], 0, -1))
add(rcall('ZRANGE', KEYS[4], 0, -1))
add(rcall('HGETALL', KEYS[5]))
return out
