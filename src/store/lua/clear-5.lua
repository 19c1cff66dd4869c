#!lua
--[[
  Drops a room's history and publishes one change. The version is incremented, never reset, so a
  writer's compare-and-set keeps seeing a monotonic version; the limit, the seq counter and the other
  settings (render defaults, calibration, agent options) are kept.

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
rcall('DEL', ctx.list)
rcall('HSET', ctx.meta, 'n', 0, 'len', 0, 'nt', '', 'b', 0, 'tok', 0)
local hints
version, hints = commit(ctx, now, 'clear', {}, 0)
return reply(version, hints)
