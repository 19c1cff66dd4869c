#!lua
--[[
  Sets a room's window (its limit and, when given, its byte budget) and publishes one change. Raising
  the limit marks the room as needing a re-backfill (older messages to pull from the platform);
  lowering the limit or the budget trims the window at once.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua
    (KEYS[4], the archive, is where trimmed entries go when the room's agent options say
    archive_trimmed, meta field atr)
    ARGV[9]  new limit, already clamped to [50, 1000]
    ARGV[10] new byte budget, already clamped, or '' to keep the room's
    ARGV[11] the server's default byte budget of a room (ROOMHISTORY_MAX_ROOM_BYTES)
    ARGV[12] archive max bytes (0: no limit), ARGV[13] archive ttl seconds (0: none)

  Output:
    { OK, version, room hint, expiry hint, activity hint, limit, rebackfill requested (0/1), trimmed,
      byte budget }
    { VERSION_CONFLICT, current version }
]]
--- @include "common"
--- @include "archive"
--- @include "trim"

local ctx = args()
local limit = tonumber(ARGV[9])
local now = now_ms()
expire_if_due(ctx, now)
local version, conflict = check_version(ctx)
if not version then return conflict end
local previous = tonumber(rcall('HGET', ctx.meta, 'limit') or ctx.default_limit)
rcall('HSET', ctx.meta, 'limit', limit)
if limit > previous then rcall('HSET', ctx.meta, 'rebackfill', '1') end
if ARGV[10] ~= '' then rcall('HSET', ctx.meta, 'mb', ARGV[10]) end
local max_bytes = byte_budget(ctx.meta, tonumber(ARGV[11]))
local n, len, bytes, tok = window_count(ctx.list, ctx.meta)
local trimmed, dropped
local archiving = rcall('HGET', ctx.meta, 'atr') == '1'
trimmed, n, bytes, tok, dropped = trim_front(ctx.list, n, limit, bytes, max_bytes, tok, archiving)
archive_trimmed(ctx.meta, ctx.archive, dropped, tonumber(ARGV[12]), tonumber(ARGV[13]))
save_count(ctx.list, ctx.meta, n, len - trimmed, bytes, tok)
local rebackfill = rcall('HEXISTS', ctx.meta, 'rebackfill')
local hints
version, hints = commit(ctx, now, 'limit', {}, trimmed)
return reply(version, hints, limit, rebackfill, trimmed, max_bytes)
