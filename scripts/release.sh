#!/usr/bin/env bash
# Makes a release, locally; publishes nothing:
#   scripts/release.sh <x.y.z> [--skip-tests]        (npm run release -- <x.y.z>)
# 1. checks: a clean tree (tracked files), a new tag, a version above the current one, an
#    "## Unreleased" section in CHANGELOG.md with something in it; 2. npm test (unless --skip-tests);
# 3. sets the version everywhere (scripts/set-version.mjs) and dates the changelog section;
# 4. proves the manifests agree and proto/ has no breaking change against the previous release;
# 5. commits "Release vX.Y.Z" and tags vX.Y.Z (annotated); 6. packs both clients and the server into
# dist/release/X.Y.Z/ (scripts/pack.sh) and prints each file with its size and sha256.
# Pushing the tag and uploading the files is left to a person.
set -euo pipefail
cd "$(dirname "$0")/.."

new="" skip_tests=""
for arg in "$@"; do
  case "$arg" in
    --skip-tests) skip_tests=1 ;;
    -*) echo "release.sh: unknown option $arg" >&2; exit 2 ;;
    *) new="$arg" ;;
  esac
done
die() { echo "release.sh: $*" >&2; exit 1; }
[[ "$new" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "usage: scripts/release.sh <x.y.z> [--skip-tests]"
current="$(tr -d '[:space:]' < VERSION)"

git diff --quiet && git diff --cached --quiet || die "the working tree has uncommitted changes to tracked files"
git rev-parse -q --verify "refs/tags/v$new" >/dev/null && die "tag v$new exists already"
if [ "$new" = "$current" ] || [ "$(printf '%s\n%s\n' "$current" "$new" | sort -V | tail -1)" != "$new" ]; then
  # The first release may keep the version the tree already has.
  if ! { [ "$new" = "$current" ] && [ -z "$(git tag -l 'v[0-9]*')" ]; }; then
    die "$new is not above the current version $current"
  fi
fi
unreleased="$(awk '/^## Unreleased$/{on=1; next} /^## /{on=0} on && NF' CHANGELOG.md)"
[ -n "$unreleased" ] || die "CHANGELOG.md has no '## Unreleased' section with entries: say what changed"

if [ -z "$skip_tests" ]; then npm test; fi

node scripts/set-version.mjs "$new"
today="$(date -u +%F)"
awk -v v="$new" -v d="$today" \
  '/^## Unreleased$/ && !done { print "## Unreleased"; print ""; print "## " v " (" d ")"; done=1; next } { print }' \
  CHANGELOG.md > CHANGELOG.md.tmp && mv CHANGELOG.md.tmp CHANGELOG.md
node scripts/check-version.mjs
bash scripts/breaking.sh

files=(VERSION CHANGELOG.md package.json package-lock.json clients/ts/package.json clients/python/pyproject.toml)
git add -- "${files[@]}"
git commit -q -m "Release v$new" -- "${files[@]}"
git tag -a "v$new" -m "roomhistory $new"

out="dist/release/$new"
rm -rf "$out"
mapfile -t made < <(bash scripts/pack.sh --out "$out" all)
echo
echo "released v$new ($(git rev-parse --short HEAD)), tagged v$new; nothing was published. Made:"
for f in "${made[@]}"; do
  printf '  %-70s %9s bytes  sha256 %s\n' "$f" "$(wc -c < "$f" | tr -d ' ')" "$(sha256sum "$f" | cut -d' ' -f1)"
done
echo "next: git push --follow-tags; upload the files above where workers install from"
