#!lua
--[[
  The legacy bridge's one write (src/store/redis/legacy-bridge.ts), run for a room a legacy writer
  touched. Single Redis only: the room index lives in another slot.

  A legacy clear is a DEL of the list that leaves `:ver` alone, so a watcher holding that version
  could never tell it apart from the history it has. With ARGV[2] = '1' (the list changed and no
  version bump followed) the version is bumped, giving the change a version to fetch at; a version
  key that is gone stays gone (bumping from 0 would reuse versions). Every replica's bridge sees the
  same notification and runs this script: the meta field `lbridge` records the version and list
  fingerprint each bump produced, so only the first of them bumps.

  A room that exists (not a tombstone, and a list or a version) is added to the room index, so
  ListRooms lists rooms only legacy writers wrote; one whose keys are all gone without a tombstone (a
  legacy key TTL, an eviction) leaves it.

  Input:
    KEYS[1] list key     prefix:room (or prefix:{room})
    KEYS[2] version key  prefix:room:ver
    KEYS[3] meta key     prefix:room:meta
    KEYS[4] room index of the layout

    ARGV[1] room id
    ARGV[2] '1' to bump the version unless this list state was bumped for already, else ''

  Output:
    { version, 1 when bumped else 0, 1 when newly indexed, -1 when taken out of the index, else 0 }
    { -1, 0, 0 } when the version key holds no integer (nothing written)
]]
local rcall = redis.call
local list_key, ver_key, meta_key, index_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local version = tonumber(rcall('GET', ver_key) or '0')
if not version then return { -1, 0, 0 } end

local bumped = 0
if ARGV[2] == '1' and rcall('EXISTS', ver_key) == 1 then
  local first, last = rcall('LINDEX', list_key, 0), rcall('LINDEX', list_key, -1)
  local print = redis.sha1hex(rcall('LLEN', list_key) .. ':' .. (first or '') .. ':' .. (last or ''))
  if rcall('HGET', meta_key, 'lbridge') ~= (version .. ':' .. print) then
    local fresh = rcall('EXISTS', meta_key) == 0
    version = version + 1
    rcall('HSET', meta_key, 'lbridge', version .. ':' .. print)
    -- A meta hash made here for a legacy room goes when the room's version key does.
    local ttl = rcall('PTTL', ver_key)
    if fresh and ttl > 0 then rcall('PEXPIRE', meta_key, ttl) end
    -- Last, so the other bridges see a version move that no meta write follows (not a service write).
    rcall('INCR', ver_key)
    bumped = 1
  end
end

local indexed = 0
local exists = rcall('EXISTS', list_key, ver_key) > 0
if exists and rcall('HEXISTS', meta_key, 'gone') == 0 then
  indexed = rcall('ZADD', index_key, 'NX', 0, ARGV[1])
elseif not exists then
  indexed = -rcall('ZREM', index_key, ARGV[1])
end
return { version, bumped, indexed }
