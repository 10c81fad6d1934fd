#!/usr/bin/env bash
# Benchmark: `alertlint backtest` of 50 alerts over 7 days at 1m against a real Prometheus on
# 127.0.0.1 (history backfilled with promtool; 50 services x 4 instances, incidents at known
# times). Prints the wall time, the requests made and the peak memory of alertlint.
#   usage: scripts/bench-backtest.sh
# Needs `prometheus` and `promtool` (apt-get install prometheus). The server is stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in prometheus promtool; do
  command -v "$tool" >/dev/null || { echo "$tool is required (apt-get install prometheus)" >&2; exit 2; }
done
cargo build --release --quiet
alertlint=$PWD/target/release/alertlint
dir=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

start=1764547200 # 2025-12-01T00:00:00Z
minutes=$((7 * 24 * 60))
python3 - "$dir/history.om" "$start" "$minutes" <<'PY'
import sys
path, start, minutes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    f.write("# TYPE errors_ratio gauge\n")
    for s in range(50):
        for i in range(4):
            for m in range(minutes):
                # An incident per service a day, 20 minutes long, on one instance.
                bad = i == s % 4 and (m + 37 * s) % 1440 < 20
                v = 0.2 if bad else 0.01
                f.write(f'errors_ratio{{instance="i{i}",service="s{s:02d}"}} {v} {start + 60 * m}\n')
    f.write("# EOF\n")
PY
promtool tsdb create-blocks-from openmetrics "$dir/history.om" "$dir/data" >/dev/null
printf 'global:\n  scrape_interval: 1m\n' >"$dir/prometheus.yml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --storage.tsdb.retention.time=10y --web.listen-address="127.0.0.1:$port" >"$dir/prometheus.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
{
  echo "groups:"
  echo "  - name: services"
  echo "    rules:"
  for s in $(seq -w 0 49); do
    cat <<RULE
      - alert: ErrorsHigh$s
        expr: errors_ratio{service="s$s"} > 0.1
        for: 5m
        labels:
          severity: critical
          team: team-$((10#$s % 5))
RULE
  done
} >"$dir/rules.yaml"
end=$((start + minutes * 60))
/usr/bin/time -f '%e %M' -o "$dir/time" "$alertlint" backtest --no-config --format json \
  --url "http://127.0.0.1:$port" --start "$start" --end "$end" "$dir/rules.yaml" >"$dir/out.json" || true
read -r wall kb < <(tail -n 1 "$dir/time")
python3 - "$dir/out.json" "$wall" "$kb" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
fires = sum(a.get("fires", 0) for a in doc["alerts"])
q = doc["queries"]
print(f"alerts: {len(doc['alerts'])}, window: 7d at 1m, fires: {fires}")
print(f"wall time: {sys.argv[2]} s, requests: {q['requests']}, bytes: {q['bytes']}, "
      f"peak memory: {int(sys.argv[3]) / 1024:.1f} MiB")
PY
