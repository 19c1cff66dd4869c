#!lua
--[[
  Sets a room's idle retention (or returns it to the server default) and publishes one change. The
  expiry index hint that commit() returns moves the room's deadline, earlier or later.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua
    ARGV[9] retention seconds (0 = keep until deleted), or '' for the server default

  Output:
    { OK, version, room hint, expiry hint, activity hint, retention seconds, 1 when it is the default }
    { VERSION_CONFLICT, current version }
]]
--- @include "common"

local ctx = args()
local now = now_ms()
expire_if_due(ctx, now)
local version, conflict = check_version(ctx)
if not version then return conflict end
if ARGV[9] == '' then rcall('HDEL', ctx.meta, 'ttl') else rcall('HSET', ctx.meta, 'ttl', ARGV[9]) end
local hints
version, hints = commit(ctx, now, 'retention', {}, 0)
local ttl, is_default = retention(ctx)
return reply(version, hints, ttl, is_default and 1 or 0)
