#!lua
--[[
  Upserts a room's conversation entry (PutConversationSummary). Refused while the bank is disabled, or
  when the stored entry covers a newer room version (the same version replaces it), or, for a room
  without an entry, when a roll-up folded its entry at that version or a newer one within the fold
  window: a worker that read the room before the roll-up would otherwise bring the folded turns back
  and the bank would count them twice. The room leaves the activity index once the summary covers its
  pending version.

  Input:
    KEYS[1] options hash   KEYS[2] bank hash   KEYS[3] pending zset   KEYS[4] pendingver hash
    KEYS[5] folded hash (room id -> "covers version:folded at ms", bank-commit-3.lua)
    ARGV[1] room id
    ARGV[2] entry JSON without createdAt and revision (the script adds them)
    ARGV[3] covers version   ARGV[4] now (ms)   ARGV[5] fold window (ms)

  Output:
    { OK, stored entry JSON, created (0/1) } | { BANK_DISABLED }
    | { SUMMARY_OUTDATED, stored (or folded) covers version }
]]
--- @include "bank"

if not enabled(KEYS[1]) then return { BANK_DISABLED } end
local room, covers, now = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local id = 'conversation:' .. room
local old = rcall('HGET', KEYS[2], id)
local created, revision = now, 1
if old then
  old = cjson.decode(old)
  if old.coversVersion > covers then return { SUMMARY_OUTDATED, num(old.coversVersion) } end
  created, revision = old.createdAt, old.revision + 1
else
  local folded = rcall('HGET', KEYS[5], room)
  if folded then
    local version, at = string.match(folded, '^(%d+):(%d+)$')
    if covers <= tonumber(version) and now - tonumber(at) < tonumber(ARGV[5]) then
      return { SUMMARY_OUTDATED, tonumber(version) }
    end
    rcall('HDEL', KEYS[5], room)
  end
end
local entry = close_entry(ARGV[2], { { 'createdAt', created }, { 'revision', revision } })
rcall('HSET', KEYS[2], id, entry)
local pending = rcall('HGET', KEYS[4], room)
if pending and covers >= tonumber(pending) then
  rcall('ZREM', KEYS[3], room)
  rcall('HDEL', KEYS[4], room)
end
return { OK, entry, old and 0 or 1 }
