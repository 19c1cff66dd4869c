#!lua
--[[
  Adds one provider count to a room's token calibration (ReportUsage). Changes no history: the
  version, the last-write time and the indexes stay, and no change is published. A room idle past its
  retention is expired first (one 'expired' change), as before any mutation, and then is not found.

  The calibration is a ratio of decayed sums (src/store/calibration.ts, whose addUsageReport() is this
  script's twin in the memory store): the reported estimate, which the calibration in force had already
  multiplied, is divided by it; then each sum is multiplied by the decay and the report added. The sums
  are written with 17 significant digits, so they read back as the very same doubles.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua (ARGV[3], the expected version, is unused)
    ARGV[9]  the provider's input tokens, or '' to only check that the room exists
    ARGV[10] the render's estimate
    ARGV[11] decay, ARGV[12] lowest calibration, ARGV[13] highest calibration

  Output:
    { OK, sum of inputs, sum of estimates, samples }   sums as text ('' when the room has no reports)
    { ROOM_NOT_FOUND }
]]
--- @include "common"

local ctx = args()
local now = now_ms()
expire_if_due(ctx, now)
if not room_exists(ctx) then return { ROOM_NOT_FOUND } end
local sums = rcall('HMGET', ctx.meta, 'cui', 'cue', 'cun')
if ARGV[9] == '' then return { OK, sums[1] or '', sums[2] or '', tonumber(sums[3] or '0') } end

local input, estimate = tonumber(ARGV[9]), tonumber(ARGV[10])
local decay, lowest, highest = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local sum_in, sum_est, samples = tonumber(sums[1] or '0'), tonumber(sums[2] or '0'), tonumber(sums[3] or '0')
local calibration = 1
if sum_in > 0 and sum_est > 0 then calibration = math.min(highest, math.max(lowest, sum_in / sum_est)) end
local raw = estimate / calibration
sum_in = sum_in * decay + input
sum_est = sum_est * decay + raw
samples = samples + 1
local a, b = string.format('%.17g', sum_in), string.format('%.17g', sum_est)
local fresh = rcall('EXISTS', ctx.meta) == 0
rcall('HSET', ctx.meta, 'cui', a, 'cue', b, 'cun', samples)
-- A room only the legacy manager wrote has no meta hash; one made here goes when its keys do (a
-- legacy TTL), so that a later room of the same id does not inherit this calibration.
if fresh then
  local ttl = rcall('PTTL', ctx.ver)
  if ttl == -2 then ttl = rcall('PTTL', ctx.list) end
  if ttl > 0 then rcall('PEXPIRE', ctx.meta, ttl) end
end
return { OK, a, b, samples }
