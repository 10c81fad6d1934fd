#!/usr/bin/env bash
# Re-records what promtool and amtool say about the project's own inputs (fixtures/oracle/*.json,
# and the generated corpus under fixtures/oracle/check-rules/), which tier 1 (`cargo test`)
# compares alertlint with. Needs the oracles (Debian packages `prometheus`,
# `prometheus-alertmanager`; or PROMTOOL=, AMTOOL=). Review the diff before committing it: a
# changed verdict is either a newer oracle or an input that changed.
#
#   scripts/record-oracles.sh            # every recording
#   scripts/record-oracles.sh promtool_  # only the tests whose names match
set -euo pipefail
cd "$(dirname "$0")/.."
ALERTLINT_RECORD=1 cargo test --features oracle --test oracle -- "${1:-recorded_}"
# The recordings just written must hold: tier 1 against them, the oracle tier as a check.
cargo test --test promtool_parity --test amtool_oracle --test unittest_recorded
cargo test --features oracle --test oracle -- "${1:-recorded_}"
git status --short fixtures/oracle
