#!/usr/bin/env bash
# Builds and packs what roomhistory ships, without publishing anything:
#   ts-client  clients/ts -> roomhistory-client-<v>.tgz (npm pack; its prepack builds dist/)
#   py-client  clients/python -> roomhistory_client-<v>-py3-none-any.whl and .tar.gz (python -m build)
#   server     roomhistory-server-<v>.tgz: bin/, src/, templates/, proto/ with the TS client bundled,
#              the package behind `npx roomhistory-server`
#   all        the three (the default)
#
#   scripts/pack.sh [--out DIR] [ts-client|py-client|server|all]...
#
# Prints the absolute path of each file it made, one per line, on stdout (all else goes to stderr), so a
# worker project installs the TypeScript client with the README's one line:
#   tgz=$("$RH"/scripts/pack.sh ts-client) && npm install "$tgz"
# Installs the repository's npm dependencies first when they are missing (a fresh clone). The Python
# build needs `build` (clients/python/requirements-dev.txt) in .venv or in $PYTHON.
set -euo pipefail
caller="$PWD"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

out="$root/dist/packages"
what=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) case "$2" in /*) out="$2" ;; *) out="$caller/$2" ;; esac; shift 2 ;;  # relative to the caller
    ts-client|py-client|server|all) what+=("$1"); shift ;;
    *) echo "pack.sh: unknown argument '$1' (ts-client, py-client, server, all, --out DIR)" >&2; exit 2 ;;
  esac
done
[ ${#what[@]} -eq 0 ] && what=(all)
mkdir -p "$out"
out="$(cd "$out" && pwd)"

version="$(tr -d '[:space:]' < VERSION)"

npm_deps() {
  if [ ! -d node_modules ] || ! npm ls --depth=0 >/dev/null 2>&1; then
    echo "pack.sh: installing the repository's npm dependencies (npm ci) first" >&2
    npm ci --no-audit --no-fund >&2
  fi
}

ts_client_made=""
pack_ts_client() {
  npm_deps
  local tgz="$out/roomhistory-client-$version.tgz"
  if [ -n "$ts_client_made" ]; then echo "$tgz"; return; fi  # once per run: `all` and `server` share it
  # A tarball newer than everything it is made from is reused (the build takes a while).
  if [ -f "$tgz" ] && [ -z "$(find clients/ts/src clients/ts/package.json clients/ts/tsconfig.json \
      clients/ts/index.cjs clients/ts/README.md clients/ts/LICENSE -newer "$tgz" -print -quit)" ]; then
    ts_client_made=1
    echo "$tgz"
    return
  fi
  rm -f "$tgz"
  npm pack -w clients/ts --pack-destination "$out" --loglevel=warn >&2
  [ -f "$tgz" ] || { echo "pack.sh: npm pack did not make $tgz" >&2; exit 1; }
  ts_client_made=1
  echo "$tgz"
}

pack_py_client() {
  local py="${PYTHON:-$root/.venv/bin/python}"
  if ! "$py" -c "import build" 2>/dev/null; then
    echo "pack.sh: $py has no 'build': run 'npm test' once (it creates .venv) or" \
      "'pip install -r clients/python/requirements-dev.txt', or set PYTHON" >&2
    exit 1
  fi
  local whl="$out/roomhistory_client-$version-py3-none-any.whl" sdist="$out/roomhistory_client-$version.tar.gz"
  rm -f "$whl" "$sdist"
  # The default build makes the sdist, then the wheel from the unpacked sdist: the sdist is proven whole.
  "$py" -m build --outdir "$out" clients/python >&2
  [ -f "$whl" ] && [ -f "$sdist" ] || { echo "pack.sh: python -m build did not make $whl and $sdist" >&2; exit 1; }
  echo "$whl"
  echo "$sdist"
}

pack_server() {
  local client stage
  pack_ts_client >/dev/null  # not in a subshell, so `all` packs the client once
  client="$out/roomhistory-client-$version.tgz"
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' RETURN
  mkdir -p "$stage/pkg/node_modules/@roomhistory/client"
  cp -R bin src templates proto LICENSE README.md "$stage/pkg/"
  tar xzf "$client" -C "$stage/pkg/node_modules/@roomhistory/client" --strip-components=1
  node scripts/server-manifest.mjs "$stage/pkg"
  (cd "$stage/pkg" && npm pack --ignore-scripts --pack-destination "$out" --loglevel=warn >&2)
  local tgz="$out/roomhistory-server-$version.tgz"
  [ -f "$tgz" ] || { echo "pack.sh: npm pack did not make $tgz" >&2; exit 1; }
  echo "$tgz"
}

for w in "${what[@]}"; do
  case "$w" in
    ts-client) pack_ts_client ;;
    py-client) pack_py_client ;;
    server) pack_server ;;
    all) pack_ts_client; pack_py_client; pack_server ;;
  esac
done
