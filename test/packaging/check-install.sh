#!/usr/bin/env bash
# The user's path, proven (README "Use it from another project"; run by `npm test`): both clients are
# installed with the README's own install lines into a project and a venv outside the repository, a
# small worker is type-checked against each (tsc --strict, mypy --strict) and run against a server
# started with `npm start`; the server package (scripts/pack.sh server) is installed and run by its bin.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
work="$(mktemp -d)"
pids=()
python_pid=""
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  if [ -n "$python_pid" ]; then kill "$python_pid" 2>/dev/null || true; wait "$python_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '  [%3ds] %s\n' "$SECONDS" "$*"; }
fail() { echo "check-install: $*" >&2; exit 1; }

# The install lines, as the READMEs give them (the same line in the root README and the client's).
ts_line="$(grep -m1 -E '^tgz=\$\("\$RH"/scripts/pack\.sh ts-client\) && npm install "\$tgz"$' README.md)" \
  || fail "README.md has no TypeScript install line"
py_line="$(grep -m1 -E '^pip install "\$RH"/clients/python$' README.md)" || fail "README.md has no Python install line"
grep -qxF -- "$ts_line" clients/ts/README.md || fail "clients/ts/README.md does not give the install line: $ts_line"
grep -qxF -- "$py_line" clients/python/README.md || fail "clients/python/README.md does not give the install line: $py_line"
export RH="$root"

# start_server <log> <command...>: starts it in its own process group, listening on a free port
# (127.0.0.1:0, memory store), and sets $addr from its first log line.
unset ROOMHISTORY_REDIS_URL ROOMHISTORY_REDIS_CLUSTER
start_server() {
  local log="$1"; shift
  ROOMHISTORY_LISTEN=127.0.0.1:0 setsid "$@" >"$log" 2>&1 </dev/null &
  local pid=$!
  pids+=("$pid")
  addr=""
  for _ in $(seq 1 600); do
    addr="$(sed -n 's/.*"address":"\(127\.0\.0\.1:[0-9]*\)".*/\1/p' "$log" | head -1)"
    [ -n "$addr" ] && return
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2
  fail "server did not start: $*"
}

# --- the server, as a user starts it --------------------------------------------------------------
start_server "$work/npm-start.log" npm start
npm_start_addr="$addr"
say "npm start: serving on $addr (memory store)"

