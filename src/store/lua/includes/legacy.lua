-- Message text as legacy ConversationManager workers read it (inlined by src/store/redis/scripts.ts).
-- A legacy entry ({role, content} with no "id") carries its id as a "[Message ID: X]" marker in its
-- text, followed by the "[deleted at T]" and "[Reactions: ...]" tags. Entries the service writes for a
-- mixed fleet carry the same marker and tags ("lm": 1) besides their fields. The TypeScript twins are
-- in src/domain/legacy-text.ts; the conformance and legacy tests hold them together.

-- The text that holds the marker: the string content, or the first text part that has it.
local function marker_holder(obj, marker)
  if type(obj.content) == 'string' then
    if string.find(obj.content, marker, 1, true) then return obj, 'content' end
    return nil
  end
  if type(obj.content) ~= 'table' then return nil end
  for _, part in ipairs(obj.content) do
    if type(part) == 'table' and type(part.text) == 'string' and string.find(part.text, marker, 1, true) then
      return part, 'text'
    end
  end
  return nil
end

local function has_marker(obj, marker)
  return marker_holder(obj, marker) ~= nil
end

local function keeps_marker(obj)
  return obj.id == nil or obj.lm == 1
end

-- The marker and the tags right after it: what an edit keeps in front of the new text.
local function marker_head(text, marker)
  local s, e = string.find(text, marker, 1, true)
  if not s then return nil end
  local head = string.sub(text, 1, e)
  local rest = string.sub(text, e + 1)
  while true do
    local tag = string.match(rest, '^ ?%[deleted at [^%]]*%]') or string.match(rest, '^ ?%[Reactions: [^%]]*%]')
    if not tag then break end
    head = head .. tag
    rest = string.sub(rest, #tag + 1)
  end
  return head
end

-- Replaces the message's text. Image parts are kept; a marker (legacy readers' id) is kept in front.
local function set_text(obj, text, marker)
  local holder, field = nil, nil
  if marker and keeps_marker(obj) then holder, field = marker_holder(obj, marker) end
  if holder then
    local head = marker_head(holder[field], marker)
    if not string.find(text, marker, 1, true) then text = head .. ' ' .. text end
    holder[field] = text
    if field == 'text' then
      -- The text now lives in the part legacy readers see; drop the service-only copy and other text parts.
      local kept = {}
      for _, part in ipairs(obj.content) do
        if part == holder or type(part) ~= 'table' or part.type ~= 'text' then kept[#kept + 1] = part end
      end
      obj.content, obj.content_text = kept, nil
    end
    return
  end
  if type(obj.content) ~= 'table' then obj.content = text return end
  local kept = {}
  for _, part in ipairs(obj.content) do
    if type(part) == 'table' and part.type ~= 'text' then kept[#kept + 1] = part end
  end
  if #kept == 0 then obj.content = text obj.content_text = nil return end
  obj.content = kept
  obj.content_text = text
end

-- Replaces a "[Name ...]" tag right after the marker, in string content or in the marked text part.
local function put_legacy_tag(obj, marker, pattern, new_tag)
  local holder, field = marker_holder(obj, marker)
  if not holder then return end
  local text = string.gsub(holder[field], ' ?' .. pattern, '')
  if new_tag ~= '' then
    local _, e = string.find(text, marker, 1, true)
    text = string.sub(text, 1, e) .. ' ' .. new_tag .. string.sub(text, e + 1)
  end
  holder[field] = text
end

-- Encodes with "role" first (the trim reads it without decoding); cjson turns an empty array into
-- {}, so empty arrays are dropped rather than written back.
local function encode_entry(obj)
  for _, field in ipairs({ 'tool_calls', 'reactions', 'metadata' }) do
    if type(obj[field]) == 'table' and next(obj[field]) == nil then obj[field] = nil end
  end
  local role = obj.role
  obj.role = nil
  local rest = cjson.encode(obj)
  if rest == '{}' then return '{"role":' .. cjson.encode(role) .. '}' end
  return '{"role":' .. cjson.encode(role) .. ',' .. string.sub(rest, 2)
end
