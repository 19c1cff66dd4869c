#!lua
--[[
  Replaces some of a room's metadata (title, namespace, participants, labels, summary) and publishes
  one 'metadata' change. A room never written (or deleted, or expired) is created by it, as an empty
  room; an existing room whose metadata the update leaves as it is is not changed at all (no version
  bump, no change).

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua
    ARGV[9] JSON object with the fields to replace, each absent when not replaced:
            title, ns, summary (strings, '' clears), labels (the labels' JSON text, sorted and without
            duplicates, '' clears), participants ([[id, display name], ...], unique ids)

  Output:
    { OK, version, room hint, expiry hint, activity hint, changed (1/0), namespace before, namespace
      after, labels JSON before, labels JSON after, window length, metadata JSON (includes/metadata.lua) }
    { VERSION_CONFLICT, current version }
]]
--- @include "common"
--- @include "metadata"

local ctx = args()
local now = now_ms()
expire_if_due(ctx, now)
local version, conflict = check_version(ctx)
if not version then return conflict end

local update = cjson.decode(ARGV[9])
local changed = not room_exists(ctx)
local before = rcall('HMGET', ctx.meta, 'ns', 'labels')
ctx.pns = before[1] or ''

-- A plain field: '' removes it, so that an unset field is absent from the hash as from a new room.
local function set_field(field, value)
  if value == nil then return end
  local current = rcall('HGET', ctx.meta, field) or ''
  if current == value then return end
  changed = true
  if value == '' then rcall('HDEL', ctx.meta, field) else rcall('HSET', ctx.meta, field, value) end
end

-- Participants kept keep their first and last seen; the others go.
local function set_participants(rows)
  local flat = rcall('HGETALL', ctx.meta)
  local old = {}
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, 2) == 'p:' then old[flat[i]] = flat[i + 1] end
  end
  for _, row in ipairs(rows) do
    local field = 'p:' .. row[1]
    local raw = old[field]
    local value
    if raw then
      local p = cjson.decode(raw)
      value = participant_json(row[2], p.f, p.l)
    else
      value = participant_json(row[2], nil, nil)
    end
    if value ~= raw then
      rcall('HSET', ctx.meta, field, value)
      changed = true
    end
    old[field] = nil
  end
  for field in pairs(old) do
    rcall('HDEL', ctx.meta, field)
    changed = true
  end
  if #rows > 0 then rcall('HSET', ctx.meta, 'pc', #rows) else rcall('HDEL', ctx.meta, 'pc') end
end

set_field('title', update.title)
set_field('ns', update.ns)
set_field('labels', update.labels)
set_field('summary', update.summary)
if update.participants then set_participants(update.participants) end

local hints = { 0, '', '' }
if changed then version, hints = commit(ctx, now, 'metadata', {}, 0) end
local after = rcall('HMGET', ctx.meta, 'ns', 'labels')
return reply(version, hints, changed and 1 or 0, before[1] or '', after[1] or '', before[2] or '', after[2] or '',
  rcall('LLEN', ctx.list), metadata_json(ctx.meta))
