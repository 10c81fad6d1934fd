#!/usr/bin/env bash
# Benchmark: `alertlint check` on large and hostile inputs that once took quadratic time or
# unbounded memory. Generates each input, then times the current build and, with --baseline
# REV, the build of REV (a git worktree built with its own target directory, removed at the
# end) on the same files in the same run. Each run is limited to LIMIT_S seconds and LIMIT_GB
# of address space, so a quadratic or exploding baseline is cut short rather than taking the
# machine down.
#   usage: scripts/bench-hostile.sh [--baseline REV] [--runs N]
#   env:   LIMIT_S (default 120), LIMIT_GB (default 4), BASELINE_TARGET (a target directory
#          to reuse for the baseline build)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
baseline=""
runs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) baseline=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--baseline REV] [--runs N]" >&2; exit 2 ;;
  esac
done
limit_s=${LIMIT_S:-120}
limit_gb=${LIMIT_GB:-4}

dir=$(mktemp -d)
worktree=""
cleanup() {
  rm -rf "$dir"
  if [ -n "$worktree" ]; then git -C "$repo" worktree remove --force "$worktree" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

cargo build --release --quiet
new="${CARGO_TARGET_DIR:-$repo/target}/release/alertlint"
old=""
if [ -n "$baseline" ]; then
  worktree="$dir/baseline"
  git worktree add --detach "$worktree" "$baseline" >/dev/null 2>&1
  target=${BASELINE_TARGET:-$dir/baseline-target}
  (cd "$worktree" && CARGO_TARGET_DIR="$target" cargo build --release --quiet)
  old="$target/release/alertlint"
  echo "baseline: $baseline ($(git -C "$repo" rev-parse --short "$baseline"))"
fi

rule() { # name, extra label lines
  printf '  - alert: %s\n    expr: up == 0\n    for: 5m\n    labels:\n      severity: warning\n      team: t0\n    annotations:\n      summary: s\n      description: d\n      runbook_url: https://runbooks.example.com/%s\n' "$1" "$1"
}

# keys: one mapping of 200,000 keys (the labels of one alert).
mkdir -p "$dir/keys"
{
  printf 'groups:\n- name: g\n  rules:\n'
  rule Keys | sed -n '1,4p'
  awk 'BEGIN { for (i = 0; i < 200000; i++) printf "      k%06d: v\n", i }'
} > "$dir/keys/rules.yaml"

# routes: 20,000 sibling routes, each on its own team (and one alert to route).
mkdir -p "$dir/routes/rules"
{ printf 'groups:\n- name: g\n  rules:\n'; rule Routed; } > "$dir/routes/rules/r.yaml"
{
  printf 'route:\n  receiver: default\n  routes:\n'
  awk 'BEGIN { for (i = 0; i < 20000; i++) printf "    - matchers: [team=\"t%d\", severity=\"critical\"]\n      receiver: default\n", i }'
  printf 'receivers:\n  - name: default\n    webhook_configs: [{url: "http://x"}]\n'
} > "$dir/routes/am.yml"

# receivers: 100,000 receivers, each used by a route of its own.
mkdir -p "$dir/receivers/rules"
{ printf 'groups:\n- name: g\n  rules:\n'; rule Received; } > "$dir/receivers/rules/r.yaml"
{
  printf 'route:\n  receiver: r0\n  routes:\n'
  awk 'BEGIN { for (i = 1; i < 100000; i++) printf "    - matchers: [team=\"t%d\"]\n      receiver: r%d\n", i, i }'
  printf 'receivers:\n'
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "  - name: r%d\n    webhook_configs: [{url: \"http://x\"}]\n", i }'
} > "$dir/receivers/am.yml"

# suppressions: 20,000 alerts, each under a suppression comment that is used.
mkdir -p "$dir/suppressions"
{
  printf 'groups:\n- name: g\n  rules:\n'
  awk 'BEGIN { for (i = 0; i < 20000; i++) {
    printf "  # alertlint: disable=alert/runbook linked from the dashboard instead\n"
    printf "  - alert: A%d\n    expr: up == 0\n    for: 5m\n    labels: {severity: warning, team: t0}\n", i
    printf "    annotations: {summary: s, description: d}\n" } }'
} > "$dir/suppressions/rules.yaml"

