#!/usr/bin/env bash
# Encode/decode speed of alertsim's direct Avro codec next to fastavro's, on the
# reference alert (about 61 KB on the wire), one core each. Also proves that
# standard tooling in another language (fastavro, with the OFFICIAL schema files)
# decodes our wire bytes and re-encodes them identically.
#
# Usage: scripts/bench-vs-fastavro.sh [COUNT]
# Env:   VENV (default /work/venv), ALERT_SCHEMA_DIR (default: ../shared/... beside
#        the repo, else /work/shared/...), FASTAVRO_COUNT (default 200),
#        CARGO_TARGET_DIR.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-20000}"
fastavro_count="${FASTAVRO_COUNT:-200}"
venv="${VENV:-/work/venv}"

schema_dir="${ALERT_SCHEMA_DIR:-}"
if [[ -z "$schema_dir" ]]; then
    for candidate in "$repo/../shared/reference/alert-schemas/11_0" \
                     "$repo/../../shared/reference/alert-schemas/11_0" \
                     /work/shared/reference/alert-schemas/11_0; do
        if [[ -f "$candidate/lsst.v11_0.alert.avsc" ]]; then schema_dir="$candidate"; break; fi
    done
fi
if [[ -z "$schema_dir" || ! -f "$schema_dir/lsst.v11_0.alert.avsc" ]]; then
    echo "official 11.0 schema files not found; set ALERT_SCHEMA_DIR" >&2
    exit 2
fi

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import fastavro" 2>/dev/null; then
    "$venv/bin/pip" install --quiet fastavro
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$repo"
rust_json="$(cargo run --quiet --release -p alertsim-core --example write_reference_alert -- \
    "$work/reference_alert.avro" --container "$work/reference_batch.avro" --bench "$count" | tail -n 1)"

fastavro_json="$("$venv/bin/python" "$repo/scripts/fastavro_bench.py" \
    --schema-dir "$schema_dir" --alert "$work/reference_alert.avro" \
    --container "$work/reference_batch.avro" --count "$fastavro_count")"

echo "alertsim: $rust_json"
echo "fastavro: $fastavro_json"
"$venv/bin/python" - "$rust_json" "$fastavro_json" <<'PY'
import json, sys
rust, fast = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print()
print(f"{'reference alert':<22}{'alertsim':>14}{'fastavro ' + fast['fastavro_version']:>18}{'ratio':>10}")
for key, label in (("encode_alerts_per_s", "encode alerts/s"), ("decode_alerts_per_s", "decode alerts/s")):
    print(f"{label:<22}{rust[key]:>14,.0f}{fast[key]:>18,.1f}{rust[key] / fast[key]:>9.0f}x")
print(f"{'alert bytes':<22}{rust['alert_bytes']:>14,}{fast['alert_bytes']:>18,}")
ok = fast["decoded_with_official_schema"] and fast["reencode_identical"]
print(f"fastavro decodes our bytes with the official schema: {'yes' if ok else 'NO: ' + str(fast['problems'])}")
print(f"fastavro re-encodes them byte-identically: {'yes' if fast['reencode_identical'] else 'NO'}")
print(f"fastavro reads our container file: {fast['container_alerts']} alerts")
sys.exit(0 if ok else 1)
PY
