#!/usr/bin/env bash
# The one command that installs what is missing and runs every test (README "Tests"; .ci/run calls it):
#   npm test
# 1. redis-server from Debian if none is on PATH, grpcurl (pinned) into .tools/bin, 2. npm dependencies,
# 3. a Python venv (.venv) with
# grpcio, grpcio-tools and pytest, 4. generated code checked for drift, proto lint, type check,
# 5. vitest (TypeScript unit, integration and cluster tests), 6. pytest (Python client, cross-language),
# 7. the install path: both clients packed and installed outside the repository (test/packaging).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "redis-server"
if ! command -v redis-server >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
redis-server --version

step "grpcurl (the TLS tests call it; pinned, built into .tools/bin when missing)"
GRPCURL_VERSION=v1.9.3 # needs Go >= 1.21 to build
go_ok() { command -v go >/dev/null 2>&1 && [ "$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')" -ge 21 ]; }
if [ ! -x .tools/bin/grpcurl ]; then
  if ! go_ok; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends golang-go >/dev/null || true
  fi
  if ! go_ok; then
    echo "grpcurl $GRPCURL_VERSION needs Go >= 1.21 to build (https://go.dev/dl), or put a grpcurl binary at .tools/bin/grpcurl" >&2
    exit 1
  fi
  GOBIN="$PWD/.tools/bin" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
fi
echo "grpcurl $GRPCURL_VERSION in .tools/bin"

step "npm dependencies"
if [ ! -d node_modules ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  npm ci --no-audit --no-fund
fi

step "python environment (.venv)"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r clients/python/requirements-dev.txt
.venv/bin/python -m pip install -q --disable-pip-version-check -e clients/python
export PATH="$PWD/.venv/bin:$PATH"

step "generated code is up to date"
bash scripts/generate.sh
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  if ! git diff --exit-code --stat -- clients/ts/src/gen clients/python/src src/gen; then
    echo "generated code differs from the committed copy: run 'npm run generate' and commit" >&2
    exit 1
  fi
  untracked=$(git ls-files --others --exclude-standard -- clients/ts/src/gen clients/python/src src/gen)
  if [ -n "$untracked" ]; then
    echo "generated files not committed: $untracked" >&2
    exit 1
  fi
fi

step "one version: VERSION and every manifest agree"
node scripts/check-version.mjs

step "proto: no breaking change against the last release tag (else main's merge base, else the previous commit)"
bash scripts/breaking.sh

step "type check"
npx tsc -p tsconfig.json --noEmit
npx tsc -p clients/ts/tsconfig.json --noEmit

step "lint: eslint + typescript-eslint (server, benchmarks, TypeScript client; one eslint.config.js); ruff; mypy --strict"
npx eslint src bench clients/ts/src clients/ts/test
.venv/bin/ruff check clients/python
.venv/bin/mypy --config-file clients/python/mypy.ini

step "vitest"
npx vitest run

step "Redis Cluster failover scenarios (npm run test:cluster)"
npx vitest run --config vitest.cluster.config.ts

step "pytest"
.venv/bin/python -m pytest -q clients/python/tests

step "packages: both clients installed the README's way outside the repository, against npm start"
bash test/packaging/check-install.sh
