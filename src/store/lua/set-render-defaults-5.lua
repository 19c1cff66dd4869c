#!lua
--[[
  Replaces a room's render defaults (SetRoomRenderDefaults) and publishes one change: the template a
  request naming none renders, the stored room_context (JSON, size-checked by the caller) and the token
  encoding. Each empty argument returns that default to the server's. The history is unchanged; like
  the limit, the defaults survive a clear and go with the room (delete, expiry: bury() drops the meta).

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua
    ARGV[9]  template name, or '' for the server's default
    ARGV[10] room_context as a JSON object, or '' for none
    ARGV[11] encoding name ('o200k_base', 'cl100k_base'), or '' for the server's default

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
for i, field in ipairs({ 'tpl', 'ctx', 'enc' }) do
  local value = ARGV[8 + i]
  if value == '' then rcall('HDEL', ctx.meta, field) else rcall('HSET', ctx.meta, field, value) end
end
local hints
version, hints = commit(ctx, now, 'render_defaults', {}, 0)
return reply(version, hints)
