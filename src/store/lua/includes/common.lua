-- Shared by every mutation script (inlined by src/store/redis/scripts.ts).
--
-- Every mutation script takes the same keys and the same first ARGV (see args() below), so that the
-- rules every mutation shares live here once: the compare-and-set, expiry of an idle room before it
-- is touched, the version bump, the tombstone, the hints that keep the room indexes current, and the
-- one change event.
local rcall = redis.call

-- Result codes; the TypeScript side lists the same numbers in ScriptCode (src/store/redis/scripts.ts).
local OK = 1
local VERSION_CONFLICT = -1
local MESSAGE_NOT_FOUND = -2
local IDEMPOTENCY_MISMATCH = -3
local NOT_DUE = -4
local TOO_LARGE = -5
local ROOM_NOT_FOUND = -6

-- An index score is refreshed only when it lags by this much: a busy room costs one ZADD a second,
-- not one a write. Scores may therefore be early, never late; the reaper re-checks before acting.
local INDEX_SLACK_MS = 1000

-- The keys and leading arguments every mutation script shares.
--   KEYS[1] list key     {prefix}:{room}        (JSON entries, oldest first)
--   KEYS[2] version key  {prefix}:{room}:ver    (the room's version; survives as a tombstone)
--   KEYS[3] meta key     {prefix}:{room}:meta   (hash: limit, mb, rebackfill, seq, updated_at, upd_ms,
--                                                ttl, epoch, n, len, nt, b, tok, idx, xi, ai, gone; render
--                                                defaults tpl, ctx, enc; calibration sums cui, cue, cun;
--                                                agent options mct, cth, okeys, atr; archive bytes ab;
--                                                hv, crt: commit(); metadata title, ns, labels,
--                                                summary, p:<id>, pc: includes/metadata.lua;
--                                                tombstone gns, glb: bury())
--   KEYS[4] archive key  {prefix}:{room}:archive (sorted set, includes/archive.lua)
--   KEYS[5] cursors key  {prefix}:{room}:cursors (hash of run cursors, update-run-cursor-5.lua)
--   KEYS[6..] the script's own keys
--   ARGV[1] change channel (shares the room's hash tag)
--   ARGV[2] room id
--   ARGV[3] expected version, or '' for none
--   ARGV[4] now, RFC 3339 (the server's clock: what clients see in updated_at)
--   ARGV[5] default idle ttl seconds, 0 for none
--   ARGV[6] tombstone ttl seconds, 0 to keep tombstones forever
--   ARGV[7] max bytes of entries carried in a change event
--   ARGV[8] default limit (user/assistant entries kept)
--   ARGV[9..] the script's own arguments
local function args()
  return {
    list = KEYS[1], ver = KEYS[2], meta = KEYS[3], archive = KEYS[4], cursors = KEYS[5],
    channel = ARGV[1], room = ARGV[2], expected = ARGV[3], now = ARGV[4],
    default_ttl = tonumber(ARGV[5]), tomb_ttl = tonumber(ARGV[6]), max_event = tonumber(ARGV[7]),
    default_limit = tonumber(ARGV[8]),
  }
end
local FIRST_OWN_ARG = 9

-- Redis' clock, shared by every replica of the service, for idle and expiry arithmetic.
local function now_ms()
  local t = rcall('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function current_version(ctx)
  return tonumber(rcall('GET', ctx.ver) or '0')
end

-- A room exists unless it was never written or its meta is a tombstone. Rooms written only by the
-- legacy manager have no meta hash but a list or a version.
local function room_exists(ctx)
  if rcall('HEXISTS', ctx.meta, 'gone') == 1 then return false end
  return rcall('EXISTS', ctx.ver) == 1 or rcall('EXISTS', ctx.list) == 1
end

-- The idle retention in force (seconds, 0 = never) and whether it is the server default.
local function retention(ctx)
  local own = rcall('HGET', ctx.meta, 'ttl')
  if own then return tonumber(own), false end
  return ctx.default_ttl, true
end

-- A fingerprint of the newest entry. A foreign writer (the legacy manager's RPUSH + LTRIM) can keep the
-- list's length unchanged; it cannot keep its newest entry unchanged, so length and fingerprint
-- together tell a count we kept from one taken before someone else wrote.
local function tail_print(list_key)
  local last = rcall('LINDEX', list_key, -1)
  if not last then return '' end
  return redis.sha1hex(last)
end

-- An entry's own tokens: its "tk", written by the service (entryTokens in src/prompt/tokens.ts); 0 for
-- entries without one (the legacy manager's). Read without decoding: every nested object of an entry
-- holds strings under "tk" if anything (metadata), and a quote inside a string is escaped, so the only
-- `"tk":<digits>` in the text is the entry's own.
-- Service entries end with their short fields (encodeEntry puts the long content first), so the tail
-- is searched first and the whole text only when it holds no match: a ~5 KB tool result is not scanned.
local function entry_number(raw, pattern)
  local found = string.match(raw, pattern, math.max(1, #raw - 160))
  if found then return found end
  return string.match(raw, pattern)
end

local function entry_tokens(raw)
  return tonumber(entry_number(raw, '"tk":(%d+)')) or 0
end

-- The window's token total (GetRoomInfo.token_count): the meta field `tok`, kept with the counts of
-- includes/trim.lua, while the list is as they were taken (length and newest entry); else counted again.
local function window_tokens(list_key, meta_key)
  local meta = rcall('HMGET', meta_key, 'tok', 'len', 'nt')
  if meta[1] and tonumber(meta[2]) == rcall('LLEN', list_key) and meta[3] == tail_print(list_key) then
    return tonumber(meta[1])
  end
  local tok = 0
  for _, raw in ipairs(rcall('LRANGE', list_key, 0, -1)) do tok = tok + entry_tokens(raw) end
  return tok
end

-- The bounds of a room's Anthropic calibration (CALIBRATION_MIN/MAX in src/store/calibration.ts).
local CALIBRATION_MIN, CALIBRATION_MAX = 0.25, 4

-- A room's agent state: nil without a context budget (SetAgentOptions), else its token total and
-- whether it needs compaction: tok × calibration / budget at or over the threshold, the same
-- arithmetic as agentState() in src/store/agent-state.ts.
local function agent_state(ctx)
  local m = rcall('HMGET', ctx.meta, 'mct', 'cth', 'cui', 'cue')
  local budget = tonumber(m[1] or '0')
  if budget <= 0 then return nil end
  local tok = window_tokens(ctx.list, ctx.meta)
  local sum_in, sum_est = tonumber(m[3] or '0'), tonumber(m[4] or '0')
  local calibration = 1
  if sum_in > 0 and sum_est > 0 then
    calibration = math.min(CALIBRATION_MAX, math.max(CALIBRATION_MIN, sum_in / sum_est))
  end
  return tok, tok * calibration / budget >= tonumber(m[2])
end

-- The agent fields of a change event ("tc" token total, "nc" needs compaction); '' for a room without
-- a context budget.
local function agent_fields(ctx)
  local tok, needs = agent_state(ctx)
  if not tok then return '' end
  return ',"tc":' .. tok .. ',"nc":' .. (needs and 1 or 0)
end

-- Publishes one change event on the room's shard channel. `entries` are JSON texts, sent only when
-- their total size fits max_bytes (else "o":1 tells the watcher to fetch them). `extra`, when given, is
-- more fields of the payload, each as ',"name":value' (e.g. ',"rt":12', replaced_through_seq). A room
-- with a context budget also gets its token total and needs_compaction ("tc", "nc": agent_fields()).
local function publish(ctx, version, kind, entries, trimmed, extra)
  local size, omitted = 0, 0
  for _, e in ipairs(entries) do size = size + #e end
  local body = ''
  if size <= ctx.max_event then body = table.concat(entries, ',') else omitted = 1 end
  rcall('SPUBLISH', ctx.channel, '{"r":' .. cjson.encode(ctx.room) .. ',"v":' .. version .. ',"pv":' ..
    (version - 1) .. ',"k":"' .. kind .. '","t":' .. trimmed .. ',"o":' .. omitted ..
    agent_fields(ctx) .. (extra or '') .. ',"e":[' .. body .. ']}')
end

-- Turns the room into a tombstone: history and settings go, the version and the seq counter stay (so
-- a later write continues above them) for tomb_ttl seconds. Increments the version and publishes
-- `kind` ('deleted' or 'expired'). Returns the new version.
-- The room's archive and run cursors go with it: any mutation may expire a due room, which is why
-- every mutation script takes them (KEYS[4], KEYS[5]).
local function bury(ctx, kind)
  local seq = rcall('HGET', ctx.meta, 'seq') or '0'
  -- The metadata goes with the room; its namespace and labels stay as gns/glb until the caller has
  -- taken the room out of their indexes (RoomIndexes.unindex), and until a write revives the room.
  local indexed = rcall('HMGET', ctx.meta, 'ns', 'labels')
  rcall('DEL', ctx.list, ctx.meta, ctx.archive, ctx.cursors)
  rcall('HSET', ctx.meta, 'seq', seq, 'gone', kind)
  if indexed[1] then rcall('HSET', ctx.meta, 'gns', indexed[1]) end
  if indexed[2] then rcall('HSET', ctx.meta, 'glb', indexed[2]) end
  local version = rcall('INCR', ctx.ver)
  if ctx.tomb_ttl > 0 then
    rcall('EXPIRE', ctx.ver, ctx.tomb_ttl)
    rcall('EXPIRE', ctx.meta, ctx.tomb_ttl)
  end
  publish(ctx, version, kind, {}, 0)
  return version
end

-- The deadline (ms) of an existing room's idle retention, or nil when it never expires. Rooms that
-- only the legacy manager wrote have no last-write time and never expire.
local function deadline(ctx)
  local ttl = retention(ctx)
  local upd = rcall('HGET', ctx.meta, 'upd_ms')
  if ttl <= 0 or not upd or rcall('HEXISTS', ctx.meta, 'gone') == 1 then return nil end
  return tonumber(upd) + ttl * 1000
end

-- Expiry is a mutation like any other: a room idle past its retention is expired (one 'expired'
-- change) before the mutation that touches it, whether or not the reaper got there first.
local function expire_if_due(ctx, now)
  local due = deadline(ctx)
  if due and due <= now then bury(ctx, 'expired') end
end

-- The compare-and-set every mutation starts with, after a due expiry. Returns the current version,
-- or nil with the conflict reply to return.
local function check_version(ctx)
  local version = current_version(ctx)
  if ctx.expected ~= '' and tonumber(ctx.expected) ~= version then
    return nil, { VERSION_CONFLICT, version }
  end
  return version
end

-- Marks the room's incarnation the first time its meta hash is written. A room that Redis lost, or
-- that was deleted, and that was written again gets a new epoch, so a reader's cache never mistakes
-- its entries for the old ones.
local function stamp_epoch(ctx)
  local t = rcall('TIME')
  rcall('HSETNX', ctx.meta, 'epoch', t[1] .. '.' .. t[2])
end

-- The index updates the caller must make after the script (the indexes live in another slot):
-- { room index: 1 add / 0 nothing, expiry score or '' (nothing) or '-' (remove), activity score or '' }.
local function index_hints(ctx, now)
  local add_room = rcall('HSETNX', ctx.meta, 'idx', '1')
  local meta = rcall('HMGET', ctx.meta, 'xi', 'ai')
  local expiry, activity = '', ''
  local due = deadline(ctx)
  if due == nil then
    if meta[1] then rcall('HDEL', ctx.meta, 'xi') expiry = '-' end
  elseif not meta[1] or due - tonumber(meta[1]) >= INDEX_SLACK_MS or due < tonumber(meta[1]) then
    rcall('HSET', ctx.meta, 'xi', due)
    expiry = tostring(due)
  end
  if not meta[2] or now - tonumber(meta[2]) >= INDEX_SLACK_MS then
    rcall('HSET', ctx.meta, 'ai', now)
    activity = tostring(now)
    -- A room with a namespace or labels is also scored in their activity indexes: the hint carries
    -- them after a space, as JSON [namespace, labels JSON] (read by parseActivity, room-indexes.ts).
    local m = rcall('HMGET', ctx.meta, 'ns', 'labels')
    if m[1] or m[2] then activity = activity .. ' ' .. cjson.encode({ m[1] or '', m[2] or '' }) end
  end
  return { add_room, expiry, activity }
end

-- The plain pub/sub channel of room announcements (KeySpace.announceChannel in src/store/keys.ts):
-- the change channel is '<prefix>:' .. ('{' .. room .. '}' or room) .. ':changes'.
local function announce_channel(ctx)
  local braced = '{' .. ctx.room .. '}:changes'
  local tail, tag = braced, '{rooms}'
  if string.sub(ctx.channel, -#braced) ~= braced then tail, tag = ctx.room .. ':changes', '{rooms-unbraced}' end
  return string.sub(ctx.channel, 1, #ctx.channel - #tail) .. 'announce:' .. tag
end

-- Announces a room that came into being (`created`) or whose namespace moved from ctx.pns (set by the
-- scripts that can change it): watches by prefix or namespace find rooms through it. A plain PUBLISH,
-- relayed to every node of a cluster, costs nothing for the ordinary write, which announces nothing.
local function announce(ctx, version, created)
  local ns = rcall('HGET', ctx.meta, 'ns') or ''
  local pns = ctx.pns or ''
  if not created and ns == pns then return end
  if created and not ctx.pns then pns = '' end
  rcall('PUBLISH', announce_channel(ctx), '{"r":' .. cjson.encode(ctx.room) .. ',"v":' .. version ..
    ',"ns":' .. cjson.encode(ns) .. ',"pns":' .. cjson.encode(pns) .. '}')
end

-- The tail of every mutation that leaves the room existing: bumps the version, records the write
-- time, revives a tombstone, publishes one change. Returns the new version and the index hints.
local function commit(ctx, now, kind, entries, trimmed, extra)
  local version = rcall('INCR', ctx.ver)
  rcall('HDEL', ctx.meta, 'gone', 'gns', 'glb')
  -- crt: when the room was first written (GetRoomInfo.created_at); a room recreated after a delete or
  -- an expiry gets a new one (bury() drops the meta hash). Setting it is what tells a new room.
  local created = rcall('HSETNX', ctx.meta, 'crt', now) == 1 or ctx.created == true
  -- hv: the last version that changed more than the window's tail. A plan of the window's front
  -- (rewrite-head-5.lua) made at or after it still applies after later pure appends. A room without
  -- one (written before it existed) takes this version: whatever changed its head came before.
  if kind ~= 'append' or trimmed ~= 0 then
    rcall('HSET', ctx.meta, 'hv', version)
  else
    rcall('HSETNX', ctx.meta, 'hv', version)
  end
  rcall('HSET', ctx.meta, 'updated_at', ctx.now, 'upd_ms', now)
  rcall('PERSIST', ctx.ver)
  rcall('PERSIST', ctx.meta)
  stamp_epoch(ctx)
  local hints = index_hints(ctx, now)
  publish(ctx, version, kind, entries, trimmed, extra)
  if created or ctx.pns then announce(ctx, version, created) end
  return version, hints
end

-- The reply of a successful mutation: { OK, version, room hint, expiry hint, activity hint, extra... }.
local function reply(version, hints, ...)
  local out = { OK, version, hints[1], hints[2], hints[3] }
  for _, v in ipairs({ ... }) do out[#out + 1] = v end
  return out
end
