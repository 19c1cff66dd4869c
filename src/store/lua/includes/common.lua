-- Shared by every mutation script (inlined by src/store/redis/scripts.ts).
local rcall = redis.call

-- Result codes; the TypeScript side lists the same numbers in ScriptCode (src/store/redis/scripts.ts).
local OK = 1
local VERSION_CONFLICT = -1
local MESSAGE_NOT_FOUND = -2

local function current_version(ver_key)
  return tonumber(rcall('GET', ver_key) or '0')
end

-- Marks the room's incarnation the first time its meta hash is written. A room that Redis lost and
-- that was written again gets a new epoch, so a reader's cache never mistakes its reused versions
-- for the old ones.
local function stamp_epoch(meta_key)
  local t = rcall('TIME')
  rcall('HSETNX', meta_key, 'epoch', t[1] .. '.' .. t[2])
end

-- Refreshes the room's TTL on every write, when one is configured.
local function touch(keys, ttl)
  if ttl > 0 then
    for _, key in ipairs(keys) do rcall('EXPIRE', key, ttl) end
  end
end

-- Publishes one change event on the room's shard channel. `entries` are JSON texts, sent only when
-- their total size fits max_bytes (else "o":1 tells the watcher to fetch them).
local function publish(channel, room, version, kind, entries, trimmed, max_bytes)
  local size, omitted = 0, 0
  for _, e in ipairs(entries) do size = size + #e end
  local body = ''
  if size <= max_bytes then body = table.concat(entries, ',') else omitted = 1 end
  rcall('SPUBLISH', channel, '{"r":' .. cjson.encode(room) .. ',"v":' .. version .. ',"pv":' ..
    (version - 1) .. ',"k":"' .. kind .. '","t":' .. trimmed .. ',"o":' .. omitted ..
    ',"e":[' .. body .. ']}')
end
