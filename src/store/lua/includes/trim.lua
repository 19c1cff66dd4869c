-- Window trim, shared by append-5, set-limit-4, patch-message-3 and rewrite-head-4 (inlined by src/store/redis/scripts.ts,
-- after includes/common.lua, whose tail_print() and entry_tokens() it uses).
-- Keeps at most `limit` user/assistant entries and at most `max_bytes` bytes of stored entries, then
-- drops tool results left at the front without the assistant call they answered. Mirrors trimCount()
-- in src/domain/entry.ts.
--
-- The meta hash keeps the number of counted entries (`n`), their total size in bytes (`b`), their tokens
-- (`tok`, the sum of every entry's "tk": GetRoomInfo.token_count) and the list length they were taken
-- at (`len`), so a full room's append reads only the few entries it drops instead of the whole window.
-- When `len` or the newest entry no longer match (another writer, such as the legacy manager, pushed to
-- the list), all of them are taken again from the list.
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

-- Returns the counted entries of the list, its length, its bytes and its tokens, from the meta hash
-- when current.
local function window_count(list_key, meta_key)
  local len = rcall('LLEN', list_key)
  local meta = rcall('HMGET', meta_key, 'n', 'len', 'nt', 'b', 'tok')
  if meta[1] and meta[4] and meta[5] and tonumber(meta[2]) == len and meta[3] == tail_print(list_key) then
    return tonumber(meta[1]), len, tonumber(meta[4]), tonumber(meta[5])
  end
  local n, bytes, tok = 0, 0, 0
  for _, raw in ipairs(rcall('LRANGE', list_key, 0, -1)) do
    if counted(entry_role(raw)) then n = n + 1 end
    bytes = bytes + #raw
    tok = tok + entry_tokens(raw)
  end
  return n, len, bytes, tok
end

local function save_count(list_key, meta_key, n, len, bytes, tok)
  rcall('HSET', meta_key, 'n', n, 'len', len, 'nt', tail_print(list_key), 'b', bytes, 'tok', tok)
end

-- The room's byte budget: its own (SetRoomLimit), else the server default; never above the server
-- default, which may have been lowered since the room's own was set.
local function byte_budget(meta_key, default_max)
  return math.min(tonumber(rcall('HGET', meta_key, 'mb') or default_max), default_max)
end

-- Drops entries from the front while there are more than `limit` counted ones or more than
-- `max_bytes` bytes, then the tool results that would lead the window. Returns how many were dropped,
-- the new counted total, byte total and token total, and the dropped entries (oldest first) when
-- `keep_dropped` (to archive them, archive_trimmed).
local function trim_front(list_key, n, limit, bytes, max_bytes, tok, keep_dropped)
  local dropped = {}
  if n <= limit and bytes <= max_bytes then return 0, n, bytes, tok, dropped end
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
    tok = tok - entry_tokens(raw)
    if keep_dropped then dropped[#dropped + 1] = raw end
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
  return drop, n, bytes, tok, dropped
end

-- archive_trimmed (SetAgentOptions): the entries trim_front() dropped go to the room's archive
-- (includes/archive.lua, which the script must include before this file) under their seqs (0 for a
-- legacy entry).
local function archive_trimmed(meta_key, archive_key, dropped, max_bytes, ttl)
  if #dropped == 0 then return end
  local items = {}
  for i, raw in ipairs(dropped) do items[i] = { tonumber(string.match(raw, '"seq":(%d+)')) or 0, raw } end
  archive_add(meta_key, archive_key, items, max_bytes, ttl)
end
