#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a fixed budget each: coverage-guided
# libFuzzer (the cargo-fuzz targets), built on the stable toolchain with
# the same SanitizerCoverage instrumentation cargo-fuzz uses, without
# AddressSanitizer (which needs nightly; `cargo +nightly fuzz run TARGET`
# adds it, see fuzz/README.md). Overflow checks and debug assertions are
# on. A crash or a timeout fails the script and leaves the input in
# fuzz/artifacts/TARGET/.
#
#   bash scripts/fuzz.sh            # every target, 20 s each (CI)
#   bash scripts/fuzz.sh 600 scenario report_json   # longer, some targets
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

budget="${1:-20}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(wire_decode scenario recorder_json report_json keda_batch_line)
fi

export CARGO_TARGET_DIR="${ALERTSIM_FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$repo/target}/fuzz}"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"

# An explicit --target keeps the instrumentation off build scripts and
# proc macros, as cargo-fuzz does.
host="$(rustc -vV | sed -n 's/^host: //p')"
# ALERTSIM_FUZZ_PROFILE=release gives the fully optimised build for long runs;
# the default (fuzz/Cargo.toml, profile fuzz-ci) builds faster, for short runs.
profile="${ALERTSIM_FUZZ_PROFILE:-fuzz-ci}"
echo "== building the fuzz targets (libFuzzer, SanitizerCoverage, stable toolchain, profile $profile)"
cargo build --profile "$profile" --manifest-path fuzz/Cargo.toml --bins --target "$host"

for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    artifacts="fuzz/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    seeds=()
    [ -d "fuzz/seeds/$target" ] && seeds+=("fuzz/seeds/$target")
    [ "$target" = scenario ] && seeds+=("scenarios/catalog")
    echo "== fuzz $target for ${budget} s"
    "$CARGO_TARGET_DIR/$host/$profile/$target" "$corpus" "${seeds[@]}" \
        -max_total_time="$budget" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" 2>"$artifacts/log.txt" || {
        tail -40 "$artifacts/log.txt"
        echo "fuzz target $target failed: the input is in $artifacts/"
        exit 1
    }
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|Done [0-9]+ runs" "$artifacts/log.txt" || true
done
