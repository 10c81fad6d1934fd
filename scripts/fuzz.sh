#!/usr/bin/env bash
# Fuzzes alertlint's input readers with cargo-fuzz (libFuzzer): builds the targets of fuzz/ and
# runs each for SECONDS (default 30), one after another, starting from the seeds committed in
# fuzz/seeds/<target>/ plus what earlier runs kept in fuzz/corpus/<target>/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      # all targets when none is named
#   scripts/fuzz.sh 600 promql                 # ten minutes of the PromQL target
#
# Targets (fuzz/fuzz_targets/): rules (rule files + every check + every report format),
# promql (parse + evaluate over a fixed storage), series (series notation), template (Go
# templates: check and expand), runbook (Markdown runbooks), alertmanager (Alertmanager
# config + routing + route checks), config (.alertlint.yaml), unittest (promtool test files:
# loader + runner).
#
# The property: no panic, no abort, no stack overflow, no allocation over 2 GiB
# (-rss_limit_mb=2048) and no input taking over 10 s (-timeout=10). Work that alertlint bounds
# by design but that takes longer than that under the instrumentation (subqueries near the
# engine's million-step cap, template `range` over ten million items) is skipped by the
# targets (see fuzz/fuzz_targets/promql.rs, template.rs, unittest.rs).
#
# Needs: cargo-fuzz (`cargo install cargo-fuzz --locked`). Uses a nightly toolchain if rustup
# has one, else the stable one with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes nightly-only flags).
# Everything runs under `nice -n 19`, one target at a time.
#
# Environment:
#   FUZZ_SANITIZER=address|none   default address (none: more executions, fewer checks; use it
#                                 if -Zsanitizer=address does not build on a toolchain)
#   FUZZ_ARGS="..."               extra libFuzzer flags (e.g. "-seed=1", "-only_ascii=1")
#   FUZZ_NO_BUILD=1               run the binaries already built (the sources being edited meanwhile)
#
# Exit status: 0 when no target crashed; 1 when one did (the artifact paths are printed); 2 on
# a usage or build error. A crash does not stop the other targets.
#
# Reproducing a crash, from the repository root, with the toolchain choice above (prefix
# `cargo +nightly fuzz ...`, or `RUSTC_BOOTSTRAP=1 cargo fuzz ...` on stable), and `-s none`
# if the build was FUZZ_SANITIZER=none:
#   cargo fuzz run -a <target> fuzz/artifacts/<target>/<file>   # runs that one input
#   RUST_BACKTRACE=1 cargo fuzz run -a <target> fuzz/artifacts/<target>/<file>
# Minimising it (writes fuzz/artifacts/<target>/minimized-from-<hash>):
#   cargo fuzz tmin -a <target> fuzz/artifacts/<target>/<file>
#   # a timeout or OOM: pass libFuzzer's limits, e.g.
#   cargo fuzz tmin -a <target> fuzz/artifacts/<target>/<file> -- -timeout=10 -rss_limit_mb=2048
# Then add the minimised input to tests/fuzz_regressions.rs, calling the same public entry
# point the target calls, and keep it there once fixed.
#
# Shrinking a grown corpus back to what adds coverage: cargo fuzz cmin <target>.
# Regenerating the seeds from the fixtures: python3 fuzz/make_seeds.py.
set -euo pipefail

secs=${1:-30}
if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
    exit 2
fi
shift || true

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root/fuzz"

if ! command -v cargo-fuzz > /dev/null; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
    exit 2
fi
if command -v rustup > /dev/null && rustup toolchain list | grep -q '^nightly'; then
    cargo=(cargo +nightly)
    shown="cargo +nightly"
    echo "toolchain: $(rustup run nightly rustc --version)"
else
    export RUSTC_BOOTSTRAP=1
    cargo=(cargo)
    shown="RUSTC_BOOTSTRAP=1 cargo"
    echo "toolchain: $(rustc --version) with RUSTC_BOOTSTRAP=1"
fi
sanitizer=${FUZZ_SANITIZER:-address}
# Debug assertions on: integer overflow and debug_assert! panic, as they do in `cargo test`.
flags=(-a --sanitizer "$sanitizer")

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <("${cargo[@]}" fuzz list)
fi

# The longest input worth trying per target (the targets reject longer ones too).
max_len() {
    case $1 in
        promql) echo 512 ;;
        series) echo 1024 ;;
        template) echo 2048 ;;
        config) echo 8192 ;;
        *) echo 16384 ;;
    esac
}

echo "building ${targets[*]} (sanitizer: $sanitizer)"
# One build for all targets, then the binaries are run directly: `cargo fuzz run` would
# rebuild whenever a source file changed in between.
one=()
[ ${#targets[@]} -eq 1 ] && one=("${targets[0]}")
if [ -z "${FUZZ_NO_BUILD:-}" ] && ! nice -n 19 "${cargo[@]}" fuzz build "${flags[@]}" "${one[@]}"; then
    echo "build failed" >&2
    exit 2
fi
triple=$(rustc -vV | sed -n 's/^host: //p')
bin="target/$triple/release"
# What cargo fuzz run would set.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0

crashed=()
summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    seeds=()
    [ -d "seeds/$t" ] && seeds=("seeds/$t")
    dict=()
    [ -f "dicts/$t.dict" ] && dict=("-dict=dicts/$t.dict")
    log="artifacts/$t/last-run.log"
    before=$(find "artifacts/$t" -type f ! -name '*.log' | sort)
    echo "== $t: ${secs}s"
    set +e
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
    nice -n 19 "$bin/$t" -artifact_prefix="artifacts/$t/" "corpus/$t" "${seeds[@]}" \
        -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
        -max_len="$(max_len "$t")" -print_final_stats=1 "${dict[@]}" ${FUZZ_ARGS:-} \
        > "$log" 2>&1
    status=$?
    set -e
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    summary+=("$t: ${execs:-?} executions in ${secs}s, ${cov:-cov: ?}, exit $status")
    after=$(find "artifacts/$t" -type f ! -name '*.log' | sort)
    new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
    if [ $status -ne 0 ] || [ -n "$new" ]; then
        crashed+=("$t")
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|out-of-memory|timeout' "$log" | head -5 || true
        for a in $new; do
            echo "crash artifact: fuzz/$a"
            echo "  reproduce: $shown fuzz run ${flags[*]} $t fuzz/$a"
            echo "  minimise:  $shown fuzz tmin ${flags[*]} $t fuzz/$a -- -timeout=10 -rss_limit_mb=2048"
        done
        echo "  full log: fuzz/$log"
    fi
done

echo
printf '%s\n' "${summary[@]}"
if [ ${#crashed[@]} -gt 0 ]; then
    echo "crashed: ${crashed[*]}"
    exit 1
fi
echo "no crashes"
