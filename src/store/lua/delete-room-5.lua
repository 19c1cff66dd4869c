#!lua
--[[
  Deletes a room: its history and settings go, its version and seq counter stay as a tombstone (for
  the tombstone ttl), and one 'deleted' change is published. A room that does not exist is left as
  it is.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua

  Output:
    { OK, version, deleted (1, or 0 when the room did not exist) }
    { VERSION_CONFLICT, current version }
]]
--- @include "common"

local ctx = args()
local now = now_ms()
expire_if_due(ctx, now)
local version, conflict = check_version(ctx)
if not version then return conflict end
if not room_exists(ctx) then return { OK, version, 0 } end
return { OK, bury(ctx, 'deleted'), 1 }
