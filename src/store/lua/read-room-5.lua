#!lua flags=no-writes
--[[
  Reads a room in one snapshot: its version, settings and entries belong to the same moment.
  A caller holding a cached copy names it (epoch, version, length); when the room still matches, the
  entries are not sent again. Every mutation bumps the version, a legacy clear changes the length, and
  a room recreated after Redis lost it has a new epoch, so a match means the entries are unchanged.

  Input:
    KEYS[1..5] the room's keys as in includes/common.lua (list, version, meta, archive, run cursors;
               the cursors are unused: the layout is shared so one helper builds every room's key list)
    ARGV[1] cached epoch, or '' for no cached copy
    ARGV[2] cached version
    ARGV[3] cached list length

  Output:
    { version, limit or '', rebackfill ('1' or ''), updated_at or '', epoch or '', length,
      1 when the cached copy is current (no entries follow) else 0,
      own retention seconds or '', last write ms or '', 1 when the room exists else 0,
      own byte budget or '', template or '', room_context JSON or '', encoding or '',
      calibration sums of inputs and of estimates and samples (each or ''),
      agent options: context budget, compaction threshold, output keys JSON, archive_trimmed '1' (each
      or ''), archive count, metadata JSON (includes/metadata.lua: the metadata fields and crt; '' when
      the cached copy is current: every metadata change bumps the version), entry JSON... }
]]
local rcall = redis.call
--- @include "metadata"
local FIRST_ENTRY = 24
local meta = rcall('HMGET', KEYS[3], 'limit', 'rebackfill', 'updated_at', 'epoch', 'ttl', 'upd_ms', 'gone', 'mb',
  'tpl', 'ctx', 'enc', 'cui', 'cue', 'cun', 'mct', 'cth', 'okeys', 'atr')
local version = tonumber(rcall('GET', KEYS[2]) or '0')
local len = rcall('LLEN', KEYS[1])
local epoch = meta[4] or ''
-- As room_exists() in includes/common.lua: not a tombstone, and written by someone.
local exists = (not meta[7]) and (version > 0 or len > 0) and 1 or 0
local out = { version, meta[1] or '', meta[2] or '', meta[3] or '', epoch, len, 0, meta[5] or '', meta[6] or '', exists,
  meta[8] or '', meta[9] or '', meta[10] or '', meta[11] or '', meta[12] or '', meta[13] or '', meta[14] or '' }
for _, v in ipairs({ meta[15] or '', meta[16] or '', meta[17] or '', meta[18] or '', rcall('ZCARD', KEYS[4]) }) do
  out[#out + 1] = v
end
if epoch ~= '' and epoch == ARGV[1] and tostring(version) == ARGV[2] and tostring(len) == ARGV[3] then
  out[7] = 1
  out[23] = ''
  return out
end
out[23] = metadata_json(KEYS[3])
local entries = rcall('LRANGE', KEYS[1], 0, -1)
for i = 1, #entries do out[FIRST_ENTRY - 1 + i] = entries[i] end
return out
