#!lua
--[[
  Expires one room if it is still idle, for the reaper (the server's schedule and ReapIdleRooms). The
  reaper picks candidates from the expiry or activity index, whose scores may be early: this script
  decides, atomically with any write, so a room written meanwhile is not expired, and a room that
  several replicas reap at once is expired once.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua (ARGV[3] unused)
    ARGV[9]  max idle ms: 0 reaps the room when it is past its retention; > 0 when it has been idle
             that long (unless its retention is 0, kept until deleted)
    ARGV[10] '1' for a dry run (nothing changes)

  Output:
    { OK, version }  reaped (or, on a dry run, would be)
    { NOT_DUE, deadline ms or '', last write ms or '' }  not idle enough: re-score the indexes
    { MESSAGE_NOT_FOUND }  the room does not exist: drop it from the indexes
]]
--- @include "common"

local ctx = args()
local max_idle, dry = tonumber(ARGV[9]), ARGV[10] == '1'
if not room_exists(ctx) then return { MESSAGE_NOT_FOUND } end
local now = now_ms()
local upd = rcall('HGET', ctx.meta, 'upd_ms')
local due = deadline(ctx)
local eligible
if max_idle == 0 then
  eligible = due ~= nil and due <= now
else
  local kept = rcall('HGET', ctx.meta, 'ttl') == '0'
  eligible = upd ~= nil and not kept and tonumber(upd) + max_idle <= now
end
if not eligible then return { NOT_DUE, due and tostring(due) or '', upd or '' } end
if dry then return { OK, current_version(ctx) } end
return { OK, bury(ctx, 'expired') }
