-- Room metadata in the meta hash (field names: src/store/metadata-types.ts): title, ns, labels (JSON
-- array, sorted), summary, p:<id> (one participant: JSON {"n", "f", "l"}), pc (number of p:<id>), crt.
-- Shared by append-6.lua (participants from senders), update-room-metadata-5.lua and read-room-5.lua.

-- The most participants a room keeps (MAX_PARTICIPANTS in src/store/metadata-types.ts).
local MAX_PARTICIPANTS = 256

-- One participant's value, always written the same way so that an unchanged participant compares equal.
-- f and l (ms) are left out when unknown.
local function participant_json(name, first, last)
  local out = '{"n":' .. cjson.encode(name or '')
  if first then out = out .. ',"f":' .. string.format('%.0f', first) end
  if last then out = out .. ',"l":' .. string.format('%.0f', last) end
  return out .. '}'
end

-- Adds or refreshes the participants who wrote: `senders` is a JSON array [[id, first ms, last ms], ...]
-- (one row per distinct sender of the batch, built by the caller). One HGET and at most one HSET per
-- sender; a new sender is not added once the room holds MAX_PARTICIPANTS.
local function note_senders(meta_key, senders_json)
  if senders_json == '' then return end
  local count = tonumber(rcall('HGET', meta_key, 'pc') or '0')
  for _, s in ipairs(cjson.decode(senders_json)) do
    local field = 'p:' .. s[1]
    local raw = rcall('HGET', meta_key, field)
    if raw then
      local p = cjson.decode(raw)
      local first = p.f or s[2]
      if s[2] < first then first = s[2] end
      local last = p.l or s[3]
      if s[3] > last then last = s[3] end
      local value = participant_json(p.n, first, last)
      if value ~= raw then rcall('HSET', meta_key, field, value) end
    elseif count < MAX_PARTICIPANTS then
      rcall('HSET', meta_key, field, participant_json('', s[2], s[3]))
      count = count + 1
      rcall('HSET', meta_key, 'pc', count)
    end
  end
end

-- The metadata fields of the meta hash (title, ns, labels, summary, crt, p:<id>) as one JSON object,
-- read by metadataFromFields() in src/store/redis/metadata-fields.ts. '{}' when there are none.
local function metadata_json(meta_key)
  local flat = rcall('HGETALL', meta_key)
  local parts = {}
  for i = 1, #flat, 2 do
    local f = flat[i]
    if f == 'title' or f == 'ns' or f == 'labels' or f == 'summary' or f == 'crt' or string.sub(f, 1, 2) == 'p:' then
      parts[#parts + 1] = cjson.encode(f) .. ':' .. cjson.encode(flat[i + 1])
    end
  end
  return '{' .. table.concat(parts, ',') .. '}'
end
