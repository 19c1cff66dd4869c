#!/usr/bin/env bash
# `npm start`: the server, as the first command on a fresh clone. Installs the npm dependencies when they
# are missing or out of date (as `npm test` does; npm's output goes to stderr, so stdout stays the JSON
# log), then replaces itself with bin/roomhistory-server.js, the same entry point an installed server
# package runs, configured by the ROOMHISTORY_* environment variables (README "Configuration").
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  echo "roomhistory: installing npm dependencies (npm ci) first" >&2
  npm ci --no-audit --no-fund >&2
fi
exec node bin/roomhistory-server.js "$@"
