#!/usr/bin/env python3
"""Decode alertsim's reference alert with fastavro and the OFFICIAL schema, then time fastavro.

Reads a Confluent wire-format file (0x00, schema ID big-endian int32, Avro datum),
decodes it with fastavro's schemaless reader using the official lsst.v11_0.alert
schema (named sub-schemas loaded from the same directory), checks the shape of the
alert and that fastavro re-encodes it to the very same bytes, optionally reads an
object container file, and times schemaless encode/decode. Prints one JSON object.
"""

import argparse
import io
import json
import sys
import time

import fastavro
from fastavro.schema import load_schema

SCHEMA_ID = 1100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schema-dir", required=True, help="directory with lsst.v11_0.*.avsc")
    parser.add_argument("--alert", required=True, help="wire-format file of one alert")
    parser.add_argument("--container", help="optional Avro object container file to read")
    parser.add_argument("--count", type=int, default=200, help="iterations per timing loop")
    args = parser.parse_args()

    schema = load_schema(f"{args.schema_dir}/lsst.v11_0.alert.avsc")
    with open(args.alert, "rb") as f:
        message = f.read()
    problems = []
    if len(message) < 5 or message[0] != 0:
        problems.append("bad magic byte")
    schema_id = int.from_bytes(message[1:5], "big", signed=True)
    if schema_id != SCHEMA_ID:
        problems.append(f"schema id {schema_id} != {SCHEMA_ID}")
    datum = message[5:]

    stream = io.BytesIO(datum)
    alert = fastavro.schemaless_reader(stream, schema, None)
    if stream.tell() != len(datum):
        problems.append(f"{len(datum) - stream.tell()} bytes left after the datum")

    # Every field of diaSource, diaObject and diaForcedSource is filled.
    records = [("diaSource", alert["diaSource"]), ("diaObject", alert["diaObject"])]
    records += [("prvDiaSources", r) for r in alert["prvDiaSources"] or []]
    records += [("prvDiaForcedSources", r) for r in alert["prvDiaForcedSources"] or []]
    nulls = sorted({f"{where}.{k}" for where, r in records for k, v in r.items() if v is None})
    if nulls:
        problems.append(f"null fields: {nulls[:5]}")
    shape = {
        "prvDiaSources": len(alert["prvDiaSources"] or []),
        "prvDiaForcedSources": len(alert["prvDiaForcedSources"] or []),
        "cutout_bytes": [len(alert[c] or b"") for c in ("cutoutDifference", "cutoutScience", "cutoutTemplate")],
        "ssSource_is_null": alert["ssSource"] is None,
        "diaSourceId_matches": alert["diaSourceId"] == alert["diaSource"]["diaSourceId"],
    }

    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, alert)
    reencode_identical = out.getvalue() == datum
    if not reencode_identical:
        problems.append("fastavro re-encodes the alert to different bytes")

    container_alerts = None
    if args.container:
        with open(args.container, "rb") as f:
            container_alerts = sum(1 for _ in fastavro.reader(f, reader_schema=schema))

    start = time.perf_counter()
    for _ in range(args.count):
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, schema, alert)
    encode_s = time.perf_counter() - start

    start = time.perf_counter()
    for _ in range(args.count):
        fastavro.schemaless_reader(io.BytesIO(datum), schema, None)
    decode_s = time.perf_counter() - start

    result = {
        "fastavro_version": fastavro.__version__,
        "decoded_with_official_schema": not problems,
        "problems": problems,
        "shape": shape,
        "reencode_identical": reencode_identical,
        "container_alerts": container_alerts,
        "count": args.count,
        "encode_alerts_per_s": args.count / encode_s,
        "decode_alerts_per_s": args.count / decode_s,
        "alert_bytes": len(message),
    }
    print(json.dumps(result))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
