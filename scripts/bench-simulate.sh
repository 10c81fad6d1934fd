#!/usr/bin/env bash
# Benchmark: `alertlint simulate` of every alert of the awesome-prometheus-alerts corpus
# (../shared/corpora, or ALERTLINT_CORPORA=DIR), at the default policy (1m scrapes) and at
# 15s scrapes. Prints the alerts simulated and not, the wall time and the peak memory.
#   usage: scripts/bench-simulate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${ALERTLINT_CORPORA:-../shared/corpora}/awesome-prometheus-alerts
[ -d "$corpus" ] || { echo "missing corpus: $corpus" >&2; exit 2; }
cargo build --release --quiet
alertlint=$PWD/target/release/alertlint
echo "cores: $(nproc)"
for scrape in 1m 15s; do
  out=$(mktemp)
  /usr/bin/time -f "%e s wall, %M KiB peak" -o "$out.time" \
    "$alertlint" simulate "$corpus" --no-config --scrape-interval "$scrape" \
      --format json --fail-on never >"$out"
  python3 - "$out" "$scrape" "$(cat "$out.time")" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
alerts = doc["alerts"]
done = sum(a["simulated"] for a in alerts)
explained = sum(1 for a in alerts if not a["simulated"] and a.get("reason"))
print(f"scrape {sys.argv[2]}: {len(alerts)} alerts, {done} simulated, {explained} explained, {sys.argv[3]}")
assert done + explained == len(alerts), "an alert neither simulated nor explained"
PY
  rm -f "$out" "$out.time"
done
