#!/usr/bin/env bash
# Prepares the release tag vVERSION, after checking that the tree is ready to be one:
#
#   scripts/release.sh 0.1.0              check everything, run .ci/run, print the tag command
#   scripts/release.sh 0.1.0 --tag        ... and create the annotated tag (never pushes)
#   scripts/release.sh 0.1.0 --skip-ci    dry run: the checks without .ci/run (cannot --tag)
#
# Refuses (exit 1, saying why) unless: the working tree is clean; Cargo.toml's and Cargo.lock's
# version of alertlint is VERSION; action.yml's `version` input defaults to VERSION (the action
# at tag vVERSION installs that same release); CHANGELOG.md has a dated `## [VERSION] - YYYY-MM-DD`
# section; the tag does not exist yet; and `bash .ci/run` passes.
# The tag is what `uses: alertlint/alertlint@vVERSION`, the action's `cargo install --tag` and
# pre-commit's `rev: vVERSION` refer to.
set -euo pipefail

usage() {
  echo "usage: scripts/release.sh VERSION [--tag | --skip-ci]   (VERSION like 0.1.0, without v)" >&2
  exit 2
}

refuse() {
  echo "release: refusing to tag v$version: $*" >&2
  exit 1
}

version=
tag=false
skip_ci=false
for arg in "$@"; do
  case "$arg" in
    --tag) tag=true ;;
    --skip-ci) skip_ci=true ;;
    -h | --help) usage ;;
    -*) echo "release: unknown option $arg" >&2; usage ;;
    *)
      [ -z "$version" ] || usage
      version=$arg
      ;;
  esac
done
[ -n "$version" ] || usage
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "release: '$version' is not a version like 0.1.0 or 1.0.0-rc.1 (no leading v)" >&2
  exit 2
fi
if $tag && $skip_ci; then
  echo "release: --skip-ci is for dry runs only; a tag needs .ci/run to pass" >&2
  exit 2
fi

cd "$(dirname "$0")/.."

# 1. Nothing uncommitted: the tag must name exactly what was tested.
dirty=$(git status --porcelain --untracked-files=normal)
if [ -n "$dirty" ]; then
  refuse "the working tree is not clean (commit or stash first):
$dirty"
fi

# 2. Cargo.toml's [package] version, and the lock file's (cargo install --locked needs both).
cargo_version=$(awk '
  /^\[/ { in_package = ($0 == "[package]") }
  in_package && /^version[[:space:]]*=/ { gsub(/^version[[:space:]]*=[[:space:]]*"|".*$/, ""); print; exit }
' Cargo.toml)
if [ "$cargo_version" != "$version" ]; then
  refuse "Cargo.toml's version is '$cargo_version', not '$version' (edit [package] version, then run cargo build to update Cargo.lock)"
fi
lock_version=$(awk '
  /^\[\[package\]\]/ { name = "" }
  /^name = "alertlint"$/ { name = "alertlint" }
  name == "alertlint" && /^version = / { gsub(/^version = "|"$/, ""); print; exit }
' Cargo.lock)
if [ "$lock_version" != "$version" ]; then
  refuse "Cargo.lock has alertlint '$lock_version', not '$version' (run cargo build and commit Cargo.lock)"
fi

# 3. The action at this tag must install this release.
action_version=$(awk '
  /^  version:/ { in_version = 1; next }
  /^  [^ ]/ { in_version = 0 }
  in_version && /^    default:/ { sub(/^    default:[[:space:]]*/, ""); gsub(/"/, ""); print; exit }
' action.yml)
if [ "$action_version" != "$version" ]; then
  refuse "action.yml's version input defaults to '$action_version', not '$version' (uses: alertlint/alertlint@v$version would install another release)"
fi

# 4. A dated changelog entry.
escaped=${version//./\\.}
if ! grep -Eq "^## \[$escaped\] - [0-9]{4}-[0-9]{2}-[0-9]{2}\$" CHANGELOG.md; then
  if grep -Eq "^## \[$escaped\]" CHANGELOG.md; then
    refuse "CHANGELOG.md's '## [$version]' heading has no date (write '## [$version] - YYYY-MM-DD')"
  fi
  refuse "CHANGELOG.md has no '## [$version] - YYYY-MM-DD' section (move the [Unreleased] entries under it)"
fi

# 5. Not released already.
if git rev-parse -q --verify "refs/tags/v$version" >/dev/null; then
  refuse "tag v$version already exists"
fi

# 6. The project's CI, exactly as CI runs it.
if $skip_ci; then
  echo "release: dry run, .ci/run skipped" >&2
else
  echo "release: running bash .ci/run" >&2
  if ! bash .ci/run; then
    refuse ".ci/run failed"
  fi
fi

commit=$(git rev-parse --short HEAD)
tag_cmd=(git tag -a "v$version" -m "alertlint $version")
if $tag; then
  "${tag_cmd[@]}"
  echo "release: tagged v$version at $commit. Publish it with:"
else
  echo "release: v$version is ready at $commit. Tag and publish it with:"
  echo "  git tag -a v$version -m \"alertlint $version\""
fi
echo "  git push origin v$version"
