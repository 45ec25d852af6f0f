#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine. It installs what cargo cannot
# (redis-server from Debian's packages; fastavro and astropy from PyPI into a
# venv), then runs formatting, lints, every Rust test (the tests start their
# own redis-server and other services), and the cross-language checks:
# alerts decoded by fastavro with the official schema, cutouts opened by
# astropy, KEDA decisions compared with an independent Python implementation,
# the registry driven by Confluent's client, and published alerts consumed
# and decoded by Confluent's client and fastavro, and a load run against
# services started outside it, every alert decoded with the official schema.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export ALERTSIM_VENV="${ALERTSIM_VENV:-$HOME/.cache/alertsim/venv}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v redis-server >/dev/null 2>&1; then
    echo "== installing redis-server (Debian package)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
fi

echo "== cargo fmt"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== the containers feature compiles (its tests need a Docker engine)"
cargo clippy -p alertsim-tests --all-targets --features containers -- -D warnings

echo "== cargo test"
cargo test --workspace

echo "== cross-language checks (fastavro, astropy)"
bash scripts/check-alerts-python.sh "$CARGO_TARGET_DIR/debug/alertsim"

echo "== Confluent's schema registry client against alertsim registry serve"
if ! "$ALERTSIM_VENV/bin/python" -c "import confluent_kafka.schema_registry.avro, httpx, fastavro" 2>/dev/null; then
    "$ALERTSIM_VENV/bin/pip" install --quiet "confluent-kafka[schemaregistry,avro]" httpx fastavro
fi
"$ALERTSIM_VENV/bin/python" scripts/registry_confluent_check.py \
    --alertsim "$CARGO_TARGET_DIR/debug/alertsim" \
    --schemas "$repo/../shared/reference/alert-schemas/11_0"

echo "== alerts through a broker, consumed by Confluent's client, decoded by its deserializer and fastavro"
"$ALERTSIM_VENV/bin/python" scripts/kafka_confluent_check.py \
    --alertsim "$CARGO_TARGET_DIR/debug/alertsim" \
    --schemas "$repo/../shared/reference/alert-schemas/11_0"

echo "== alertsim load (task and process Jobs) against a broker, Redis and a registry started outside it; every alert decoded with fastavro; counts vs report.json; sim vs load with alertsim compare"
for jobs in task process; do
    "$ALERTSIM_VENV/bin/python" scripts/load_confluent_check.py \
        --alertsim "$CARGO_TARGET_DIR/debug/alertsim" \
        --schemas "$repo/../shared/reference/alert-schemas/11_0" \
        --jobs "$jobs"
done
