#!lua
--[[
  Clears a room's re-backfill mark and publishes one change.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua

  Output:
    { OK, version, room hint, expiry hint, activity hint }
    { VERSION_CONFLICT, current version }
]]
--- @include "common"

local ctx = args()
local now = now_ms()
expire_if_due(ctx, now)
local version, conflict = check_version(ctx)
if not version then return conflict end
rcall('HDEL', ctx.meta, 'rebackfill')
local hints
version, hints = commit(ctx, now, 'rebackfill', {}, 0)
return reply(version, hints)
