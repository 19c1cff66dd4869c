#!lua
--[[
  Changes one message, found by id, and publishes one change: edits its content (update), marks it
  deleted (delete) or replaces its reactions (reactions).

  Entries written by the legacy ConversationManager have no "id" field; they are found by the
  "[Message ID: X]" marker in their content, and their content tags are kept current as well, so a
  legacy worker sharing the room still sees the deletion and the reactions.

  Input:
    KEYS[1] list key, KEYS[2] version key, KEYS[3] meta key (as in append-3.lua)

    ARGV[1] change channel
    ARGV[2] room id
    ARGV[3] expected version, or '' for none
    ARGV[4] ttl seconds, 0 for none
    ARGV[5] now, RFC 3339
    ARGV[6] max bytes of entries carried in the change event
    ARGV[7] operation: 'update' | 'delete' | 'reactions'
    ARGV[8] message id
    ARGV[9] value: the new content (update), the deletion time (delete), a JSON array of
            reactions or '' for none (reactions)
    ARGV[10] legacy tag to put after the marker: '[deleted at T]' (delete), '[Reactions: ...]' or ''
             (reactions)

  Output:
    { OK, version, entry JSON }
    { VERSION_CONFLICT, current version }
    { MESSAGE_NOT_FOUND }
]]
--- @include "common"

local list_key, ver_key, meta_key = KEYS[1], KEYS[2], KEYS[3]
local channel, room, op, id, value, tag = ARGV[1], ARGV[2], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local marker = '[Message ID: ' .. id .. ']'

local version = current_version(ver_key)
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= version then
  return { VERSION_CONFLICT, version }
end

local function has_marker(obj)
  local content = obj.content
  if type(obj.content_text) == 'string' and string.find(obj.content_text, marker, 1, true) then return true end
  if type(content) == 'string' then return string.find(content, marker, 1, true) ~= nil end
  if type(content) ~= 'table' then return false end
  for _, part in ipairs(content) do
    if type(part) == 'table' and type(part.text) == 'string' and string.find(part.text, marker, 1, true) then
      return true
    end
  end
  return false
end

-- Newest first, as the legacy manager scans; a cheap substring test avoids decoding most entries.
local function find_entry()
  local all = rcall('LRANGE', list_key, 0, -1)
  local escaped = string.gsub(id, '/', '\\/')
  for i = #all, 1, -1 do
    local raw = all[i]
    if string.find(raw, id, 1, true) or string.find(raw, escaped, 1, true) then
      local ok, obj = pcall(cjson.decode, raw)
      if ok and type(obj) == 'table' then
        if obj.id == id or (obj.id == nil and has_marker(obj)) then return i, obj end
      end
    end
  end
  return nil
end

-- Replaces a "[Name ...]" tag right after the marker in legacy string content.
local function put_legacy_tag(content, pattern, new_tag)
  if type(content) ~= 'string' then return content end
  content = string.gsub(content, ' ?' .. pattern, '')
  if new_tag == '' then return content end
  local s, e = string.find(content, marker, 1, true)
  if not s then return content end
  return string.sub(content, 1, e) .. ' ' .. new_tag .. string.sub(content, e + 1)
end

local function set_text(obj, text)
  if type(obj.content) ~= 'table' then obj.content = text return end
  local kept = {}
  for _, part in ipairs(obj.content) do
    if type(part) == 'table' and part.type ~= 'text' then kept[#kept + 1] = part end
  end
  if #kept == 0 then obj.content = text obj.content_text = nil return end
  obj.content = kept
  obj.content_text = text
end

-- Encodes with "role" first (the trim reads it without decoding); cjson turns an empty array into
-- {}, so empty arrays are dropped rather than written back.
local function encode(obj)
  for _, field in ipairs({ 'tool_calls', 'reactions', 'metadata' }) do
    if type(obj[field]) == 'table' and next(obj[field]) == nil then obj[field] = nil end
  end
  local role = obj.role
  obj.role = nil
  local rest = cjson.encode(obj)
  if rest == '{}' then return '{"role":' .. cjson.encode(role) .. '}' end
  return '{"role":' .. cjson.encode(role) .. ',' .. string.sub(rest, 2)
end

local index, obj = find_entry()
if not index then return { MESSAGE_NOT_FOUND } end
local legacy = obj.id == nil

if op == 'update' then
  set_text(obj, value)
  obj.edited_at = ARGV[5]
elseif op == 'delete' then
  obj.deleted_at = value
  if legacy then obj.content = put_legacy_tag(obj.content, '%[deleted at [^%]]*%]', tag) end
else
  if value == '' then obj.reactions = nil else obj.reactions = cjson.decode(value) end
  if legacy then obj.content = put_legacy_tag(obj.content, '%[Reactions: [^%]]*%]', tag) end
end

local raw = encode(obj)
rcall('LSET', list_key, index - 1, raw)
version = rcall('INCR', ver_key)
rcall('HSET', meta_key, 'updated_at', ARGV[5])
stamp_epoch(meta_key)
touch({ list_key, ver_key, meta_key }, tonumber(ARGV[4]))
publish(channel, room, version, op, { raw }, 0, tonumber(ARGV[6]))
return { OK, version, raw }
