#!/usr/bin/env python3
"""Alerts published by alertsim, consumed and decoded by standard tooling.

Starts `alertsim broker serve` (the in-process Kafka-protocol broker, or
with `--engine kafka` a local Apache Kafka 4.1.0 cluster of three brokers
with the topic at 45 partitions, RF 3, min ISR 2) and `alertsim
registry serve` (empty) as separate processes, publishes generated alerts
with `alertsim publish alerts --registry ...`, then reads the topic back with
Confluent's Python client (librdkafka): every message must carry Rubin's
schema id 1100 in its wire header (deterministic ids, the default), and the
registry must serve under 1100 exactly what production's sync job imports
(the Parsing Canonical Form of the official v11.0 schema) with subject
`lsst-alerts-v11.0-value` holding it. Each message is decoded twice: with
Confluent's AvroDeserializer, which fetches the writer schema by the id in
the wire header from the registry, and with fastavro and the official v11.0
schema of the reference directory (inlined at run time; nothing is copied
into the project). Prints one line per check and 'N passed, M failed';
exits 1 on a failure.

Usage: VENV/bin/python scripts/kafka_confluent_check.py
       [--alertsim target/debug/alertsim] [--schemas DIR] [--count N]
       [--engine tansu|kafka]
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")

import fastavro
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry_confluent_check import DEFAULT_SCHEMAS, Checks, Fail, inline_alert_schema  # noqa: E402

TOPIC = "lsst-alerts-v11"
# Rubin's deterministic id of the 11.0 schema: major * 100 + minor.
RUBIN_ID = 1100


class Service:
    """An alertsim server process that prints `listening on ADDR` first."""

    def __init__(self, args):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise SystemExit(f"{args[1]} did not start: {line!r} {self.proc.stderr.read()}")
        self.address = line.removeprefix("listening on ")

    def stop(self):
        self.proc.terminate()
        # A Kafka cluster's brokers get a controlled shutdown first.
        return self.proc.wait(timeout=60)


def broker_args(alertsim, engine, partitions):
    """`alertsim broker serve` for `engine`, with the alert topic created."""
    if engine == "kafka":
        return [alertsim, "broker", "serve", "--engine", "kafka", "--brokers", "3", "--topic", TOPIC]
    return [alertsim, "broker", "serve", "--listen", "127.0.0.1:0", "--topic", TOPIC, "--partitions", str(partitions)]


def consume_all(bootstrap, topic=TOPIC, timeout_s=180.0):
    """Every message of `topic`, each partition read from its start to its high watermark.

    The writer has finished before this runs, so each partition's high
    watermark is its end. Reading stops when every partition has reached
    its own, not after a quiet spell: a busy machine can pause longer than
    any quiet spell. The watermarks are those the fetch responses carry
    (librdkafka caches them), not ListOffsets': tansu 0.6's in-memory store
    answers ListOffsets "latest" with the first offset of the partition's
    last record batch plus one, short of the end when that batch holds more
    than one record. Partitions are assigned directly, so no group
    rebalance delays the first fetch. Raises, naming the partitions short
    of their watermark, if they are not all read within `timeout_s`."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"alertsim-check-{os.getpid()}",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 10,
        }
    )
    try:
        partitions = sorted(consumer.list_topics(topic, timeout=30).topics[topic].partitions)
        if not partitions:
            raise RuntimeError(f"topic {topic} has no partitions")
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        next_offset = {p: 0 for p in partitions}

        def short_of_end():
            ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), cached=True)[1] for p in partitions}
            # A watermark below 0 is one no fetch response has carried yet.
            return {p: (next_offset[p], end) for p, end in ends.items() if end < 0 or next_offset[p] < end}

        messages, deadline = [], time.monotonic() + timeout_s
        while short := short_of_end():
            if time.monotonic() > deadline:
                raise RuntimeError(f"partitions not read to their high watermark in {timeout_s:.0f} s "
                                   f"(partition: (next offset, watermark)): {short}")
            message = consumer.poll(0.1)
            if message is None:
                continue
            if message.error():
                raise RuntimeError(message.error())
            messages.append(message)
            next_offset[message.partition()] = message.offset() + 1
        return messages
    finally:
        consumer.close()


def decode_ids(messages, official):
    """The diaSourceIds of wire-format messages decoded with fastavro and the official schema.

    Each message must be exactly one record: a body longer than the schema
    reads (trailing bytes) fails, as a consumer reading a stream of records
    would misread the next one."""
    ids = set()
    for m in messages:
        value = m.value()
        if value[0] != 0:
            raise AssertionError(f"magic byte {value[0]}")
        body = io.BytesIO(value[5:])
        record = fastavro.schemaless_reader(body, official)
        left = len(value) - 5 - body.tell()
        if left:
            raise AssertionError(f"{left} bytes after the record of diaSourceId "
                                 f"{record['diaSource']['diaSourceId']}")
        ids.add(record["diaSource"]["diaSourceId"])
    return ids