# --- Python: a worker venv (in the background, alongside the TypeScript half) ------------------------
python_half() {
  venv="$work/venv"
  python3 -m venv "$venv"
  (export PATH="$venv/bin:$PATH" && bash -euo pipefail -c "$py_line -q --disable-pip-version-check")
  say "Python client installed: $py_line"
  cp test/packaging/worker.py "$work/worker.py"
  "$root/.venv/bin/python" -m mypy --strict --no-error-summary --cache-dir "$work/mypy-cache" \
    --python-executable "$venv/bin/python" "$work/worker.py"
  say "mypy --strict: the worker type-checks against the installed client"
  "$venv/bin/python" "$work/worker.py" --target "$npm_start_addr" --room py-checkout

  mapfile -t built < <(bash scripts/pack.sh py-client 2>"$work/build.log" || { cat "$work/build.log" >&2; exit 1; })
  [ ${#built[@]} -eq 2 ] || fail "scripts/pack.sh py-client made ${built[*]:-nothing}"
  whl="${built[0]}" sdist="${built[1]}"
  "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$whl"
  site="$("$venv/bin/python" -c 'import roomhistory, os; print(os.path.dirname(roomhistory.__file__))')"
  for f in py.typed v1/message_pb2.pyi v1/room_history_service_pb2.pyi v1/room_history_service_pb2_grpc.py; do
    [ -f "$site/$f" ] || fail "the wheel has no roomhistory/$f"
  done
  # Every module of the source tree is in the wheel (the package list in pyproject.toml is explicit).
  for f in $(cd clients/python/src && find roomhistory -name '*.py' -o -name '*.pyi' | grep -v __pycache__); do
    [ -f "$site/../$f" ] || fail "the wheel lacks $f"
  done
  "$venv/bin/python" "$work/worker.py" --target "$npm_start_addr" --room py-wheel
  "$venv/bin/roomhistory-infer" --target "$npm_start_addr" --room py-console --say "hi" --once >/dev/null
  "$venv/bin/roomhistory-consolidate" --help >/dev/null
  say "wheel $(basename "$whl") (and $(basename "$sdist")): worker, roomhistory-infer and roomhistory-consolidate run"
}
python_half >"$work/python.log" 2>&1 &
python_pid=$!

# --- TypeScript: a worker project ------------------------------------------------------------------
proj="$work/ts-worker"
mkdir -p "$proj"
printf '{ "name": "ts-worker", "private": true, "type": "module" }\n' >"$proj/package.json"
(cd "$proj" && bash -euo pipefail -c "$ts_line" >/dev/null)
say "TypeScript client installed: $ts_line"
tgz="$(node -p 'require(process.argv[1]).dependencies["@roomhistory/client"]' "$proj/package.json")"
tgz="${tgz#file:}"; case "$tgz" in /*) ;; *) tgz="$proj/$tgz" ;; esac
listing="$(tar tzf "$tgz")"
unexpected="$(grep -vE '^package/(package\.json|README\.md|LICENSE|index\.cjs|bin/roomhistory\.js|dist/.*\.(js|d\.ts))$' <<<"$listing" || true)"
[ -z "$unexpected" ] || fail "the client tarball ships more than dist/, index.cjs, bin/roomhistory.js and the docs: $unexpected"
grep -qx 'package/dist/index.d.ts' <<<"$listing" || fail "the client tarball has no dist/index.d.ts"

ts_version="$(node -p 'require(process.argv[1]).devDependencies.typescript' "$root/package.json")"
node_types="$(node -p 'require(process.argv[1]).devDependencies["@types/node"]' "$root/package.json")"
(cd "$proj" && npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "typescript@$ts_version" "@types/node@$node_types" >/dev/null)
cp test/packaging/worker.ts "$proj/worker.ts"
cat >"$proj/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
    "skipLibCheck": true, "types": ["node"], "outDir": "build"
  },
  "files": ["worker.ts"]
}
JSON
(cd "$proj" && node_modules/.bin/tsc -p tsconfig.json)
say "tsc --strict: the worker type-checks against the installed client"
(cd "$proj" && ROOMHISTORY_ADDRESS="$npm_start_addr" ROOM=ts-npm-start node build/worker.js)
# The admin CLI the client package installs (its bin runs dist/cli/main.js): --help, a read of the room
# the worker just wrote, and the server tools, which need the server package not installed here.
(cd "$proj" && npx --no -- roomhistory --help >/dev/null) || fail "npx roomhistory --help failed in the worker project"
shown="$(cd "$proj" && npx --no -- roomhistory --address "$npm_start_addr" show ts-npm-start)"
grep -q '^#1 user' <<<"$shown" || fail "npx roomhistory show ts-npm-start printed: $shown"
set +e
missing="$(cd "$proj" && npx --no -- roomhistory token list --file "$work/tokens.json" 2>&1)"; missing_rc=$?
set -e
[ "$missing_rc" -eq 1 ] && grep -q 'needs the server package' <<<"$missing" \
  || fail "roomhistory token without the server package: exit $missing_rc, $missing"
say "CLI: npx roomhistory --help, show against the server; the server tools ask for the server package"
# CommonJS: the same module through require() where Node can, else a message that says what to do.
(cd "$proj" && node -e '
  try { const c = require("@roomhistory/client"); if (typeof c.RoomHistoryClient !== "function") process.exit(1); }
  catch (err) { if (!/is an ES module/.test(err.message)) throw err; console.log("  (CommonJS refused: " + err.message + ")"); }')
if node --no-experimental-require-module -e 0 2>/dev/null; then
  refused="$(cd "$proj" && node --no-experimental-require-module -e 'require("@roomhistory/client")' 2>&1 || true)"
  grep -q 'is an ES module, which require() cannot load' <<<"$refused" || fail "require() without require(esm): $refused"
fi
say "CommonJS: require() gets the ES module (Node >= 20.19), else a message saying to import it"
# The LangChain adapter: its own entry point, working once the app installs @langchain/core (an optional peer).
(cd "$proj" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "@langchain/core@$(node -p \
  'require(process.argv[1]).devDependencies["@langchain/core"]' "$root/clients/ts/package.json")" >/dev/null)
(cd "$proj" && node --input-type=module -e '
  const { RoomHistoryChatMessageHistory } = await import("@roomhistory/client/langchain");
  const { BaseListChatMessageHistory } = await import("@langchain/core/chat_history");
  if (!(RoomHistoryChatMessageHistory.prototype instanceof BaseListChatMessageHistory)) process.exit(1);')
say "LangChain: @roomhistory/client/langchain loads with @langchain/core installed"

# --- the server package, started by its bin -------------------------------------------------------
server_tgz="$(bash scripts/pack.sh server)"
srv="$work/server"
mkdir -p "$srv"
printf '{ "name": "deploy", "private": true }\n' >"$srv/package.json"
(cd "$srv" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "$server_tgz" >/dev/null)
cd "$srv"
start_server "$work/bin.log" npx --no roomhistory-server
cd "$root"
say "server package: npx roomhistory-server serving on $addr"
# The CLI's server tools run through the installed server package's bin.
made="$(cd "$proj" && ROOMHISTORY_SERVER_BIN="$srv/node_modules/roomhistory-server/bin/roomhistory-server.js" \
  npx --no -- roomhistory token create ops --rooms "" --rights read --file "$work/tokens.json" 2>/dev/null)"
grep -qE '^rh_' <<<"$made" || fail "roomhistory token create through the server package printed: $made"
say "CLI: roomhistory token create ran the server package's tool"
(cd "$proj" && ROOMHISTORY_ADDRESS="$addr" ROOM=ts-server-package node build/worker.js)

if ! wait "$python_pid"; then
  cat "$work/python.log" >&2
  fail "the Python half failed (its output is above)"
fi
grep -vE '^(\* |  - |warning: |no previously|Writing|Creating|removing|installing|Copying|Successfully)' "$work/python.log" || true
