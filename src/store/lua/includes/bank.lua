-- Shared by the memory bank scripts (bank-*.lua; inlined by src/store/bank/bank-scripts.ts). Every bank
-- script touches one namespace's keys only (slot {ns:<namespace>}, src/store/keys.ts KeySpace.namespace):
--   options     hash: en (0/1), max, idle, turns (SetNamespaceOptions), cmp (1 while a roll-up run is
--               under way), drop (entries ever dropped)
--   bank        hash: entry id -> entry JSON (src/store/bank/bank-types.ts BankEntryData)
--   pending     sorted set: room id -> ms of its newest turn not yet covered by a summary
--   pendingver  hash: room id -> the room's version at that turn
local rcall = redis.call

-- Result codes; src/store/bank/bank-scripts.ts lists the same numbers in BankCode.
local OK = 1
local SUMMARY_OUTDATED = -1
local BANK_DISABLED = -2
local SOURCE_CHANGED = -3
local DIGEST_CHANGED = -4

-- Integers as JSON text: cjson.encode and tostring write large numbers in exponent form.
local function num(n)
  return string.format('%.0f', n)
end

-- An entry JSON built by the TypeScript side, closed with the fields only the script knows
-- (`fields` is a list of {name, number}).
local function close_entry(body, fields)
  local parts = { string.sub(body, 1, -2) }
  for _, f in ipairs(fields) do parts[#parts + 1] = ',"' .. f[1] .. '":' .. num(f[2]) end
  parts[#parts + 1] = '}'
  return table.concat(parts)
end

local function enabled(options_key)
  return rcall('HGET', options_key, 'en') == '1'
end

-- The sum of the entries' tokenCount, read without decoding each entry.
local function total_tokens(bank_key)
  local total = 0
  for _, json in ipairs(rcall('HVALS', bank_key)) do
    total = total + tonumber(string.match(json, '"tokenCount":(%d+)'))
  end
  return total
end
