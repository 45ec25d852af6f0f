#!/usr/bin/env python3
"""Exercise `alertsim registry serve` with Confluent's own Python client.

Registers the official Rubin v11 alert schema (built at run time by inlining the
named sub-schemas of the reference directory; nothing is copied into the project),
reads it back by id, looks it up, checks compatibility, uses IMPORT mode to keep
Rubin's id 1100, serializes and deserializes a sample alert through Confluent's
Avro serde, restarts the server on the same data directory and reads everything
again. Prints one line per check and 'N passed, M failed'; exits 1 on a failure.

Usage: /work/venv/bin/python scripts/registry_confluent_check.py
       [--alertsim target/debug/alertsim] [--schemas DIR]
"""

import argparse
import copy
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import warnings

# confluent-kafka imports authlib's httpx integration, which warns on import.
warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")

import fastavro
import httpx
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

DEFAULT_SCHEMAS = "/work/shared/reference/alert-schemas/11_0"
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


def full_name(schema):
    name = schema["name"]
    return name if "." in name else f"{schema['namespace']}.{name}"


def inline_alert_schema(directory):
    """The alert schema with each named type defined at its first use."""
    named = {}
    alert = None
    for path in sorted(pathlib.Path(directory).glob("*.avsc")):
        schema = json.loads(path.read_text())
        named[full_name(schema)] = schema
        if schema["name"] == "alert":
            alert = schema
    if alert is None:
        raise SystemExit(f"no alert schema in {directory}")
    defined = {full_name(alert)}

    def walk(node):
        if isinstance(node, str):
            if node in named and node not in defined:
                defined.add(node)
                return walk(copy.deepcopy(named[node]))
            return node
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            out = dict(node)
            if node.get("type") == "record":
                out["fields"] = [dict(f, type=walk(f["type"])) for f in node["fields"]]
            elif node.get("type") == "array":
                out["items"] = walk(node["items"])
            elif node.get("type") == "map":
                out["values"] = walk(node["values"])
            elif isinstance(node.get("type"), (dict, list)) or node.get("type") in named:
                out["type"] = walk(node["type"])
            return out
        return node

    return json.dumps(walk(copy.deepcopy(alert)))


class Server:
    """`alertsim registry serve` on a free loopback port."""

    def __init__(self, binary, data_dir):
        self.proc = subprocess.Popen(
            [binary, "registry", "serve", "--listen", "127.0.0.1:0", "--data", data_dir],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise SystemExit(f"server did not start: {line!r} {self.proc.stderr.read()}")
        self.url = line.removeprefix("listening on ")

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=10)


class Fail(str):
    """A check's result that fails it, with the reason (a plain string is a
    passing check's detail)."""


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, func):
        try:
            result = func()
            ok = result is not False and not isinstance(result, Fail)
            detail = "" if result in (None, True, False) else f" ({result})"
        except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
            ok, detail = False, f" ({type(exc).__name__}: {exc})"
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'PASS' if ok else 'FAIL'} {name}{detail}", flush=True)


