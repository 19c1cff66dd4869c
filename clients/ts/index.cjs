"use strict";
// The CommonJS entry of @roomhistory/client, an ES module. Node >= 20.19 (and >= 22.12) can require() an
// ES module, so this hands back the very same module an `import` gets (one copy of every class, so
// `instanceof VersionConflictError` holds either way). Older Node cannot: say what to do instead of
// failing with ERR_REQUIRE_ESM deep in the loader.
try {
  module.exports = require("./dist/index.js");
} catch (err) {
  if (err && (err.code === "ERR_REQUIRE_ESM" || err.code === "ERR_REQUIRE_ASYNC_MODULE")) {
    throw new Error(
      "@roomhistory/client is an ES module, which require() cannot load in this Node (" + process.version +
        "; Node >= 20.19 can, unless run with --no-experimental-require-module): use `import`, or " +
        "`await import(\"@roomhistory/client\")` from CommonJS",
      { cause: err },
    );
  }
  throw err;
}
