#!/usr/bin/env bash
# The check step of the alertlint GitHub Action (action.yml), kept in a script so that it can be
# run, and tested (tests/action.rs), outside GitHub:
#
#   ALERTLINT=target/release/alertlint INPUT_PATHS=rules-examples INPUT_FORMAT=sarif \
#     bash scripts/action-run.sh
#
# Inputs, from the environment (the action passes its `with:` inputs this way):
#   INPUT_PATHS       files and directories to check, separated by spaces or newlines
#                     (default `.`; set but empty is an error: it is most often a mistake)
#   INPUT_CONFIG      a .alertlint.yaml to use (default: found next to the first path, or above)
#   INPUT_FORMAT      `github` (default: annotations on the pull request) or `sarif`
#   INPUT_FAIL_ON     error (default), warning, info or never: passed to --fail-on
#   INPUT_SARIF_FILE  where `sarif` writes its report (default alertlint.sarif)
#   ALERTLINT         the alertlint binary to run (default: `alertlint` on PATH)
#
# Exit code: alertlint's own (0 clean, 1 problems at or above fail-on, 2 usage, config or I/O
# error), and 2 for a bad input of this script. With `sarif`, the report file exists afterwards
# only if alertlint completed a report (exit 0 or 1): never empty, never left over from an
# earlier run.
set -euo pipefail

fail() {
  echo "alertlint action: $*" >&2
  exit 2
}

alertlint=${ALERTLINT:-alertlint}
format=${INPUT_FORMAT:-github}
fail_on=${INPUT_FAIL_ON:-error}
config=${INPUT_CONFIG:-}
sarif_file=${INPUT_SARIF_FILE:-alertlint.sarif}

# Split on any whitespace; no glob expansion (alertlint walks directories itself).
paths=()
read -r -d '' -a paths <<<"${INPUT_PATHS-.}" || true
if [ ${#paths[@]} -eq 0 ]; then
  fail "input 'paths' is empty: name the rule files or directories to check (default: .)"
fi

if ! command -v "$alertlint" >/dev/null 2>&1; then
  fail "cannot run '$alertlint' (set ALERTLINT, or install alertlint on PATH)"
fi

args=(check --fail-on "$fail_on")
if [ -n "$config" ]; then
  args+=(--config "$config")
fi
case "$format" in
  github)
    # Workflow commands must go to standard output for GitHub to turn them into annotations.
    args+=(--format github)
    ;;
  sarif)
    [ -n "$sarif_file" ] || fail "input 'sarif-file' is empty"
    # A report left by an earlier run must not be uploaded as this run's.
    rm -f -- "$sarif_file"
    args+=(--format sarif --output "$sarif_file")
    ;;
  *)
    fail "input 'format' must be 'github' or 'sarif', not '$format'"
    ;;
esac

echo "+ $alertlint ${args[*]} -- ${paths[*]}" >&2
status=0
"$alertlint" "${args[@]}" -- "${paths[@]}" || status=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$status"
    if [ "$format" = sarif ] && [ -f "$sarif_file" ]; then
      echo "sarif-file=$sarif_file"
    fi
  } >>"$GITHUB_OUTPUT"
fi
case $status in
  0) ;;
  1) echo "alertlint found problems at or above '$fail_on' (exit 1)" >&2 ;;
  *) echo "alertlint could not check (exit $status): see the error above" >&2 ;;
esac
exit "$status"
