-- Window trim, shared by append-3 and set-limit-3 (inlined by src/store/redis/scripts.ts).
-- Keeps at most `limit` user/assistant entries, then drops tool results left at the front without
-- the assistant call they answered. Mirrors trimCount() in src/domain/entry.ts.
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

-- Returns how many entries were dropped from the front of list_key.
local function trim_window(list_key, limit)
  if rcall('LLEN', list_key) <= limit then return 0 end
  local all = rcall('LRANGE', list_key, 0, -1)
  local roles, n = {}, 0
  for i, raw in ipairs(all) do
    roles[i] = entry_role(raw)
    if counted(roles[i]) then n = n + 1 end
  end
  local drop = 0
  while n > limit and drop < #all do
    drop = drop + 1
    if counted(roles[drop]) then n = n - 1 end
  end
  if drop == 0 then return 0 end
  while drop < #all and roles[drop + 1] == 'tool' do drop = drop + 1 end
  rcall('LTRIM', list_key, drop, -1)
  return drop
end
