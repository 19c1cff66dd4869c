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

-- The tags the service keeps after the marker of its own entry ("lm"): exactly those its fields name,
-- as deletedTag() and reactionsTag() in src/domain/tags.ts write them. Found by equality, never by
-- pattern, so a text of the user's that starts with "[deleted at x]" stays the user's.
local function own_tags(obj)
  local tags = {}
  if type(obj.deleted_at) == 'string' and obj.deleted_at ~= '' then
    tags[#tags + 1] = '[deleted at ' .. obj.deleted_at .. ']'
  end
  if type(obj.reactions) == 'table' and #obj.reactions > 0 then
    local items = {}
    for i, r in ipairs(obj.reactions) do
      local count = tonumber(r.count)
      if count and count ~= 0 then items[i] = tostring(r.emoji) .. '×' .. count else items[i] = tostring(r.emoji) end
    end
    tags[#tags + 1] = '[Reactions: ' .. table.concat(items, ', ') .. ']'
  end
  return tags
end

-- The service's own entry ("lm"): the part that holds its marker (the string content or the first
-- text part), that part's field, and the text after the marker and the own tags, which is what the
-- service's clients see (withoutMarker() in src/domain/legacy-text.ts). nil when the marker does not
-- lead (a legacy worker rewrote the text): the entry is then edited as a legacy one.
local function own_text(obj, marker)
  local holder, field = obj, 'content'
  if type(obj.content) == 'table' then holder, field = obj.content[1], 'text' end
  if type(holder) ~= 'table' or (field == 'text' and holder.type ~= 'text') then return nil end
  local text = holder[field]
  if type(text) ~= 'string' or string.sub(text, 1, #marker) ~= marker then return nil end
  local rest, tags, found = string.sub(text, #marker + 1), own_tags(obj), true
  while found do
    found = false
    for i, tag in ipairs(tags) do
      if string.sub(rest, 1, #tag + 1) == ' ' .. tag then
        rest, found = string.sub(rest, #tag + 2), true
        table.remove(tags, i)
        break
      end
    end
  end
  if string.sub(rest, 1, 1) == ' ' then rest = string.sub(rest, 2) end
  return holder, field, rest
end

-- Writes the legacy text of the service's own entry again from its fields: marker, own tags, text.
-- After an edit (`edited`) the text replaces every text part, as set_text does; image parts stay, and
-- with none left the content becomes a string again.
local function put_own_text(obj, holder, field, marker, text, edited)
  local out = marker
  for _, tag in ipairs(own_tags(obj)) do out = out .. ' ' .. tag end
  if text ~= '' then out = out .. ' ' .. text end
  holder[field] = out
  if not edited or field ~= 'text' then return end
  local kept = {}
  for _, part in ipairs(obj.content) do
    if part == holder or type(part) ~= 'table' or part.type ~= 'text' then kept[#kept + 1] = part end
  end
  obj.content_text = nil
  if #kept == 1 then obj.content = out else obj.content = kept end
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
