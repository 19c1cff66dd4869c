-- Window trim, shared by append-4, set-limit-3 and patch-message-3 (inlined by src/store/redis/scripts.ts).
-- Keeps at most `limit` user/assistant entries and at most `max_bytes` bytes of stored entries, then
-- drops tool results left at the front without the assistant call they answered. Mirrors trimCount()
-- in src/domain/entry.ts.
--
-- The meta hash keeps the number of counted entries (`n`), their total size in bytes (`b`) and the list
-- length they were taken at (`len`), so a full room's append reads only the few entries it drops
-- instead of the whole window. When `len` or the newest entry no longer match (another writer, such as
-- the legacy manager, pushed to the list), both are taken again from the list.
local function entry_role(raw)
  -- Our entries and Python's json.dumps both start with "role": read it without decoding.
  local role = string.match(raw, '^%s*{%s*"role"%s*:%s*"(%a+)"')
  if role then return role end
  local ok, obj = pcall(cjson.decode, raw)
  if ok and type(obj) == 'table' and type(obj.role) == 'string' then return obj.role end
  return ''
end

local function counted(role)
  return role == 'user' or role == 'assistant'
end

-- A fingerprint of the newest entry. A foreign writer (the legacy manager's RPUSH + LTRIM) can keep the
-- list's length unchanged; it cannot keep its newest entry unchanged, so length and fingerprint
-- together tell a count we kept from one taken before someone else wrote.
local function tail_print(list_key)
  local last = rcall('LINDEX', list_key, -1)
  if not last then return '' end
  return redis.sha1hex(last)
end

-- Returns the counted entries of the list, its length and its bytes, from the meta hash when current.
local function window_count(list_key, meta_key)
  local len = rcall('LLEN', list_key)
  local meta = rcall('HMGET', meta_key, 'n', 'len', 'nt', 'b')
  if meta[1] and meta[4] and tonumber(meta[2]) == len and meta[3] == tail_print(list_key) then
    return tonumber(meta[1]), len, tonumber(meta[4])
  end
  local n, bytes = 0, 0
  for _, raw in ipairs(rcall('LRANGE', list_key, 0, -1)) do
    if counted(entry_role(raw)) then n = n + 1 end
    bytes = bytes + #raw
  end
  return n, len, bytes
end

local function save_count(list_key, meta_key, n, len, bytes)
  rcall('HSET', meta_key, 'n', n, 'len', len, 'nt', tail_print(list_key), 'b', bytes)
end

-- The room's byte budget: its own (SetRoomLimit), else the server default; never above the server
-- default, which may have been lowered since the room's own was set.
local function byte_budget(meta_key, default_max)
  return math.min(tonumber(rcall('HGET', meta_key, 'mb') or default_max), default_max)
end

-- Drops entries from the front while there are more than `limit` counted ones or more than
-- `max_bytes` bytes, then the tool results that would lead the window. Returns how many were dropped,
-- the new counted total and the new byte total.
local function trim_front(list_key, n, limit, bytes, max_bytes)
  if n <= limit and bytes <= max_bytes then return 0, n, bytes end
  local chunk = math.max(n - limit, 0) + 8
  local drop, i = 0, 1
  local entries = rcall('LRANGE', list_key, 0, chunk - 1)
  -- entries[i] is always the entry at list position `drop`.
  local function next_entry()
    if i > #entries then
      entries, i = rcall('LRANGE', list_key, drop, drop + chunk - 1), 1
      if #entries == 0 then return nil end
    end
    return entries[i]
  end
  local function take(raw)
    bytes = bytes - #raw
    drop, i = drop + 1, i + 1
  end
  while n > limit or bytes > max_bytes do
    local raw = next_entry()
    if raw == nil then break end
    if counted(entry_role(raw)) then n = n - 1 end
    take(raw)
  end
  while true do
    local raw = next_entry()
    if raw == nil or entry_role(raw) ~= 'tool' then break end
    take(raw)
  end
  if drop > 0 then rcall('LTRIM', list_key, drop, -1) end
  return drop, n, bytes
end
