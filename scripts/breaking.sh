#!/usr/bin/env bash
# `buf breaking` for proto/: against the last release tag (v*) before HEAD when there is one, else against
# the previous commit. A shallow clone (CI) is deepened first, since its history and tags are not there;
# when that is impossible this fails rather than skip. It names its base, and says so when there is none
# (the first commit, or a base without proto/). ROOMHISTORY_BREAKING_AGAINST=<git ref> picks the base.
set -euo pipefail
cd "$(dirname "$0")/.."
buf=node_modules/.bin/buf

if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  echo "shallow clone: fetching the history and tags to find the base"
  if ! git fetch --quiet --unshallow --tags; then
    echo "breaking: cannot deepen this shallow clone (git fetch --unshallow --tags failed); clone with" \
      "history or set ROOMHISTORY_BREAKING_AGAINST=<ref> with that ref fetched" >&2
    exit 1
  fi
fi

last_tag() { git describe --tags --abbrev=0 --match 'v[0-9]*' "$1" 2>/dev/null; }
base="${ROOMHISTORY_BREAKING_AGAINST:-}"
if [ -z "$base" ]; then
  base="$(last_tag HEAD || true)"
  # A tag on HEAD itself is this release: compare with the one before it.
  if [ -n "$base" ] && [ "$(git rev-parse "$base^{commit}")" = "$(git rev-parse HEAD)" ]; then
    base="$(git rev-parse -q --verify HEAD~1 >/dev/null && last_tag HEAD~1 || true)"
  fi
fi
if [ -z "$base" ]; then
  if ! git rev-parse -q --verify HEAD~1 >/dev/null; then
    echo "no release tag and no previous commit: nothing to compare proto/ against (first commit)"
    exit 0
  fi
  base=HEAD~1
fi
git rev-parse -q --verify "$base^{commit}" >/dev/null || { echo "breaking: no such ref '$base'" >&2; exit 1; }
if ! git cat-file -e "$base:proto" 2>/dev/null; then
  echo "$base has no proto/: nothing to compare against"
  exit 0
fi

against="$(mktemp -d)"
trap 'rm -rf "$against"' EXIT
git archive "$base" proto | tar x -C "$against"
echo "proto/ against $base ($(git rev-parse --short "$base^{commit}"))"
"$buf" breaking proto --against "$against/proto"
