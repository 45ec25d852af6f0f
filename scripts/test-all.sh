#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine. It installs what cargo cannot
# (redis-server, fitsverify and chromium from Debian's packages; fastavro and astropy from PyPI into a
# venv), then runs formatting, lints, every Rust test (the tests start their
# own redis-server and other services), and the cross-language checks:
# alerts decoded by fastavro with the official schema, cutouts opened by
# astropy, KEDA decisions compared with an independent Python implementation
# and with KEDA's own Go code at each supported release (Go module proxy),
# the registry driven by Confluent's client, and published alerts consumed
# and decoded by Confluent's client and fastavro, a short run of every fuzz
# target (scripts/fuzz.sh), and a load run against
# services started outside it, every alert decoded with the official schema.
# The tests that meet Apache Kafka 4.1.0 fetch it from Maven Central once
# (into ~/.cache/alertsim/kafka-4.1.0, pinned by SHA-256) with `mvn` and run
# it with `java`; both come from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export ALERTSIM_VENV="${ALERTSIM_VENV:-$HOME/.cache/alertsim/venv}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing_debs=()
command -v redis-server >/dev/null 2>&1 || missing_debs+=(redis-server)
command -v fitsverify >/dev/null 2>&1 || missing_debs+=(fitsverify)
# Headless Chromium for tests/browser_pages.rs (report, compare and sweep pages).
command -v chromium >/dev/null 2>&1 || missing_debs+=(chromium)
if [ "${#missing_debs[@]}" -gt 0 ]; then
    echo "== installing ${missing_debs[*]} (Debian packages)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_debs[@]}"
fi

if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
    echo "== installing Java 17 and Maven (Debian packages) for the local Apache Kafka cluster"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven
fi

echo "== Apache Kafka 4.1.0 class path (fetched from Maven Central on the first run, then checked)"
kafka_fetch_start=$(date +%s)
cargo test -p alertsim-loadgen --test kafka_cluster -- --nocapture
echo "Apache Kafka fetch or check, cluster start and election drill: $(( $(date +%s) - kafka_fetch_start )) s"

echo "== cargo fmt"
cargo fmt --all -- --check

echo "== the IO-free crates depend on no IO crate (ARCHITECTURE.md, invariants)"
io_deps="$(cargo tree -p alertsim-core -p alertsim-plan -p alertsim-sim -e normal --prefix none \
    | grep -E '^(tokio|redis|rdkafka|reqwest|axum|kube|hyper) ' || true)"
if [ -n "$io_deps" ]; then
    echo "IO crates in the dependency tree of alertsim-core, alertsim-plan or alertsim-sim:" >&2
    echo "$io_deps" >&2
    exit 1
fi

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== the containers feature compiles (its tests need a Docker engine)"
cargo clippy -p alertsim-integration --all-targets --features containers -- -D warnings

echo "== cargo test"
cargo test --workspace

echo "== KEDA's own Go code at each supported release against keda decide --batch (tests/keda-parity)"
bash scripts/keda-parity.sh "$CARGO_TARGET_DIR/debug/alertsim"

echo "== fuzz targets, 20 s each (scripts/fuzz.sh; longer runs: fuzz/README.md)"
ALERTSIM_FUZZ_TARGET_DIR="$CARGO_TARGET_DIR/fuzz" bash scripts/fuzz.sh 20

echo "== cross-language checks (fastavro, astropy)"
bash scripts/check-alerts-python.sh "$CARGO_TARGET_DIR/debug/alertsim"

echo "== alertsim's OpenMetrics (sim --metrics-out, load --metrics-listen) read by prometheus_client's parser"
if ! "$ALERTSIM_VENV/bin/python" -c "import prometheus_client" 2>/dev/null; then
    "$ALERTSIM_VENV/bin/pip" install --quiet prometheus_client
fi
"$ALERTSIM_VENV/bin/python" scripts/metrics_prometheus_check.py --alertsim "$CARGO_TARGET_DIR/debug/alertsim"

echo "== Confluent's schema registry client against alertsim registry serve"
if ! "$ALERTSIM_VENV/bin/python" -c "import confluent_kafka.schema_registry.avro, httpx, fastavro" 2>/dev/null; then
    "$ALERTSIM_VENV/bin/pip" install --quiet "confluent-kafka[schemaregistry,avro]" httpx fastavro
fi
"$ALERTSIM_VENV/bin/python" scripts/registry_confluent_check.py \
    --alertsim "$CARGO_TARGET_DIR/debug/alertsim" \
    --schemas "$repo/../shared/reference/alert-schemas/11_0"

echo "== alerts through a broker (tansu, then an Apache Kafka 4.1 cluster), consumed by Confluent's client, decoded by its deserializer and fastavro"
for engine in tansu kafka; do
    "$ALERTSIM_VENV/bin/python" scripts/kafka_confluent_check.py \
        --alertsim "$CARGO_TARGET_DIR/debug/alertsim" \
        --schemas "$repo/../shared/reference/alert-schemas/11_0" \
        --engine "$engine"
done

echo "== alertsim load (task and process Jobs) against a broker, Redis and a registry started outside it; every alert decoded with fastavro; counts vs report.json (sim against load: tests/cli_sim_vs_load.rs)"
for jobs in task process; do
    "$ALERTSIM_VENV/bin/python" scripts/load_confluent_check.py \
        --alertsim "$CARGO_TARGET_DIR/debug/alertsim" \
        --schemas "$repo/../shared/reference/alert-schemas/11_0" \
        --jobs "$jobs"
done
echo "== the same load check against an Apache Kafka 4.1 cluster (3 brokers, the topic at RF 3, min ISR 2)"
"$ALERTSIM_VENV/bin/python" scripts/load_confluent_check.py \
    --alertsim "$CARGO_TARGET_DIR/debug/alertsim" \
    --schemas "$repo/../shared/reference/alert-schemas/11_0" \
    --jobs task --engine kafka
