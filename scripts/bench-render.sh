#!/usr/bin/env bash
# Benchmark: the cost of printing many findings, `--format human` against `--format json`
# (the same checks, the same findings; JSON only prints positions). Two generated inputs:
#   - big.yaml: one 2 MB rule file, 2,000 alerts each with the same 5 findings (10,000);
#   - one-line.json: one 1 MB JSON rule file on a single line, again 10,000 findings, at
#     columns up to 1,000,000.
# Human output should cost about what JSON costs: linear in the number of findings, whatever
# the file's size and line lengths.
# Prints the median of several runs of each.
#   usage: scripts/bench-render.sh [RUNS]
#   ALERTLINT=path/to/binary skips building alertlint (default: a release build of this tree);
#   BASELINE=path/to/other/binary times that one too, in the same run (say, a build of the
#   previous commit: `git stash; cargo build --release; cp target/release/alertlint /tmp/old`).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
if [ -z "${ALERTLINT:-}" ]; then
  cargo build --release --quiet
  ALERTLINT=${CARGO_TARGET_DIR:-target}/release/alertlint
fi
ALERTLINT=$(realpath "$ALERTLINT")
dir=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT

python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
# 2,000 alerts with neither labels nor annotations (5 findings each: summary, description,
# team, runbook_url, severity), padded with comments to about 1 KB each.
pad = "".join(f"      # {i}: " + "padding to make the file about two megabytes, " * 2 + "\n" for i in range(9))
with open(f"{d}/big.yaml", "w") as f:
    f.write("groups:\n  - name: generated\n    rules:\n")
    for i in range(2000):
        f.write(pad)
        f.write(f"      - alert: GeneratedAlert{i}\n        expr: up{{job=\"job{i}\"}} == 0\n")
# The same findings in JSON on one line, each alert with a 480-character annotation.
rules = [{"alert": f"GeneratedAlert{i}", "expr": f"up{{job=\"job{i}\"}} == 0",
          "annotations": {"note": "x" * 480}} for i in range(2000)]
with open(f"{d}/one-line.json", "w") as f:
    json.dump({"groups": [{"name": "generated", "rules": rules}]}, f)
PY
for f in big.yaml one-line.json; do
  printf '%-14s %8d bytes, %6d lines, %6d findings\n' "$f" "$(wc -c <"$dir/$f")" \
    "$(( $(wc -l <"$dir/$f") + 1 ))" \
    "$("$ALERTLINT" check --no-config --format json "$dir/$f" | grep -c '"check":')"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# The median time of `runs` runs, and the exit code of the last (1: findings; 101: a panic).
time_cmd() {
  local code=0
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 && code=0 || code=$?
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l >>"$dir/times"
  done
  echo "$(median <"$dir/times") $code"
  rm -f "$dir/times"
}
bench() {
  local name=$1 bin=$2
  for f in big.yaml one-line.json; do
    for format in human json; do
      read -r t code < <(time_cmd "$bin" check --no-config --color never --format "$format" "$dir/$f")
      case $code in
        1) note="" ;;
        101) note=" (exit code 101: panicked)" ;;
        *) note=" (exit code $code)" ;;
      esac
      printf '%-9s %-14s --format %-6s %8.3fs (median of %d)%s\n' "$name" "$f" "$format" "$t" "$runs" "$note"
    done
  done
}
if [ -n "${BASELINE:-}" ]; then
  bench baseline "$(realpath "$BASELINE")"
fi
bench alertlint "$ALERTLINT"
