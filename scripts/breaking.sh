#!/usr/bin/env bash
# `buf breaking` for proto/, against the first base that applies:
#   1. ROOMHISTORY_BREAKING_AGAINST=<git ref>, when set;
#   2. the last release tag (v*) before HEAD: what users have (a tag on HEAD itself is this release,
#      so the one before it);
#   3. on a branch other than main, its merge base with main: what the branch changes;
#   4. on main (or with no main branch), the previous commit.
# main is ROOMHISTORY_MAIN_BRANCH, else origin's default branch, else the first of origin/main, main,
# origin/master, master that exists. A shallow clone (CI) is deepened first, since its history and tags
# are not there; when that is impossible this fails rather than skip. It always prints the base it
# compared against and why; it compares nothing only on the first commit or a base without proto/, and
# says so.
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

exists() { git rev-parse -q --verify "$1^{commit}" >/dev/null 2>&1; }
last_tag() { git describe --tags --abbrev=0 --match 'v[0-9]*' "$1" 2>/dev/null; }
main_branch() {
  if [ -n "${ROOMHISTORY_MAIN_BRANCH:-}" ]; then echo "$ROOMHISTORY_MAIN_BRANCH"; return; fi
  local remote_head
  remote_head="$(git symbolic-ref -q --short refs/remotes/origin/HEAD 2>/dev/null || true)"
  for ref in $remote_head origin/main main origin/master master; do
    if exists "$ref"; then echo "$ref"; return; fi
  done
}

base="" why=""
if [ -n "${ROOMHISTORY_BREAKING_AGAINST:-}" ]; then
  base="$ROOMHISTORY_BREAKING_AGAINST" why="ROOMHISTORY_BREAKING_AGAINST"
fi
if [ -z "$base" ]; then
  base="$(last_tag HEAD || true)"
  if [ -n "$base" ] && [ "$(git rev-parse "$base^{commit}")" = "$(git rev-parse HEAD)" ]; then
    base="$(exists HEAD~1 && last_tag HEAD~1 || true)"
  fi
  [ -n "$base" ] && why="the last release tag"
fi
if [ -z "$base" ]; then
  main="$(main_branch || true)"
  if [ -n "$main" ]; then
    fork="$(git merge-base HEAD "$main" 2>/dev/null || true)"
    if [ -n "$fork" ] && [ "$fork" != "$(git rev-parse HEAD)" ]; then
      base="$fork" why="no release tag; the merge base with $main"
    fi
  fi
fi
if [ -z "$base" ]; then
  if ! exists HEAD~1; then
    echo "breaking: no release tag and no previous commit: nothing to compare proto/ against (first commit)"
    exit 0
  fi
  base=HEAD~1 why="no release tag; HEAD is on ${main:-main} (or there is no main branch): the previous commit"
fi
exists "$base" || { echo "breaking: no such ref '$base' ($why)" >&2; exit 1; }
if ! git cat-file -e "$base:proto" 2>/dev/null; then
  echo "breaking: $base ($why) has no proto/: nothing to compare against"
  exit 0
fi

against="$(mktemp -d)"
trap 'rm -rf "$against"' EXIT
git archive "$base" proto | tar x -C "$against"
echo "proto/ against $base ($(git rev-parse --short "$base^{commit}")): $why"
"$buf" breaking proto --against "$against/proto"