def wire_ids(messages):
    """The schema ids in the messages' Confluent wire headers (magic byte 0, then a big-endian int)."""
    ids = set()
    for m in messages:
        value = m.value()
        if value[0] != 0:
            raise AssertionError(f"magic byte {value[0]}")
        ids.add(int.from_bytes(value[1:5], "big"))
    return ids


def registry_serves_rubin_id(registry_url, official, version="11.0", schema_id=RUBIN_ID):
    """The registry serves `schema_id` with the official schema's Parsing Canonical Form (what the
    sync job posts) under `alert-packet` and `lsst-alerts-v{version}-value`; returns the parsed schema."""
    client = SchemaRegistryClient({"url": registry_url})
    served = client.get_schema(schema_id)
    expected = fastavro.schema.to_parsing_canonical_form(official)
    if served.schema_str != expected:
        raise AssertionError(f"id {schema_id} serves {served.schema_str[:120]!r}..., not the official {version} schema")
    topic_subject = f"lsst-alerts-v{version}-value"
    subjects = client.get_subjects()
    for subject in ("alert-packet", topic_subject):
        if subject not in subjects:
            raise AssertionError(f"no subject {subject} (subjects {subjects})")
    latest = client.get_latest_version(topic_subject)
    if latest.schema_id != schema_id:
        raise AssertionError(f"{topic_subject} holds id {latest.schema_id}")
    return fastavro.parse_schema(json.loads(served.schema_str))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alertsim", default="target/debug/alertsim")
    parser.add_argument("--schemas", default=DEFAULT_SCHEMAS)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--engine", default="tansu", choices=["tansu", "kafka"])
    args = parser.parse_args()
    schema = inline_alert_schema(args.schemas)
    official = fastavro.parse_schema(json.loads(schema) if isinstance(schema, str) else schema)

    broker = Service(broker_args(args.alertsim, args.engine, 3))
    registry = Service([args.alertsim, "registry", "serve", "--listen", "127.0.0.1:0"])
    checks = Checks()
    state = {}
    try:
        def publish():
            with tempfile.TemporaryDirectory() as spool:
                out = subprocess.run(
                    [args.alertsim, "publish", "alerts", "--count", str(args.count), "--kafka", broker.address,
                     "--registry", registry.address, "--profile", "safe", "--spool", spool],
                    capture_output=True, text=True, timeout=300,
                )
            if out.returncode != 0:
                raise RuntimeError(f"exit {out.returncode}: {out.stderr.strip()}")
            summary = json.loads(out.stdout)
            state["summary"] = summary
            return summary["delivered"] == args.count and summary["lost"] == 0

        checks.check(f"alertsim publishes {args.count} alerts through the broker ({args.engine})", publish)

        def consume():
            state["messages"] = consume_all(broker.address)
            return len(state["messages"]) == args.count or Fail(f"{len(state['messages'])} messages")

        checks.check("Confluent's consumer reads every message back", consume)

        def wire_id():
            ids = wire_ids(state["messages"])
            return ids == {RUBIN_ID} or Fail(f"wire ids {sorted(ids)}")

        checks.check(f"every message carries Rubin's schema id {RUBIN_ID} in its wire header", wire_id)

        def served():
            state["served"] = registry_serves_rubin_id(registry.address, official)
            return True

        checks.check(f"the registry serves id {RUBIN_ID} with the official v11.0 schema's canonical form "
                     "(as the sync job imports it), under alert-packet and lsst-alerts-v11.0-value", served)

        def confluent_decode():
            deserializer = AvroDeserializer(SchemaRegistryClient({"url": registry.address}))
            context = SerializationContext(TOPIC, MessageField.VALUE)
            ids = {deserializer(m.value(), context)["diaSource"]["diaSourceId"] for m in state["messages"]}
            state["ids"] = ids
            return len(ids) == args.count or Fail(f"{len(ids)} distinct diaSourceIds")

        checks.check("Confluent's AvroDeserializer decodes each with the registry's schema", confluent_decode)

        def fastavro_decode():
            return decode_ids(state["messages"], official) == state["ids"] or Fail("different diaSourceIds")

        checks.check("fastavro decodes each with the official v11.0 schema", fastavro_decode)

        def headers():
            now_ms = time.time() * 1000
            for m in state["messages"]:
                stamp = dict(m.headers() or [])["producer_timestamp"]
                if not 0 <= now_ms - int(stamp) < 600_000:
                    return Fail(f"producer_timestamp {stamp!r}")
                if m.key() is not None:
                    return Fail("a message has a key")
            return True

        checks.check("every message has a null key and a producer_timestamp header (epoch ms)", headers)
    finally:
        broker.stop()
        registry.stop()
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
