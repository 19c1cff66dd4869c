#!lua
--[[
  Changes one message, found by id, and publishes one change: edits its content (update), marks it
  deleted (delete) or replaces its reactions (reactions). When several entries carry the id, the
  newest one is changed (as the legacy manager scans), in both stores.

  Entries written by the legacy ConversationManager have no "id" field; they are found by the
  "[Message ID: X]" marker in their content, and their content tags are kept current as well, so a
  legacy worker sharing the room still sees the deletion and the reactions.

  Input:
    KEYS[1..5], ARGV[1..8] as in includes/common.lua
    ARGV[9]  operation: 'update' | 'delete' | 'reactions'
    ARGV[10] message id
    ARGV[11] value: the new content (update), the deletion time (delete), a JSON array of
             reactions or '' for none (reactions)
    ARGV[12] legacy tag to put after the marker: '[deleted at T]' (delete), '[Reactions: ...]' or ''
             (reactions)
    ARGV[13] the server's default byte budget of a room (ROOMHISTORY_MAX_ROOM_BYTES)
    ARGV[14] update: the edited message's token count ("tk"), or '' to drop it; unused otherwise
    ARGV[15..] the forms the id may take inside an entry's JSON text (raw, JSON-escaped, escaped as
             Python's json.dumps writes non-ASCII): a cheap test before an entry is decoded

  Output:
    { OK, version, room hint, expiry hint, activity hint, entry JSON }
    { VERSION_CONFLICT, current version }
    { MESSAGE_NOT_FOUND }
    { TOO_LARGE, window bytes after the edit, budget }  an update or reactions would overflow the budget
]]
--- @include "common"
--- @include "legacy"
--- @include "trim"

local ctx = args()
local op, id, value, tag = ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local marker = '[Message ID: ' .. id .. ']'

local now = now_ms()
expire_if_due(ctx, now)
local version, conflict = check_version(ctx)
if not version then return conflict end

local function mentions_id(raw)
  for i = 15, #ARGV do
    if string.find(raw, ARGV[i], 1, true) then return true end
  end
  return false
end

-- Newest first, as the legacy manager scans. Ids are compared decoded, so an id with quotes,
-- backslashes or non-ASCII characters matches however the writer escaped it.
local function find_entry()
  local all = rcall('LRANGE', ctx.list, 0, -1)
  for i = #all, 1, -1 do
    local raw = all[i]
    if mentions_id(raw) then
      local ok, obj = pcall(cjson.decode, raw)
      if ok and type(obj) == 'table' then
        if obj.id == id or (obj.id == nil and has_marker(obj, marker)) then return i, obj, raw end
      end
    end
  end
  return nil
end

local index, obj, old_raw = find_entry()
if not index then return { MESSAGE_NOT_FOUND } end
local legacy = keeps_marker(obj)
-- The service's own entries in a mixed fleet ("lm") get their legacy text rebuilt from their fields.
local holder, field, text
if obj.lm == 1 then holder, field, text = own_text(obj, marker) end
if holder then legacy = false end

if op == 'update' then
  if holder then text = value else set_text(obj, value, legacy and marker or nil) end
  obj.edited_at = ctx.now
  obj.tk = tonumber(ARGV[14])
elseif op == 'delete' then
  obj.deleted_at = value
  if legacy then put_legacy_tag(obj, marker, '%[deleted at [^%]]*%]', tag) end
else
  if value == '' then obj.reactions = nil else obj.reactions = cjson.decode(value) end
  if legacy then put_legacy_tag(obj, marker, '%[Reactions: [^%]]*%]', tag) end
end
if holder then put_own_text(obj, holder, field, marker, text, op == 'update') end

local raw = encode_entry(obj)
-- An edit never trims (a change of kind update carries no trim), so one that would take the window
-- over its byte budget is refused; a deletion's tag is a few bytes and always allowed.
local n, len, bytes, tok = window_count(ctx.list, ctx.meta)
bytes = bytes + #raw - #old_raw
tok = tok + entry_tokens(raw) - entry_tokens(old_raw)
local max_bytes = byte_budget(ctx.meta, tonumber(ARGV[13]))
if op ~= 'delete' and #raw > #old_raw and bytes > max_bytes then return { TOO_LARGE, bytes, max_bytes } end
rcall('LSET', ctx.list, index - 1, raw)
save_count(ctx.list, ctx.meta, n, len, bytes, tok)
local hints
version, hints = commit(ctx, now, op, { raw }, 0)
return reply(version, hints, raw)
