#!/usr/bin/env bash
# Benchmark: `alertlint check` (all checks) against `promtool check rules` on the same
# generated corpus of 10,000 alerting and recording rules in 100 files, in one run.
# Prints the median of several runs of each and the ratio.
#   usage: scripts/bench-check.sh [RUNS]
# Env: ALERTLINT (default target/release/alertlint, built first), to time another build (e.g.
# the previous commit's, for a before/after in one session); BENCH_DIR, an empty directory to
# write the corpus into and keep (for `cargo run --release -p promql --example parse_bench --
# DIR`), instead of a temporary one.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
command -v promtool >/dev/null || { echo "promtool is required (apt-get install prometheus)" >&2; exit 2; }
if [ -z "${ALERTLINT:-}" ]; then
  cargo build --release --quiet
fi
ALERTLINT=${ALERTLINT:-./target/release/alertlint}
if [ -n "${BENCH_DIR:-}" ]; then
  mkdir -p "$BENCH_DIR"
  dir=$BENCH_DIR
else
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi

# 100 files x 100 rules: 60 alerts and 40 recording rules each, realistic shapes.
for f in $(seq -w 0 99); do
  {
    echo "groups:"
    for g in 0 1 2 3; do
      echo "  - name: service-$f-group-$g"
      echo "    rules:"
      for r in $(seq 0 9); do
        n="s${f}g${g}r${r}"
        echo "      - record: job:http_requests_$n:rate5m"
        echo "        expr: sum by (job, instance) (rate(http_requests_total{service=\"$n\"}[5m]))"
      done
      for r in $(seq 0 14); do
        n="S${f}G${g}R${r}"
        cat <<RULE
      - alert: HighErrorRate$n
        expr: |
          sum by (job, instance) (rate(http_errors_total{service="$n"}[5m]))
            / sum by (job, instance) (rate(http_requests_total{service="$n"}[5m])) > 0.05
        for: 10m
        labels:
          severity: critical
          team: team-$f
        annotations:
          summary: Error rate above 5% for service $n
          description: "{{ \$value | humanizePercentage }} of requests to {{ \$labels.instance }} fail"
          runbook_url: https://runbooks.example.com/HighErrorRate$n
RULE
      done
    done
  } > "$dir/rules-$f.yaml"
done
echo "corpus: $(ls "$dir" | wc -l) files, $(grep -c -- '- alert:' "$dir"/*.yaml | awk -F: '{s+=$2} END {print s}') alerts, $(grep -c -- '- record:' "$dir"/*.yaml | awk -F: '{s+=$2} END {print s}') recording rules"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
fastest() { sort -n | head -1; }
# Seconds one run of the command takes, by bash's own clock ($EPOCHREALTIME: starting `date`
# around each run would add a process start, about a millisecond, to every measurement).
time_once() {
  local s e
  s=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || true
  e=$EPOCHREALTIME
  echo "$e - $s" | bc -l
}
# Each tool's runs back to back (alertlint's first): taking turns would time alertlint right
# after promtool has churned through memory the kernel must then clear again for it, which
# on a virtual machine costs more than alertlint's own work.
runs_of() { for _ in $(seq "$runs"); do time_once "$@"; done; }
al_times=$(runs_of "$ALERTLINT" check --no-config "$dir")
pt_times=$(runs_of promtool check rules "$dir"/*.yaml)
al=$(median <<<"$al_times")
pt=$(median <<<"$pt_times")
al_min=$(fastest <<<"$al_times")
pt_min=$(fastest <<<"$pt_times")
printf 'alertlint check (all checks): %.3fs median, %.3fs fastest (%d runs)\n' "$al" "$al_min" "$runs"
printf 'promtool check rules:         %.3fs median, %.3fs fastest (%d runs)\n' "$pt" "$pt_min" "$runs"
printf 'alertlint is %.1fx faster than promtool (medians; %.1fx fastest runs)\n' \
  "$(echo "$pt / $al" | bc -l)" "$(echo "$pt_min / $al_min" | bc -l)"
