#!lua flags=no-writes
--[[
  Reads one run's cursor (GetRunCursor). Read only: a room past its retention that no mutation has
  expired yet reads as expired (no cursor); its cursors go when it is buried (includes/common.lua).

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua (ARGV[3], the expected version, is unused)
    ARGV[9] run id

  Output:
    { OK, cursor JSON or '' when the run has no cursor }
]]
--- @include "common"

local ctx = args()
local due = deadline(ctx)
if not room_exists(ctx) or (due and due <= now_ms()) then return { OK, '' } end
return { OK, rcall('HGET', ctx.cursors, ARGV[9]) or '' }
