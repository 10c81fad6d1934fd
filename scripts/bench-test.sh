#!/usr/bin/env bash
# Benchmarks `alertlint test` against `promtool test rules` on the same generated suite:
# a multi-day, many-series unit-test file with recording and alerting rules.
# Prints both wall times and their ratio, then the peak RSS of `alertlint test` for
# 1 day vs 7 days of evaluation steps (memory should stay flat).
#
# Usage: scripts/bench-test.sh [SERIES=200] [DAYS=3]
# Env:   ALERTLINT (default target/release/alertlint), PROMTOOL (default promtool)
set -euo pipefail

SERIES=${1:-200}
DAYS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ALERTLINT=${ALERTLINT:-$ROOT/target/release/alertlint}
PROMTOOL=${PROMTOOL:-promtool}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ ! -x "$ALERTLINT" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
fi

cat > "$WORK/rules.yml" <<'RULES'
groups:
  - name: bench.recording
    rules:
      - record: job:requests:rate5m
        expr: sum by (job) (rate(requests_total[5m]))
      - record: instance:errors:ratio_rate5m
        expr: rate(errors_total[5m]) / rate(requests_total[5m])
  - name: bench.alerts
    rules:
      - alert: HighErrorRatio
        expr: instance:errors:ratio_rate5m > 0.05
        for: 10m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} error ratio {{ $value | humanizePercentage }}"
      - alert: JobDown
        expr: sum by (job) (up) == 0
        for: 5m
        labels:
          severity: page
RULES

# gen FILE DAYS: one test group, SERIES instances over DAYS days at 1m resolution.
gen() {
  local file=$1 days=$2
  local steps=$((days * 1440))
  {
    echo "rule_files: [rules.yml]"
    echo "evaluation_interval: 1m"
    echo "tests:"
    echo "  - name: bench"
    echo "    interval: 1m"
    echo "    input_series:"
    for i in $(seq 1 "$SERIES"); do
      local job="job$((i % 10))"
      echo "      - series: 'requests_total{job=\"$job\",instance=\"i$i\"}'"
      echo "        values: '0+100x$steps'"
      if [ $((i % 7)) -eq 0 ]; then
        echo "      - series: 'errors_total{job=\"$job\",instance=\"i$i\"}'"
        echo "        values: '0+10x$steps'"
      else
        echo "      - series: 'errors_total{job=\"$job\",instance=\"i$i\"}'"
        echo "        values: '0+1x$steps'"
      fi
      echo "      - series: 'up{job=\"$job\",instance=\"i$i\"}'"
      echo "        values: '1x$steps'"
    done
    echo "    alert_rule_test:"
    echo "      - eval_time: ${days}d"
    echo "        alertname: JobDown"
    echo "        exp_alerts: []"
    echo "    promql_expr_test:"
    echo "      - expr: count(ALERTS{alertname=\"HighErrorRatio\",alertstate=\"firing\"})"
    echo "        eval_time: ${days}d"
    echo "        exp_samples:"
    echo "          - value: $((SERIES / 7))"
  } > "$file"
}

gen "$WORK/bench.yml" "$DAYS"
echo "suite: $SERIES instances x 3 series, $DAYS days at 1m ($((DAYS * 1440)) evaluation steps)"

now() { date +%s.%N; }
t0=$(now); "$ALERTLINT" test --color never "$WORK/bench.yml" > "$WORK/a.out"; t1=$(now)
a=$(echo "$t1 - $t0" | bc)
echo "alertlint test:     ${a}s ($(tail -1 "$WORK/a.out"))"
t0=$(now); "$PROMTOOL" test rules "$WORK/bench.yml" > "$WORK/p.out" 2>&1 || true; t1=$(now)
p=$(echo "$t1 - $t0" | bc)
echo "promtool test rules: ${p}s ($(grep -E 'SUCCESS|FAILED' "$WORK/p.out" | head -1 | tr -d ' '))"
echo "ratio: $(echo "scale=1; $p / $a" | bc)x faster"

echo "peak RSS of alertlint test (memory vs number of steps):"
for d in 1 7; do
  gen "$WORK/mem$d.yml" "$d"
  rss=$(/usr/bin/time -v "$ALERTLINT" test --color never "$WORK/mem$d.yml" 2>&1 >/dev/null \
    | awk -F': ' '/Maximum resident set size/ {print $2}')
  echo "  $d day(s), $((d * 1440)) steps: ${rss} KiB"
done
