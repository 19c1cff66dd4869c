#!lua
--[[
  Replaces a roll-up group's sources by their digest (CommitRollup), atomically: every source must
  still have the revision the plan read, and the digest of the period must be unchanged (or still
  absent); else nothing changes. The digest sums the sources' (and the folded digest's) message
  counts, takes their newest last_source_at, keeps its created_at and increases its revision. Each
  folded conversation entry leaves a marker (its room and covers version) that bank-put-summary-5.lua
  reads, so a summary of the same turns put late does not come back beside the digest.

  Input:
    KEYS[1] options hash   KEYS[2] bank hash   KEYS[3] folded hash (room id -> "covers version:now")
    ARGV[1] digest id   ARGV[2] the folded digest's revision read (0: it was absent)
    ARGV[3] digest JSON without sourceMessageCount, lastSourceAt, createdAt, revision
    ARGV[4] now (ms)
    ARGV[5..] source id, revision, source id, revision, ...

  Output:
    { OK, digest JSON, sources replaced, total tokens after } | { BANK_DISABLED }
    | { SOURCE_CHANGED, source id } | { DIGEST_CHANGED }
]]
--- @include "bank"

if not enabled(KEYS[1]) then return { BANK_DISABLED } end
local count, last, rooms = 0, 0, {}
for i = 5, #ARGV, 2 do
  local json = rcall('HGET', KEYS[2], ARGV[i])
  if not json then return { SOURCE_CHANGED, ARGV[i] } end
  local e = cjson.decode(json)
  if num(e.revision) ~= ARGV[i + 1] then return { SOURCE_CHANGED, ARGV[i] } end
  count, last = count + e.sourceMessageCount, math.max(last, e.lastSourceAt)
  if e.granularity == 'conversation' and e.roomId ~= '' then
    rooms[#rooms + 1] = e.roomId
    rooms[#rooms + 1] = num(e.coversVersion) .. ':' .. num(tonumber(ARGV[4]))
  end
end
local created, revision = tonumber(ARGV[4]), 1
local folded = rcall('HGET', KEYS[2], ARGV[1])
if folded then
  folded = cjson.decode(folded)
  if num(folded.revision) ~= ARGV[2] then return { DIGEST_CHANGED } end
  count, last = count + folded.sourceMessageCount, math.max(last, folded.lastSourceAt)
  created, revision = folded.createdAt, folded.revision + 1
elseif ARGV[2] ~= '0' then
  return { DIGEST_CHANGED }
end
local digest = close_entry(ARGV[3], {
  { 'sourceMessageCount', count }, { 'lastSourceAt', last }, { 'createdAt', created }, { 'revision', revision },
})
local replaced = 0
for i = 5, #ARGV, 2 do
  rcall('HDEL', KEYS[2], ARGV[i])
  replaced = replaced + 1
end
rcall('HSET', KEYS[2], ARGV[1], digest)
if #rooms > 0 then rcall('HSET', KEYS[3], unpack(rooms)) end
return { OK, digest, replaced, total_tokens(KEYS[2]) }
