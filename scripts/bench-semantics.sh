#!/usr/bin/env bash
# Benchmark: what the semantic checks (issue 18) cost. `alertlint check` on the 10,000-rule
# corpus of scripts/bench-check.sh with every check, and with the checks of category
# Semantics turned off, alternating in one run; prints the medians and the ratio (the issue
# asks for at most 1.3x).
#   usage: scripts/bench-semantics.sh [RUNS]
# Env: ALERTLINT (default target/release/alertlint, built first).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
if [ -z "${ALERTLINT:-}" ]; then
  cargo build --release --quiet
fi
ALERTLINT=${ALERTLINT:-./target/release/alertlint}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
BENCH_DIR="$dir/rules" ALERTLINT="$ALERTLINT" scripts/bench-check.sh 1 >/dev/null
# The semantic checks: those whose source declares the category.
semantic=$(grep -l 'category: Category::Semantics' crates/alertlint_linter/src/checks/*.rs |
  xargs sed -n 's/^    id: "\(.*\)",$/\1/p')
[ -n "$semantic" ] || { echo "no check of category Semantics found" >&2; exit 2; }
{
  echo "checks:"
  for id in $semantic; do echo "  $id: off"; done
} > "$dir/without.yaml"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
with=() without=()
for _ in $(seq "$runs"); do
  for mode in with without; do
    args=(--no-config)
    [ "$mode" = without ] && args=(--config "$dir/without.yaml")
    s=$(date +%s.%N)
    "$ALERTLINT" check "${args[@]}" "$dir/rules" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ "$mode" = with ]; then with+=("$t"); else without+=("$t"); fi
  done
done
w=$(printf '%s\n' "${with[@]}" | median)
wo=$(printf '%s\n' "${without[@]}" | median)
echo "semantic checks: $(echo $semantic | tr ' ' ',')"
printf 'alertlint check, every check:           %.3fs (median of %d)\n' "$w" "$runs"
printf 'alertlint check, semantic checks off:   %.3fs (median of %d)\n' "$wo" "$runs"
printf 'ratio: %.2fx\n' "$(echo "$w / $wo" | bc -l)"
