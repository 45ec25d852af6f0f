#!/usr/bin/env bash
# Independent cross-language check of the alerts alertsim generates:
# fastavro decodes them with the OFFICIAL Rubin 11.0 schema files and astropy
# opens every cutout with warnings as errors (scripts/check_alerts.py).
#
# Usage: scripts/check-alerts-python.sh [ALERTSIM_BINARY]
#   ALERTSIM_BINARY  the built binary (default: cargo run --release)
# Environment:
#   ALERTSIM_VENV    Python venv to create/use (default /work/venv)
#   ALERTSIM_SCHEMAS official schema directory
#                    (default ../shared/reference/alert-schemas/11_0 from the repo root)
#   COUNT, SEED      how many alerts, which seed (default 400, 7)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${ALERTSIM_VENV:-/work/venv}"
schemas="${ALERTSIM_SCHEMAS:-$repo/../shared/reference/alert-schemas/11_0}"
count="${COUNT:-400}"
seed="${SEED:-7}"

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating venv $venv"
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import fastavro, astropy, numpy" 2>/dev/null; then
    echo "== installing fastavro astropy numpy into $venv"
    "$venv/bin/pip" install --quiet fastavro astropy numpy
fi

if [ $# -ge 1 ]; then
    alertsim=("$1")
else
    alertsim=(cargo run --quiet --release --manifest-path "$repo/Cargo.toml" --)
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== generating $count alerts (seed $seed), wire and container formats"
"${alertsim[@]}" alerts generate --count "$count" --seed "$seed" --out "$out/wire" \
    --solar-system-fraction 0.1
"${alertsim[@]}" alerts generate --count "$count" --seed "$seed" --out "$out/container" \
    --solar-system-fraction 0.1 --format container

echo "== decoding with fastavro and the official schema in $schemas"
"$venv/bin/python" "$repo/scripts/check_alerts.py" --schema-dir "$schemas" "$out/wire" "$out/container"
