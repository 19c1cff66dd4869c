#!lua
--[[
  Upserts a room's conversation entry (PutConversationSummary). Refused while the bank is disabled, or
  when the stored entry covers a newer room version (the same version replaces it). The room leaves the
  activity index once the summary covers its pending version.

  Input:
    KEYS[1] options hash   KEYS[2] bank hash   KEYS[3] pending zset   KEYS[4] pendingver hash
    ARGV[1] room id
    ARGV[2] entry JSON without createdAt and revision (the script adds them)
    ARGV[3] covers version   ARGV[4] now (ms)

  Output:
    { OK, stored entry JSON, created (0/1) } | { BANK_DISABLED } | { SUMMARY_OUTDATED, stored covers version }
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
end
local entry = close_entry(ARGV[2], { { 'createdAt', created }, { 'revision', revision } })
rcall('HSET', KEYS[2], id, entry)
local pending = rcall('HGET', KEYS[4], room)
if pending and covers >= tonumber(pending) then
  rcall('ZREM', KEYS[3], room)
  rcall('HDEL', KEYS[4], room)
end
return { OK, entry, old and 0 or 1 }
