#!lua
--[[
  Sets a room's window and publishes one change. Raising the limit marks the room as needing a
  re-backfill (older messages to pull from the platform); lowering it trims the window at once.

  Input:
    KEYS[1..3], ARGV[1..8] as in includes/common.lua
    ARGV[9] new limit, already clamped to [50, 1000]

  Output:
    { OK, version, room hint, expiry hint, activity hint, limit, rebackfill requested (0/1), trimmed }
    { VERSION_CONFLICT, current version }
]]
--- @include "common"
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
local n, len = window_count(ctx.list, ctx.meta)
local trimmed
trimmed, n = trim_front(ctx.list, n, limit)
save_count(ctx.list, ctx.meta, n, len - trimmed)
local rebackfill = rcall('HEXISTS', ctx.meta, 'rebackfill')
local hints
version, hints = commit(ctx, now, 'limit', {}, trimmed)
return reply(version, hints, limit, rebackfill, trimmed)