def same_json(a, b):
    return json.loads(a) == json.loads(b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = pathlib.Path(__file__).resolve().parent.parent
    target = os.environ.get("CARGO_TARGET_DIR", str(root / "target"))
    parser.add_argument("--alertsim", default=os.path.join(target, "debug", "alertsim"))
    parser.add_argument("--schemas", default=DEFAULT_SCHEMAS)
    args = parser.parse_args()

    alert_schema = inline_alert_schema(args.schemas)
    # A v11 variant with a new field without default: not backward compatible.
    incompatible = json.loads(alert_schema)
    incompatible["fields"].append({"name": "extraFlag", "type": "long"})
    incompatible = json.dumps(incompatible)
    sample_path = pathlib.Path(args.schemas) / "sample_data" / "fakeAlert.avro"
    with open(sample_path, "rb") as f:
        sample = next(iter(fastavro.reader(f)))

    checks = Checks()
    state = {}
    data_dir = tempfile.mkdtemp(prefix="registry-check-")
    server = Server(args.alertsim, data_dir)
    client = SchemaRegistryClient({"url": server.url})
    subject = "alerts-v11-value"

    def register():
        state["id"] = client.register_schema(subject, Schema(alert_schema, "AVRO"))
        return f"id {state['id']}"

    checks.check("register the v11 alert schema", register)
    checks.check(
        "registering again gives the same id",
        lambda: SchemaRegistryClient({"url": server.url}).register_schema(
            subject, Schema(alert_schema, "AVRO")
        ) == state["id"],
    )
    checks.check(
        "read back by id",
        lambda: same_json(
            SchemaRegistryClient({"url": server.url}).get_schema(state["id"]).schema_str,
            alert_schema,
        ),
    )
    checks.check(
        "lookup finds version 1",
        lambda: (lambda r: r.schema_id == state["id"] and r.version == 1)(
            client.lookup_schema(subject, Schema(alert_schema, "AVRO"))
        ),
    )
    checks.check(
        "latest version",
        lambda: (lambda r: r.schema_id == state["id"] and r.version == 1)(
            client.get_latest_version(subject)
        ),
    )
    checks.check("subjects list", lambda: client.get_subjects() == [subject])
    checks.check(
        "same schema is compatible",
        lambda: client.test_compatibility(subject, Schema(alert_schema, "AVRO")) is True,
    )
    checks.check(
        "new field without default is not BACKWARD compatible",
        lambda: client.test_compatibility(subject, Schema(incompatible, "AVRO")) is False,
    )
    def incompatible_register():
        try:
            client.register_schema(subject, Schema(incompatible, "AVRO"))
        except Exception as exc:  # noqa: BLE001
            return getattr(exc, "error_code", None) == 409 and getattr(exc, "http_status_code", None) == 409
        return False

    checks.check("registering it anyway gives 409", incompatible_register)
    checks.check(
        "set subject compatibility NONE",
        lambda: client.set_compatibility(subject, "NONE") == {"compatibility": "NONE"},
    )
    checks.check(
        "under NONE it is compatible",
        lambda: client.test_compatibility(subject, Schema(incompatible, "AVRO")) is True,
    )
    checks.check("subject compatibility reads NONE", lambda: client.get_compatibility(subject) == "NONE")

    def unknown_id():
        try:
            SchemaRegistryClient({"url": server.url}).get_schema(987654)
        except Exception as exc:  # noqa: BLE001
            return getattr(exc, "error_code", None) == 40403 and getattr(exc, "http_status_code", None) == 404
        return False

    checks.check("unknown id gives 404 / 40403", unknown_id)
    checks.check(
        "IMPORT mode on subject alert-packet",
        lambda: client.update_mode("alert-packet", "IMPORT") == "IMPORT",
    )

    def import_1100():
        answer = httpx.post(
            f"{server.url}/subjects/alert-packet/versions",
            content=json.dumps({"schema": alert_schema, "schemaType": "AVRO", "id": 1100}),
            headers={"Content-Type": CONTENT_TYPE},
        )
        answer.raise_for_status()
        return answer.json()["id"] == 1100

    checks.check("register with Rubin's id 1100", import_1100)
    checks.check(
        "read 1100 back by id",
        lambda: same_json(SchemaRegistryClient({"url": server.url}).get_schema(1100).schema_str, alert_schema),
    )

    def serde_round_trip(url, schema_id):
        reg = SchemaRegistryClient({"url": url})
        serializer = AvroSerializer(
            reg, alert_schema, conf={"auto.register.schemas": False, "use.latest.version": True}
        )
        ctx = SerializationContext("alert-packet", MessageField.VALUE)
        payload = serializer(sample, ctx)
        wire_id = int.from_bytes(payload[1:5], "big")
        decoded = AvroDeserializer(reg)(payload, ctx)
        if payload[0] != 0 or wire_id != schema_id:
            return False
        return decoded["diaSourceId"] == sample["diaSourceId"] and decoded["diaSource"] == sample["diaSource"]

    # Confluent's serializer resolves the subject from the topic: "alert-packet-value".
    def serde_setup():
        client.update_mode("alert-packet-value", "IMPORT")
        answer = httpx.post(
            f"{server.url}/subjects/alert-packet-value/versions",
            content=json.dumps({"schema": alert_schema, "id": 1100}),
            headers={"Content-Type": "application/json"},
        )
        answer.raise_for_status()
        return answer.json()["id"] == 1100

    checks.check("register 1100 under alert-packet-value", serde_setup)
    checks.check(
        "Confluent Avro serde round trip of the sample alert (wire id 1100)",
        lambda: serde_round_trip(server.url, 1100),
    )

    checks.check("server stops cleanly", lambda: server.stop() == 0)
    server = Server(args.alertsim, data_dir)
    after = SchemaRegistryClient({"url": server.url})
    checks.check(
        "after restart: read back by id",
        lambda: same_json(after.get_schema(state["id"]).schema_str, alert_schema),
    )
    checks.check(
        "after restart: id 1100 still there",
        lambda: same_json(after.get_schema(1100).schema_str, alert_schema),
    )
    checks.check(
        "after restart: subjects and versions",
        lambda: after.get_subjects() == sorted([subject, "alert-packet", "alert-packet-value"])
        and after.get_versions(subject) == [1],
    )
    checks.check("after restart: compatibility NONE kept", lambda: after.get_compatibility(subject) == "NONE")
    checks.check(
        "after restart: registering again gives the same id",
        lambda: after.register_schema(subject, Schema(alert_schema, "AVRO")) == state["id"],
    )
    checks.check(
        "after restart: serde round trip",
        lambda: serde_round_trip(server.url, 1100),
    )
    checks.check(
        "delete subject returns its versions",
        lambda: after.delete_subject(subject) == [1],
    )
    server.stop()
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
