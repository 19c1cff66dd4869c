-- The room's archive, shared by the scripts that move entries out of the window (inlined by
-- src/store/redis/scripts.ts). Needs includes/common.lua (rcall) before it.
--
-- The archive is a sorted set under the room's hash tag: score = the entry's seq (0 for a legacy entry
-- without one), member = the entry's JSON exactly as it was stored in the list, so GetArchive returns
-- the originals byte for byte. The meta hash keeps its size in bytes (`ab`, the sum of its members'
-- lengths) for the size limit; a missing archive (expired, never written) counts as 0 whatever `ab`
-- says. The archive keeps at most max_bytes (oldest seqs evicted first) and expires ttl seconds after
-- the last archiving; bury() in includes/common.lua deletes it with the room.

-- Adds `items` ({ {seq, raw}, ... }) to the archive, evicts the oldest members while it holds more
-- than max_bytes (0: no limit), and restarts its ttl (seconds, 0: none). Returns how many members
-- were evicted.
local function archive_add(meta_key, archive_key, items, max_bytes, ttl)
  local bytes = 0
  if rcall('EXISTS', archive_key) == 1 then bytes = tonumber(rcall('HGET', meta_key, 'ab') or '0') end
  for _, item in ipairs(items) do
    -- An identical member (same seq, same bytes) is already there: counted once.
    if rcall('ZADD', archive_key, item[1], item[2]) == 1 then bytes = bytes + #item[2] end
  end
  local evicted = 0
  while max_bytes > 0 and bytes > max_bytes do
    local oldest = rcall('ZPOPMIN', archive_key)
    if #oldest == 0 then bytes = 0 break end
    bytes = bytes - #oldest[1]
    evicted = evicted + 1
  end
  if rcall('EXISTS', archive_key) == 1 then
    rcall('HSET', meta_key, 'ab', bytes)
    if ttl > 0 then rcall('EXPIRE', archive_key, ttl) else rcall('PERSIST', archive_key) end
  else
    rcall('HDEL', meta_key, 'ab')
  end
  return evicted
end