# alias: one 1 MiB scalar, anchored and aliased 3,000 times (few nodes, many bytes).
mkdir -p "$dir/alias"
{
  printf 'big: &big "'
  head -c 1048576 /dev/zero | tr '\0' 'x'
  printf '"\nmany:\n'
  awk 'BEGIN { for (i = 0; i < 3000; i++) print "  - *big" }'
} > "$dir/alias/rules.yaml"

# nested: an anchor on each of 120 levels around 300,000 items (no alias at all).
mkdir -p "$dir/nested"
awk 'BEGIN { printf "x: "; for (i = 0; i < 120; i++) printf "&a%d [", i
  for (i = 0; i < 300000; i++) printf (i ? ",a" : "a")
  for (i = 0; i < 120; i++) printf "]"; print "" }' > "$dir/nested/rules.yaml"

# merge: a merge key bringing 100,000 keys into a mapping that sets 100,000 itself.
mkdir -p "$dir/merge"
{
  printf 'm:\n  <<: {'
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%sb%d: v", (i ? ", " : ""), i }'
  printf '}\n'
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "  k%d: v\n", i }'
} > "$dir/merge/rules.yaml"

# teams: 5,000 alerts of 5,000 teams, each routed to its team's receiver.
mkdir -p "$dir/teams/rules"
awk 'BEGIN { print "groups:\n- name: g\n  rules:"
  for (i = 0; i < 5000; i++) {
    printf "  - alert: A%d\n    expr: up == 0\n    for: 5m\n    labels: {severity: warning, team: team%d}\n", i, i
    printf "    annotations: {summary: Service down, description: \"{{ $labels.instance }} down ({{ $value | humanize }})\", runbook_url: \"https://runbooks.example.com/A%d\"}\n", i } }' > "$dir/teams/rules/r.yaml"
{
  printf 'route:\n  receiver: default\n  routes:\n'
  awk 'BEGIN { for (i = 0; i < 5000; i++) printf "    - matchers: [team=\"team%d\"]\n      receiver: team%d-slack\n", i, i }'
  printf 'receivers:\n  - name: default\n    webhook_configs: [{url: "http://x"}]\n'
  awk 'BEGIN { for (i = 0; i < 5000; i++) printf "  - name: team%d-slack\n    slack_configs: [{channel: \"#t%d\"}]\n", i, i }'
} > "$dir/teams/am.yml"

size() { du -sh "$1" | cut -f1; }
echo "inputs: keys $(size "$dir/keys"), routes $(size "$dir/routes"), receivers $(size "$dir/receivers"), suppressions $(size "$dir/suppressions"), alias $(size "$dir/alias"), nested $(size "$dir/nested"), merge $(size "$dir/merge"), teams $(size "$dir/teams")"

# One timed run: wall seconds and peak memory, or what stopped it.
timed() {
  local t="$dir/time.txt"
  (
    ulimit -v $((limit_gb * 1024 * 1024))
    /usr/bin/time -o "$t" -f '%e %M' timeout "$limit_s" "$@" >/dev/null 2>&1
  ) || true
  local secs kb
  read -r secs kb < <(grep -E '^[0-9.]+ [0-9]+$' "$t")
  if grep -q 'status 124' "$t"; then
    echo "> ${limit_s}s (stopped)"
  elif grep -q 'terminated by signal' "$t"; then
    echo "failed after ${secs}s: $(grep -o 'signal [0-9]*' "$t") (out of memory at ${limit_gb} GB?)"
  else
    printf '%6.2fs %6d MB\n' "$secs" $((kb / 1024))
  fi
}

run_case() { # name, then the arguments after `alertlint`
  local name=$1
  shift
  local bin
  for bin in $old $new; do
    local label=after
    [ "$bin" = "$old" ] && label=before
    for _ in $(seq "$runs"); do
      printf '%-13s %-7s %s\n' "$name" "$label" "$(cd "$dir" && timed "$bin" "$@")"
    done
  done
}

run_case keys check --no-config --format json keys/
run_case routes check --no-config --format json --alertmanager routes/am.yml routes/rules/
run_case receivers check --no-config --format json --alertmanager receivers/am.yml receivers/rules/
run_case suppressions check --no-config --format json suppressions/
run_case alias check --no-config --format json alias/
run_case nested check --no-config --format json nested/
run_case merge check --no-config --format json merge/
run_case teams check --no-config --format json --alertmanager teams/am.yml teams/rules/
