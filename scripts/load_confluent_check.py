#!/usr/bin/env python3
"""`alertsim load` against services started outside it, checked by standard tooling.

Starts a Kafka-protocol broker (`alertsim broker serve`: the in-process
one, or with `--engine kafka` a local Apache Kafka 4.1.0 cluster of three
brokers with the topic at 45 partitions, RF 3, min ISR 2), the schema
registry (`alertsim registry serve`) and `redis-server` as separate
processes (the registry empty), runs `alertsim load smoke` against them,
then reads the whole topic with Confluent's Python client (librdkafka):
every message must carry Rubin's schema id 1100 in its wire header
(deterministic ids, the default), the registry must serve under 1100 what
production's sync job imports (the official v11.0 schema's Parsing
Canonical Form, subjects `alert-packet` and `lsst-alerts-v11.0-value`), and
every message is decoded with fastavro twice: with the schema read by id
from the registry and with the official v11.0 schema of the reference
directory (inlined at run time; nothing is copied into the project). The counts are
compared with the run's report.json, and the same scenario is simulated
with `alertsim sim` and compared with `alertsim compare`. With
`--jobs process` the worker Jobs are child processes (`alertsim worker
--load-run`) that reach the services by the flags they are given, as a
Kubernetes pod would. Prints one line per check and 'N passed, M failed';
exits 1 on a failure.

Usage: VENV/bin/python scripts/load_confluent_check.py
       [--alertsim target/debug/alertsim] [--schemas DIR] [--time-scale X]
       [--jobs task|process] [--engine tansu|kafka]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import fastavro

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_confluent_check import (  # noqa: E402
    RUBIN_ID, Service, broker_args, consume_all, decode_ids, registry_serves_rubin_id, wire_ids)
from registry_confluent_check import DEFAULT_SCHEMAS, Checks, Fail, inline_alert_schema  # noqa: E402


class RedisServer:
    """redis-server on a unix socket in a temporary directory."""

    def __init__(self, directory):
        self.socket = os.path.join(directory, "redis.sock")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.socket, "--save", "", "--appendonly", "no",
             "--dir", directory],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("redis-server did not start")
            time.sleep(0.05)
        self.url = f"redis+unix://{self.socket}"

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-s", self.socket, *args], capture_output=True, text=True, timeout=30)
        return out.stdout.strip()

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alertsim", default="target/debug/alertsim")
    parser.add_argument("--schemas", default=DEFAULT_SCHEMAS)
    parser.add_argument("--time-scale", default="20")
    parser.add_argument("--jobs", default="task", choices=["task", "process"])
    parser.add_argument("--engine", default="tansu", choices=["tansu", "kafka"])
    args = parser.parse_args()
    schema = inline_alert_schema(args.schemas)
    official = fastavro.parse_schema(json.loads(schema) if isinstance(schema, str) else schema)

    work = tempfile.TemporaryDirectory()
    # On the cluster the topic is created replicated before the run (the
    # run would create a missing one with a single replica).
    broker = Service(broker_args(args.alertsim, args.engine, 45) if args.engine == "kafka"
                     else [args.alertsim, "broker", "serve", "--listen", "127.0.0.1:0"])
    registry = Service([args.alertsim, "registry", "serve", "--listen", "127.0.0.1:0"])
    redis = RedisServer(work.name)
    checks = Checks()
    state = {}
    load_out = os.path.join(work.name, "load")
    try:
        # A production stream that a load run must leave alone.
        redis.cli("XADD", "instrument:lsstcam", "*", "marker", "production")

        def load():
            out = subprocess.run(
                [args.alertsim, "load", "smoke", "--time-scale", args.time_scale, "--kafka", broker.address,
                 "--redis", redis.url, "--registry", registry.address, "--set", "publisher.profile=safe",
                 "--jobs", args.jobs, "--out", load_out],
                capture_output=True, text=True, timeout=900,
            )
            # Exit 3: the run ended but the generator could not keep up on
            # this machine (load-info.json says saturated); the counts and
            # decoding checked below still hold.
            if out.returncode not in (0, 1, 3) or not os.path.exists(os.path.join(load_out, "report.json")):
                raise RuntimeError(f"exit {out.returncode}: {out.stderr.strip()[-2000:]}")
            with open(os.path.join(load_out, "report.json")) as f:
                state["report"] = json.load(f)
            with open(os.path.join(load_out, "load-info.json")) as f:
                state["info"] = json.load(f)
            if state["info"]["local_services"]:
                return Fail(f"started {state['info']['local_services']} itself")
            if state["info"]["jobs"] != args.jobs or state["info"]["workers_unreported"]:
                return Fail(f"jobs {state['info']['jobs']}, unreported {state['info']['workers_unreported']}")
            alerts = state["report"]["alerts"]
            return alerts["produced"] > 0 or Fail("no alerts produced")

        checks.check(f"alertsim load runs smoke against the external broker ({args.engine}), Redis and registry "
                     f"(--jobs {args.jobs})",
                     load)

        def consume():
            state["messages"] = consume_all(broker.address, topic=state["info"]["topic"])
            return len(state["messages"]) > 0 or Fail("no messages")

        checks.check("Confluent's consumer reads the topic", consume)

        def redis_untouched():
            length = redis.cli("XLEN", "instrument:lsstcam")
            left = redis.cli("KEYS", "*alertsim-load*")
            return (length == "1" and left == "") or Fail(f"production stream length {length!r}, left behind {left!r}")

        checks.check("the production stream is untouched; the run's own stream and worker keys are gone",
                     redis_untouched)

        def decode():
            state["ids"] = decode_ids(state["messages"], official)
            return True

        checks.check("fastavro decodes every message with the official v11.0 schema", decode)

        def wire_id():
            ids = wire_ids(state["messages"])
            recorded = state["info"]["schema_id"]
            if recorded["id"] != RUBIN_ID or not recorded["deterministic_ids"]:
                return Fail(f"load-info.json schema_id {recorded}")
            return ids == {RUBIN_ID} or Fail(f"wire ids {sorted(ids)}")

        checks.check(f"every message carries Rubin's schema id {RUBIN_ID}, as load-info.json records", wire_id)

        def registry_decode():
            served = registry_serves_rubin_id(registry.address, official)
            ids = decode_ids(state["messages"], served)
            return ids == state["ids"] or Fail("different diaSourceIds")

        checks.check(f"the registry serves id {RUBIN_ID} as the sync job imports it (official v11.0 canonical form, "
                     "alert-packet and lsst-alerts-v11.0-value); every message decodes with the schema read by id",
                     registry_decode)

        def counts():
            alerts = state["report"]["alerts"]
            consumed, distinct = len(state["messages"]), len(state["ids"])
            detail = (f"report produced {alerts['produced']} delivered {alerts['delivered']} "
                      f"duplicated {alerts['duplicated']}; topic {consumed} messages, {distinct} distinct; "
                      f"the run's readers received "
                      f"{sorted({c['received'] for c in state['report']['consumers']})}")
            ok = (distinct == alerts["delivered"] - alerts["duplicated"]
                  and consumed == alerts["delivered"]
                  and all(c["received"] == consumed for c in state["report"]["consumers"]))
            return detail if ok else Fail(detail)

        checks.check("the topic holds exactly what report.json counts as delivered", counts)

        def planned():
            night = state["report"]["config"]["night"]
            expected = night["visits"] * night["active_detectors"] * night["alerts_per_detector"]["value"]
            produced = state["report"]["alerts"]["produced"]
            if state["info"]["generator"]["verdict"]["saturated"]:
                # A saturated run (exit 3) may miss the alerts of detectors
                # that failed, and only those (tests/support/load_run.rs).
                visits = state["report"]["per_visit"]
                short = [v for v in visits if v["produced"] < v["alerts"] and v["failed_detectors"] == 0]
                called_for = sum(v["alerts"] for v in visits)
                ok = called_for == expected and not short and produced == sum(v["produced"] for v in visits)
                return ok or Fail(f"saturated: produced {produced}, planned {expected}, short without a failed "
                                  f"detector: {short[:3]}")
            return produced == expected or Fail(f"produced {produced}, planned {expected}")

        checks.check("every planned alert of smoke was produced (5 visits x 20 detectors x 50), or in a saturated "
                     "run all but those of failed detectors", planned)

        def receipt():
            # Apache Kafka stamps the broker's append time (the topic has
            # LogAppendTime): every consumer times the receipt stage.
            stages = {c["name"]: c["receipt_s"] for c in state["report"]["consumers"]}
            ok = all(0 < r["p50"] <= r["max"] for r in stages.values())
            return ok or Fail(f"receipt stages {stages}")

        if args.engine == "kafka":
            checks.check("every consumer timed the receipt stage from the broker's log-append time", receipt)

        # Whether the load run agrees with the simulator is checked in
        # tests/cli_sim_vs_load.rs, at a time scale this machine sustains;
        # this check is about what reached Kafka.
    finally:
        broker.stop()
        registry.stop()
        redis.stop()
        work.cleanup()
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
