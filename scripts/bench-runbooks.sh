#!/usr/bin/env bash
# Benchmark: what runbook checking adds to `alertlint check`. Generates 10,000 alerts in 100
# rule files, each with a runbook (incident layout, ~1.5 KB) under runbooks/, then times
# `alertlint check` without runbook roots and with them (same rules, same config otherwise).
# Prints the median of several runs of each and the ratio (the goal: at most 1.5), both as
# the ratio of the medians and as the median of the ratios of neighbouring runs.
# Also times the floor: `check` without runbooks while, beside it, crates/alertlint_linter/examples/runbook_floor only
# walks and reads the same runbooks (no parsing, no checks, nothing kept). The floor is what
# getting 10,000 files off the disk costs on this machine, whatever alertlint does with them.
#   usage: scripts/bench-runbooks.sh [RUNS]   (ALERTLINT=path/to/binary skips building alertlint;
#   the floor example is always built)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
if [ -z "${ALERTLINT:-}" ]; then
  cargo build --release --quiet
  ALERTLINT=${CARGO_TARGET_DIR:-target}/release/alertlint
fi
cargo build --release --quiet -p alertlint_linter --example runbook_floor
FLOOR=$(realpath "${CARGO_TARGET_DIR:-target}/release/examples/runbook_floor")
# The script changes directory below: make the binary path absolute.
ALERTLINT=$(realpath "$ALERTLINT")
dir=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT; echo "corpus: $dir" >&2

python3 - "$dir" <<'PY'
import os, sys
d = sys.argv[1]
os.makedirs(f"{d}/rules"); os.makedirs(f"{d}/runbooks")
for f in range(100):
    out = ["groups:"]
    for g in range(4):
        out += [f"  - name: service-{f}-group-{g}", "    rules:"]
        for r in range(25):
            n = f"HighErrorRateS{f}G{g}R{r}"
            out.append(f"""      - alert: {n}
        expr: |
          sum by (job, instance) (rate(http_errors_total{{service="s{f}{g}{r}"}}[5m]))
            / sum by (job, instance) (rate(http_requests_total{{service="s{f}{g}{r}"}}[5m])) > 0.05
        for: 10m
        labels:
          severity: critical
          team: team-{f}
        annotations:
          summary: Error rate above 5% for service s{f}{g}{r}
          description: "{{{{ $value | humanizePercentage }}}} of requests to {{{{ $labels.instance }}}} fail"
          runbook_url: https://runbooks.example.com/{n}
          dashboard_url: https://grafana.example.com/d/http?var-service=s{f}{g}{r}""")
            with open(f"{d}/runbooks/{n}.md", "w") as fh:
                fh.write(f"""# {n}

**Alert:** {n}
**Severity:** critical
**Owner:** team-{f}
**Last updated:** 2026-11-01

## Context

More than 5% of requests to service s{f}{g}{r} fail for 10 minutes. Users see errors.

## Diagnostic steps

### Step 1: Which instances fail?

```promql
sum by (instance) (rate(http_errors_total{{service="s{f}{g}{r}"}}[5m]))
```

If one instance → go to Step 2. If all → go to Step 3.

### Step 2: Restart the instance

```sh
kubectl -n s{f} delete pod <instance>
```

### Step 3: Was there a deploy?

Open the [deploy log](https://deploys.example.com/s{f}{g}{r}). If there was one, roll back.

## Resolution

`kubectl -n s{f} rollout undo deploy/s{f}{g}{r}`

## Escalation

Page team-{f} secondary after 15 minutes.

## Post-incident

Write the review within two business days.
""")
    open(f"{d}/rules/service-{f}.yaml", "w").write("\n".join(out) + "\n")
open(f"{d}/without.yaml", "w").write("policy:\n  teams: []\n")
open(f"{d}/with.yaml", "w").write("policy:\n  teams: []\nrunbooks:\n  - dir: runbooks/\n    url_prefix: https://runbooks.example.com/\n")
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() {
  local s e
  s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}
cd "$dir"
# The with-runbooks run must find every runbook and nothing wrong with it.
"$ALERTLINT" check rules --config with.yaml --format json --fail-on never \
  | python3 -c 'import json,sys; d=json.load(sys.stdin)["diagnostics"]; r=[x for x in d if x["check"].startswith("runbook/")]; print(f"runbook findings: {len(r)}"); sys.exit(1 if r else 0)'
# The corpus was just written: flush it first, so that the kernel's writeback of 20,000 new
# files does not compete with the runs for the CPU. Then one warm-up run each, and the two
# configurations interleaved, so that a change in the machine's load hits both alike.
sync
time_ms "$ALERTLINT" check rules --config without.yaml >/dev/null
time_ms "$ALERTLINT" check rules --config with.yaml >/dev/null
: > without.all; : > with.all; : > floor.all
floor() { "$ALERTLINT" check rules --config without.yaml & "$FLOOR" runbooks; wait; }
for i in $(seq "$runs"); do
  # The order alternates, so that whatever one run leaves behind (warm caches, memory the
  # kernel must zero again) favours neither configuration.
  if [ $((i % 2)) = 1 ]; then
    time_ms "$ALERTLINT" check rules --config without.yaml >> without.all
    time_ms "$ALERTLINT" check rules --config with.yaml >> with.all
  else
    time_ms "$ALERTLINT" check rules --config with.yaml >> with.all
    time_ms "$ALERTLINT" check rules --config without.yaml >> without.all
  fi
  time_ms floor >> floor.all
done
a=$(median < without.all); b=$(median < with.all); f=$(median < floor.all)
# Each run's ratio to the run of the other configuration next to it: this machine's speed
# drifts by more than the effect measured (10-20% between minutes), which a pair shares.
paired() { paste "$1" without.all | awk '{print $1 / $2}' | median; }
echo "10000 alerts, 10000 runbooks, median of $runs runs:"
echo "  without runbook roots: ${a} ms"
echo "  with runbook roots:    ${b} ms"
echo "  floor (without, and only walking + reading the runbooks beside it): ${f} ms"
awk -v a="$a" -v b="$b" -v f="$f" -v p="$(paired with.all)" -v q="$(paired floor.all)" 'BEGIN {
  printf "  ratio: %.2f (goal: <= 1.50); median of paired ratios: %.2f\n", b / a, p
  printf "  floor ratio: %.2f; median of paired ratios: %.2f\n", f / a, q }'
