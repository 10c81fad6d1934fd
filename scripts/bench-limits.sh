#!/usr/bin/env bash
# Measures what the limits of issue 15 cost: each hostile input alertlint used to crash on,
# run for days on, or take gigabytes for, run against the release binary, with its wall time,
# peak RSS, exit code and the first line of its message. Every case should end in well under
# a few seconds and a few tens of megabytes, except the two "at the limit" cases, which show
# the most a test group can cost before its limit stops it.
#
# Usage: scripts/bench-limits.sh
# Env:   ALERTLINT (default target/release/alertlint)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ALERTLINT=${ALERTLINT:-$ROOT/target/release/alertlint}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ ! -x "$ALERTLINT" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
fi

cd "$WORK"

rule_file() { # NAME EXPR
  printf 'groups:\n- name: g\n  rules:\n  - record: r\n    expr: %s\n' "'$2'" > "$1"
}

test_file() { # NAME HEAD GROUP (GROUP lines indented under `- `)
  {
    printf 'rule_files: [rules.yaml]\n%stests:\n' "$2"
    printf '%s\n' "$3" | sed '1s/^/- /; 2,$s/^/  /'
  } > "$1"
}

# NAME, then the command.
run() {
  local name=$1
  shift
  local code=0
  /usr/bin/time -f '%e s  %M KB' -o time.txt "$@" > out.txt 2>&1 || code=$?
  local first
  first=$(grep -m1 -E '×|FAIL|PASS' out.txt | sed 's/^ *//; s/^× //' | cut -c1-100 || true)
  local why
  why=$(grep -m1 -E 'too many samples|more than|longer than' out.txt | sed 's/^ *//; s/^× //' | cut -c1-100 || true)
  printf '%-46s %-19s %-5s %s\n' "$name" "$(tail -1 time.txt)" "$code" "$first"
  if [ -n "$why" ] && [ "$why" != "$first" ]; then
    printf '%-46s %-19s %-5s %s\n' "" "" "" "$why"
  fi
}

printf '%-46s %-19s %-5s %s\n' "case" "time  peak RSS" "exit" "message"

rule_file rules.yaml 'vector(1)'

rule_file deep.yaml "$(printf 'sum(%.0s' $(seq 100000))up$(printf ')%.0s' $(seq 100000))"
run "check: 100k nested sum(" "$ALERTLINT" check --no-config deep.yaml
rule_file chain.yaml "$(printf 'up or %.0s' $(seq 100000))up"
run "check: 100k-term or chain" "$ALERTLINT" check --no-config chain.yaml
rule_file dur.yaml 'rate(up[1e300])'
run "check: rate(up[1e300])" "$ALERTLINT" check --no-config dur.yaml

test_file wrap.yaml '' "interval: 1m
input_series:
- series: up
  values: '1x18446744073709551615'
promql_expr_test:
- expr: sum(up)
  eval_time: 1d
  exp_samples:
  - value: 1"
run "test: 1x18446744073709551615, 1 day" "$ALERTLINT" test wrap.yaml

test_file hist.yaml '' "interval: 1m
input_series:
- series: up
  values: '{{schema:0 sum:1 count:1}}x10000000'
promql_expr_test:
- expr: count(up)
  eval_time: 1h
  exp_samples:
  - value: 1"
run "test: {{...}}x10000000" "$ALERTLINT" test hist.yaml

test_file steps.yaml '' "interval: 1m
input_series:
- series: up
  values: '1'
promql_expr_test:
- expr: up
  eval_time: 290y
  exp_samples: []"
run "test: eval_time 290y every 1m (refused)" "$ALERTLINT" test steps.yaml

test_file steps-limit.yaml '' "interval: 1m
input_series:
- series: up
  values: '0+1x1000000'
alert_rule_test:
- alertname: none
  eval_time: 999999m"
run "test: 1,000,000 steps (at the limit)" "$ALERTLINT" test steps-limit.yaml

test_file points-limit.yaml 'evaluation_interval: 9999999ms
' "interval: 1ms
input_series:
- series: up
  values: '1x18446744073709551615'
promql_expr_test:
- expr: up
  eval_time: 9999999ms
  exp_samples:
  - labels: up
    value: 1"
run "test: 10,000,000 input samples (at the limit)" "$ALERTLINT" test points-limit.yaml
# With `@`, any sample may be read: all are kept.
sed -i 's/- expr: up$/- expr: up @ 9999.999/' points-limit.yaml
run "  ... read with @ (all held)" "$ALERTLINT" test points-limit.yaml

test_file subquery.yaml 'evaluation_interval: 1d
' "interval: 1m
input_series:
- series: up
  values: '1x200000'
promql_expr_test:
- expr: max_over_time(up[100d:1ms])
  eval_time: 100d
  exp_samples:
  - value: 1"
run "test: max_over_time(up[100d:1ms])" "$ALERTLINT" test subquery.yaml

test_file empty-subquery.yaml '' "interval: 1m
input_series:
- series: up
  values: '1'
promql_expr_test:
- expr: max_over_time(nothing[100d:1ms])
  eval_time: 1m
  exp_samples: []"
run "test: max_over_time(nothing[100d:1ms])" "$ALERTLINT" test empty-subquery.yaml

nested='"x"'
for _ in $(seq 10); do nested="(reReplaceAll \"\" \"xxxxxxxx\" $nested)"; done
cat > template-rules.yaml <<EOF
groups:
- name: g
  rules:
  - alert: A
    expr: vector(1)
    annotations:
      big: '{{ ${nested:1:${#nested}-2} }}'
EOF
test_file template.yaml '' "interval: 1m
alert_rule_test:
- alertname: A
  eval_time: 0
  exp_alerts:
  - exp_annotations:
      big: x"
sed -i 's/rules.yaml/template-rules.yaml/' template.yaml
run "test: 10 nested reReplaceAll (x9 each)" "$ALERTLINT" test template.yaml
