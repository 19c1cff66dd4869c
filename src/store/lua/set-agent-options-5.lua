#!lua
--[[
  Replaces a room's agent options (SetAgentOptions) and publishes one change: its context budget, the
  share of it at which the room needs compaction, the output keys compaction preserves, and whether
  turns trimmed off the window go to the archive. The history is unchanged; like the limit and the
  render defaults, the options survive a clear and go with the room (delete, expiry: bury() drops the
  meta hash). The change carries the room's token total and needs_compaction (includes/common.lua).

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua
    ARGV[9]  max_context_tokens, 0 for none
    ARGV[10] compaction threshold, in (0, 1], written with 17 significant digits
    ARGV[11] output keys as a JSON array of strings, or '' for none
    ARGV[12] '1' to archive trimmed turns, else ''

  Output:
    { OK, version, room hint, expiry hint, activity hint, 1 when the room needs compaction else 0 }
    { VERSION_CONFLICT, current version }
]]
--- @include "common"

local ctx = args()
local now = now_ms()
expire_if_due(ctx, now)
local version, conflict = check_version(ctx)
if not version then return conflict end
rcall('HSET', ctx.meta, 'cth', ARGV[10])
-- Unset options are not stored: a room without a budget reads as one that never had agent options.
for _, option in ipairs({ { 'mct', ARGV[9] }, { 'okeys', ARGV[11] }, { 'atr', ARGV[12] } }) do
  local field, value = option[1], option[2]
  if value == '' or value == '0' then rcall('HDEL', ctx.meta, field) else rcall('HSET', ctx.meta, field, value) end
end
local hints
version, hints = commit(ctx, now, 'agent_options', {}, 0)
local _, needs = agent_state(ctx)
return reply(version, hints, needs and 1 or 0)
