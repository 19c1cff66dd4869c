#!lua
--[[
  Appends a batch of entries to a room, atomically, then trims the window and publishes one change.
  With an idempotency key, a call whose key was already used in this room writes nothing and returns
  the first call's result; the record is written in the same script as the append, so two calls with
  one key, on any replicas, store the batch once.

  Input:
    KEYS[1..3], ARGV[1..8] as in includes/common.lua
    KEYS[4] idempotency record {prefix}:{room}:idem:<key> (any key of the room's slot when unused)

    ARGV[9]  idempotency key, or '' for none
    ARGV[10] seconds an idempotency record is kept
    ARGV[11] fingerprint of the request's messages
    ARGV[12] what a replay returns besides version, seqs and trimmed: JSON [[id, created_at], ...]
    ARGV[13..] entries, JSON objects without "seq" (it is assigned here)

  Output:
    { OK, version, room hint, expiry hint, activity hint, first seq, trimmed, 0 }
    { OK, version, '', '', '', first seq, trimmed, 1, replay JSON }  a replay (nothing written)
    { VERSION_CONFLICT, current version }
    { IDEMPOTENCY_MISMATCH }  the key was used for other messages
]]
--- @include "common"
--- @include "trim"

local ctx = args()
local idem_key, idem_ttl, fingerprint = ARGV[9], tonumber(ARGV[10]), ARGV[11]
local FIRST_ENTRY = 13

if idem_key ~= '' then
  local record = rcall('GET', KEYS[4])
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
local n, len = window_count(ctx.list, ctx.meta)
local last_seq = rcall('HINCRBY', ctx.meta, 'seq', count)
local first_seq = last_seq - count + 1
local stored = {}
for i = 1, count do
  -- Appended last so "role" stays the first field, which the trim reads without decoding.
  stored[i] = string.sub(ARGV[FIRST_ENTRY + i - 1], 1, -2) .. ',"seq":' .. (first_seq + i - 1) .. '}'
  if counted(entry_role(stored[i])) then n = n + 1 end
end
rcall('RPUSH', ctx.list, unpack(stored))

local limit = tonumber(rcall('HGET', ctx.meta, 'limit') or ctx.default_limit)
local trimmed
trimmed, n = trim_front(ctx.list, n, limit)
save_count(ctx.list, ctx.meta, n, len + count - trimmed)
local hints
version, hints = commit(ctx, now, 'append', stored, trimmed)
if idem_key ~= '' then
  rcall('SET', KEYS[4], version .. '|' .. first_seq .. '|' .. trimmed .. '|' .. fingerprint .. '|' .. ARGV[12],
    'EX', idem_ttl)
end
return reply(version, hints, first_seq, trimmed, 0)
