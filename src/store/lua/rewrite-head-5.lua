#!lua
--[[
  Applies a rewrite of the window's front planned in TypeScript from one snapshot (src/agent: pruning,
  compaction): the first `replace` entries of the list are replaced by the plan's head, the originals
  the plan names go to the archive exactly as they were stored, the version is bumped once and one
  change ('prune' or 'compact') is published.

  The plan was computed from a snapshot at (base version, base length); it applies when the room is
  still there: the version proves no mutation of ours happened since, the length catches a legacy
  manager's RPUSH (which does not bump the version). It also applies when every mutation since was a
  pure tail append (an append that trimmed nothing), so busy writers cannot starve it: the meta field
  `hv` (commit()) is at most the base version, the list is at least as long, the entry the plan saw
  last still holds its seq, and the kept counts match the list (no legacy write since our last
  mutation). With the caller's expected_version it stays strict. Otherwise VERSION_CONFLICT, and the
  caller plans again.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua
    ARGV[9]  base version of the plan's snapshot
    ARGV[10] base length of the plan's snapshot
    ARGV[11] replace: how many entries from the front the head replaces
    ARGV[12] change kind: 'prune' | 'compact'
    ARGV[13] replaced_through_seq carried by a 'compact' change (0 for 'prune')
    ARGV[14] archive max bytes (0: no limit)
    ARGV[15] archive ttl seconds (0: none)
    ARGV[16] '1' to archive replaced entries without a seq (legacy entries a compaction drops), else ''
    ARGV[17] the seq of the snapshot's last entry, '' when it has none (then only the strict rule applies)
    ARGV[18] H: the number of head entries, followed by their JSON (ARGV[19 .. 18+H])
    then     C: the number of changed entries, followed by C indexes (1-based) into the head: what
             the change event carries
    then     the seqs of the replaced entries to archive

  Output:
    { OK, version, room hint, expiry hint, activity hint, archive members evicted }
    { VERSION_CONFLICT, current version }
]]
--- @include "common"
--- @include "archive"
--- @include "trim"

local ctx = args()
local archive_key = ctx.archive
local base_version, base_length = tonumber(ARGV[9]), tonumber(ARGV[10])
local replace, kind, through = tonumber(ARGV[11]), ARGV[12], tonumber(ARGV[13])
local archive_max, archive_ttl, archive_seqless = tonumber(ARGV[14]), tonumber(ARGV[15]), ARGV[16] == '1'

local now = now_ms()
expire_if_due(ctx, now)
local version, conflict = check_version(ctx)
if not version then return conflict end
local len = rcall('LLEN', ctx.list)
if not (version == base_version and len == base_length) then
  local meta = rcall('HMGET', ctx.meta, 'hv', 'len', 'nt')
  local hv, last_seq = tonumber(meta[1] or ''), ARGV[17]
  local appended = ctx.expected == '' and hv ~= nil and hv <= base_version and len >= base_length and
    last_seq ~= '' and base_length > 0 and tonumber(meta[2]) == len and meta[3] == tail_print(ctx.list)
  if appended then
    local last = rcall('LINDEX', ctx.list, base_length - 1)
    appended = last and entry_number(last, '"seq":%s*(%d+)') == last_seq
  end
  if not appended then return { VERSION_CONFLICT, version } end
end

local at = 18
local head_count = tonumber(ARGV[at])
local head = {}
for i = 1, head_count do head[i] = ARGV[at + i] end
at = at + head_count + 1
local changed = {}
for i = 1, tonumber(ARGV[at]) do changed[i] = head[tonumber(ARGV[at + i])] end
at = at + #changed + 1
local to_archive = {}
for i = at, #ARGV do to_archive[ARGV[i]] = true end

-- The replaced entries: their archived originals, and what they took from the window's counts.
local n, _, bytes, tok = window_count(ctx.list, ctx.meta)
local archived = {}
local old = replace > 0 and rcall('LRANGE', ctx.list, 0, replace - 1) or {}
for _, raw in ipairs(old) do
  if counted(entry_role(raw)) then n = n - 1 end
  bytes = bytes - #raw
  tok = tok - entry_tokens(raw)
  -- Read without decoding, as entry_tokens() reads "tk": a quote inside a string is escaped and nested
  -- objects (metadata) hold strings, so the only `"seq":<digits>` in the text is the entry's own.
  local seq = entry_number(raw, '"seq":%s*(%d+)')
  if (seq and to_archive[seq]) or (not seq and archive_seqless) then
    archived[#archived + 1] = { seq or 0, raw }
  end
end
for _, raw in ipairs(head) do
  if counted(entry_role(raw)) then n = n + 1 end
  bytes = bytes + #raw
  tok = tok + entry_tokens(raw)
end

if #head == replace then
  -- A prune keeps the head's length: only the entries that differ are written.
  for i = 1, #head do
    if head[i] ~= old[i] then rcall('LSET', ctx.list, i - 1, head[i]) end
  end
else
  if replace > 0 then rcall('LTRIM', ctx.list, replace, -1) end
  for i = #head, 1, -1 do rcall('LPUSH', ctx.list, head[i]) end
end
save_count(ctx.list, ctx.meta, n, len - replace + #head, bytes, tok)
local evicted = 0
if #archived > 0 then evicted = archive_add(ctx.meta, archive_key, archived, archive_max, archive_ttl) end

local extra = ''
if kind == 'compact' then extra = ',"rt":' .. string.format('%d', through) end
local hints
version, hints = commit(ctx, now, kind, changed, 0, extra)
return reply(version, hints, evicted)
