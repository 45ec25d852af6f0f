#!/usr/bin/env python3
"""Read alertsim's OpenMetrics output with the Prometheus project's own Python
parser (prometheus_client.openmetrics.parser, which refuses what the
OpenMetrics text format does not allow).

1. `alertsim sim smoke --metrics-out F`: F parses; each series has one sample
   per report.json sample, stamped at the night's start plus the sample's
   time, with the report's value.
2. `alertsim load smoke --metrics-listen 127.0.0.1:0`: the address is read
   from stderr, /metrics is scraped until alerts have been handed to the
   producers and parses; the run is then stopped with Ctrl-C.

Prints one line per check and 'N passed, M failed'; exits 1 on a failure.

Usage: python scripts/metrics_prometheus_check.py [--alertsim target/debug/alertsim]
"""

import argparse
import json
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from prometheus_client.openmetrics.parser import text_string_to_metric_families

NIGHT_START_UNIX_S = 1_767_225_600
COLUMNS = {
    "lag": "alertsim_stream_lag",
    "jobs_running": "alertsim_jobs_running",
    "jobs_pending": "alertsim_jobs_pending",
    "pods_busy": "alertsim_pods_busy",
    "publisher_backlog": "alertsim_publisher_backlog",
    "delivered_per_s": "alertsim_delivered_alerts_per_second",
    "mbit_per_s": "alertsim_delivered_megabits_per_second",
}

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")


def sim_file(alertsim, work):
    out, path = work / "sim", work / "smoke.om"
    subprocess.run(
        [alertsim, "sim", "smoke", "--out", str(out), "--metrics-out", str(path)],
        check=True,
        capture_output=True,
    )
    report = json.loads((out / "report.json").read_text())
    families = {f.name: f for f in text_string_to_metric_families(path.read_text())}
    check("sim --metrics-out parses as OpenMetrics", True)
    series = report["series"]
    for field, metric in COLUMNS.items():
        family = families.get(metric)
        if family is None:
            check(f"{metric} present", False, "missing")
            continue
        got = [(s.value, s.timestamp.sec + s.timestamp.nsec / 1e9) for s in family.samples]
        want = [(v, NIGHT_START_UNIX_S + t) for v, t in zip(series[field], series["t_s"])]
        same = len(got) == len(want) and all(
            g[0] == w[0] and abs(g[1] - w[1]) < 1e-6 for g, w in zip(got, want)
        )
        check(f"{metric}: report.json's {len(want)} samples and times", same, f"{got[:3]} vs {want[:3]}")


def live_endpoint(alertsim, work):
    run = subprocess.Popen(
        [alertsim, "load", "smoke", "--time-scale", "10", "--metrics-listen", "127.0.0.1:0",
         "--out", str(work / "load")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = threading.Event()
    address = []

    def read_stderr():
        for line in run.stderr:
            m = re.match(r"metrics: serving OpenMetrics at (http://\S+/metrics)", line)
            if m and not address:
                address.append(m.group(1))
                found.set()

    threading.Thread(target=read_stderr, daemon=True).start()
    try:
        if not found.wait(60):
            check("load --metrics-listen prints its address", False, "no address in 60 s")
            return
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(address[0], timeout=10) as response:
                    text = response.read().decode()
            except OSError:
                time.sleep(0.1)
                continue
            families = {f.name: f for f in text_string_to_metric_families(text)}
            handed = families["alertsim_alerts_handed"].samples[0].value
            if handed > 0:
                check("load /metrics parses as OpenMetrics", True)
                check(
                    "the latency histogram and each reader's lag are there",
                    "alertsim_alert_latency_seconds" in families
                    and len(families["alertsim_reader_lag"].samples) == 2,
                    str(sorted(families)),
                )
                return
            time.sleep(0.1)
        check("load /metrics shows alerts handed", False, "none within 120 s")
    finally:
        run.send_signal(signal.SIGINT)
        run.wait(timeout=120)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alertsim", default="target/debug/alertsim")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        sim_file(args.alertsim, pathlib.Path(work))
        live_endpoint(args.alertsim, pathlib.Path(work))
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
