#!lua flags=no-writes
--[[
  A namespace's bank, whole (GetMemoryBank, PlanRollup, RenderMemoryBank, export).

  Input:
    KEYS[1] options hash   KEYS[2] bank hash

  Output:
    { OK, options as a flat field/value list, entry JSONs }
]]
--- @include "bank"

return { OK, rcall('HGETALL', KEYS[1]), rcall('HVALS', KEYS[2]) }
