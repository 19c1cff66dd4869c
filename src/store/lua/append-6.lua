#!lua
--[[
  Appends a batch of entries to a room, atomically, then trims the window and publishes one change.
  With an idempotency key, a call whose key was already used in this room writes nothing and returns
  the first call's result; the record is written in the same script as the append, so two calls with
  one key, on any replicas, store the batch once.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua
    KEYS[6] idempotency record {prefix}:{room}:idem:<key> (any key of the room's slot when unused)
    (KEYS[4], the archive, is where trimmed entries go when the room's agent options say
    archive_trimmed, meta field atr)

    ARGV[9]  idempotency key, or '' for none
    ARGV[10] seconds an idempotency record is kept
    ARGV[11] fingerprint of the request's messages
    ARGV[12] what a replay returns besides version, seqs and trimmed: JSON [[id, created_at], ...]
    ARGV[13] the server's default byte budget of a room (ROOMHISTORY_MAX_ROOM_BYTES)
    ARGV[14] archive max bytes (0: no limit), ARGV[15] archive ttl seconds (0: none)
    ARGV[16] the batch's distinct senders, JSON [[id, first ms, last ms], ...] (their entries'
             created_at), or '' for none: each becomes or refreshes a participant (includes/metadata.lua)
    ARGV[17..] entries, JSON objects without "seq" (it is assigned here)

  Output:
    { OK, version, room hint, expiry hint, activity hint, first seq, trimmed, 0, namespace or '' }
    { OK, version, '', '', '', first seq, trimmed, 1, replay JSON }  a replay (nothing written)
    { VERSION_CONFLICT, current version }
    { IDEMPOTENCY_MISMATCH }  the key was used for other messages
    { TOO_LARGE, index (0-based), stored bytes, budget }  one entry alone exceeds the room's byte budget
]]
--- @include "common"
--- @include "archive"
--- @include "trim"
--- @include "metadata"

local ctx = args()
local idem_key, idem_ttl, fingerprint = ARGV[9], tonumber(ARGV[10]), ARGV[11]
local default_max = tonumber(ARGV[13])
local archive_max, archive_ttl = tonumber(ARGV[14]), tonumber(ARGV[15])
local FIRST_ENTRY = 17

if idem_key ~= '' then
  local record = rcall('GET', KEYS[6])
  if record then
    local v, s, t, f, replay = string.match(record, '^(%d+)|(%d+)|(%d+)|([^|]*)|(.*)$')
    if f ~= fingerprint then return { IDEMPOTENCY_MISMATCH } end
    return { OK, tonumber(v), '', '', '', tonumber(s), tonumber(t), 1, replay }
  end
end

local now = now_ms()
expire_if_due(ctx, now)
local version, conflict = check_version(ctx)
if not version then return conflict end

local count = #ARGV - FIRST_ENTRY + 1
local max_bytes = byte_budget(ctx.meta, default_max)
local seq = tonumber(rcall('HGET', ctx.meta, 'seq') or '0')
local stored = {}
for i = 1, count do
  -- Appended last so "role" stays the first field, which the trim reads without decoding.
  stored[i] = string.sub(ARGV[FIRST_ENTRY + i - 1], 1, -2) .. ',"seq":' .. (seq + i) .. '}'
  -- A message that could never fit is refused before anything is written (see README, "Limits").
  if #stored[i] > max_bytes then return { TOO_LARGE, i - 1, #stored[i], max_bytes } end
end
local n, len, bytes, tok = window_count(ctx.list, ctx.meta)
local first_seq = rcall('HINCRBY', ctx.meta, 'seq', count) - count + 1
for i = 1, count do
  if counted(entry_role(stored[i])) then n = n + 1 end
  bytes = bytes + #stored[i]
  tok = tok + entry_tokens(stored[i])
end
rcall('RPUSH', ctx.list, unpack(stored))

local limit = tonumber(rcall('HGET', ctx.meta, 'limit') or ctx.default_limit)
local trimmed, dropped
local archiving = rcall('HGET', ctx.meta, 'atr') == '1'
trimmed, n, bytes, tok, dropped = trim_front(ctx.list, n, limit, bytes, max_bytes, tok, archiving)
archive_trimmed(ctx.meta, ctx.archive, dropped, archive_max, archive_ttl)
save_count(ctx.list, ctx.meta, n, len + count - trimmed, bytes, tok)
note_senders(ctx.meta, ARGV[16])
local hints
version, hints = commit(ctx, now, 'append', stored, trimmed)
if idem_key ~= '' then
  rcall('SET', KEYS[6], version .. '|' .. first_seq .. '|' .. trimmed .. '|' .. fingerprint .. '|' .. ARGV[12],
    'EX', idem_ttl)
end
return reply(version, hints, first_seq, trimmed, 0, rcall('HGET', ctx.meta, 'ns') or '')
