#!/usr/bin/env python3
"""Cross-check `alertsim keda decide --batch` against an independent reference.

The reference below is written from the KEDA ScaledJob formulas in
FACTS.md ("KEDA ScaledJob"), not from alertsim's Rust code. Points that
FACTS.md leaves open are settled from KEDA's own source (tags v2.16.1 to v2.20.2):

* minReplicaCount above maxReplicaCount: KEDA lowers the minimum to the
  maximum and then uses the whole maximum as maxRC (scaledjob_types.go).
* custom strategy: without customScalingRunningJobPercentage the percentage
  string does not parse, so KEDA uses the default strategy; without
  customScalingQueueLengthDeduction 2.20.2 deducts 0 while 2.16.1 to 2.20.1
  dereference a nil pointer and the scale loop dies, creating nothing (the
  top-up to minReplicaCount happens before the strategy, so it still runs).
* accurate: from 2.19 (#7417) the cap test subtracts the pending Jobs.
* the running share is int64(float64(r) * percentage): a float product,
  truncated toward zero.
* a negative number of Jobs is never created.
* several triggers (scaledjob `IsScaledJobActive`): each trigger's scale is
  min(q / t, maxRC) (0 for t = 0); only active triggers count. max keeps a
  trigger whose q is above the kept one (starting from 0), min one whose q
  is below it or when the kept q is 0, and either takes that trigger's q
  and scale; avg and sum average or add q and scale over the active ones.
  The ScaledJob is active when a trigger was kept (any active one for avg
  and sum) or the minimum is above 0; any other calculation name is max.

Usage: keda_reference.py [--binary PATH] [--count N] [--seed S]
Prints "N passed, M failed" and exits 1 when anything failed.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys

STRATEGIES = ("default", "custom", "accurate", "eager")
# The release names `keda decide` takes, and those with each behaviour.
RELEASES = ("2.16", "2.16.1", "2.17", "2.18", "2.19", "2.20", "2.20.2", "current")
CUSTOM_NIL_DEDUCTION_PANICS = ("2.16", "2.16.1", "2.17", "2.18", "2.19", "2.20")
ACCURATE_CAP_WITHOUT_PENDING = ("2.16", "2.16.1", "2.17", "2.18")


def combined(state, max_rc):
    """The triggers combined: (any kept, queue length, scale)."""
    triggers = state.get("triggers") or [state]
    # KEDA reads metric values as float64 (AsApproximateFloat64) and divides
    # in float64; Python floats are the same IEEE doubles.
    readings = []
    for trigger in triggers:
        q = float(trigger["queue_length"])
        t = float(trigger["target"])
        if q > float(trigger["activation"]):
            readings.append((q, min(q / t, float(max_rc)) if t != 0 else 0.0))
    calculation = state.get("multiple_scalers_calculation")
    if calculation in ("avg", "sum"):
        if not readings:
            return False, 0.0, 0.0
        queue = sum(q for q, _ in readings)
        scale = sum(mv for _, mv in readings)
        if calculation == "avg":
            queue, scale = queue / len(readings), scale / len(readings)
        return True, queue, scale
    kept, queue, scale = False, 0.0, 0.0
    for q, mv in readings:
        if calculation == "min":
            better = queue == 0 or q < queue
        else:
            better = q > queue
        if better:
            kept, queue, scale = True, q, mv
    return kept, queue, scale


def reference_create(state):
    """Jobs KEDA creates for one state."""
    lo = state["min_replicas"]
    hi = state["max_replicas"]
    if lo > hi:
        minimum, max_rc = hi, hi
    else:
        minimum, max_rc = lo, hi - lo

    trigger_active, queue, mv = combined(state, max_rc)
    is_active = trigger_active or minimum > 0
    scale_to = math.ceil(queue)
    max_scale = math.ceil(min(mv, max_rc))

    running = state["running"]
    pending = state["pending"]
    if running < minimum:
        eff = minimum - running
        scale_to = eff
    else:
        r = running - minimum
        kind = state["strategy"]
        percentage = state.get("custom_running_percentage")
        deduction = state.get("custom_deduction")
        if kind == "custom" and percentage is None:
            kind = "default"
        if kind == "default":
            eff = max_scale - r
        elif kind == "custom":
            if deduction is None:
                if state["keda_version"] in CUSTOM_NIL_DEDUCTION_PANICS:
                    return 0  # KEDA up to 2.20.1 panics on the nil deduction
                deduction = 0
            share = int(float(r) * float(percentage))  # int() truncates toward zero
            eff = min(max_scale - deduction - share, max_rc)
        elif kind == "accurate":
            if state["keda_version"] in ACCURATE_CAP_WITHOUT_PENDING:
                over = max_scale + r > max_rc
            else:
                over = max_scale + r - pending > max_rc
            eff = max_rc - r if over else max_scale - pending
        elif kind == "eager":
            eff = min(max_rc - r - pending, max_scale)
            scale_to = max_rc
        else:
            raise ValueError(f"unknown strategy {kind}")
    if is_active and eff > 0:
        return max(0, min(scale_to, eff))
    return 0


def random_number(rng, low, high):
    """An integer most of the time, sometimes a short decimal."""
    if rng.random() < 0.8:
        return rng.randint(low, high)
    return round(rng.uniform(low, high), 2)


def random_trigger(rng, cap):
    return {
        "queue_length": rng.choice((-1, 0, 1, 2)) if rng.random() < 0.15 else random_number(rng, -1, 3 * cap),
        "target": rng.choice((0, 1, 1, 1, 2, 5, 10)) if rng.random() < 0.7 else random_number(rng, 0, 20),
        "activation": rng.choice((0, 1, 1, 2)) if rng.random() < 0.8 else rng.randint(-2, 10),
    }


def random_state(rng):
    version = rng.choice(RELEASES)
    strategy = rng.choice(STRATEGIES)
    shape = rng.random()
    if shape < 0.3:  # Rubin-like
        min_replicas = 3
        max_replicas = rng.choice((1700, 600, 100, 30))
    elif shape < 0.9:
        min_replicas = rng.randint(0, 20)
        max_replicas = rng.randint(0, 200)
    else:  # minimum above maximum, zero maximum
        max_replicas = rng.randint(0, 10)
        min_replicas = max_replicas + rng.randint(0, 10)
    cap = max_replicas + min_replicas + 50
    running = rng.randint(0, cap)
    pending = rng.randint(0, running) if rng.random() < 0.95 else rng.randint(0, cap)
    state = {
        "strategy": strategy,
        "keda_version": version,
        "min_replicas": min_replicas,
        "max_replicas": max_replicas,
        "running": running,
        "pending": pending,
    }
    if rng.random() < 0.25:  # two to four triggers
        state["triggers"] = [random_trigger(rng, cap) for _ in range(rng.randint(2, 4))]
        calculation = rng.choice((None, "max", "min", "avg", "sum"))
        if calculation is not None:
            state["multiple_scalers_calculation"] = calculation
    else:
        state.update(random_trigger(rng, cap))
    if strategy == "custom" or rng.random() < 0.1:
        if rng.random() < 0.85:
            state["custom_deduction"] = rng.randint(-5, 20)
        elif rng.random() < 0.5:
            state["custom_deduction"] = None
        if rng.random() < 0.85:
            state["custom_running_percentage"] = rng.choice((0, 0.5, 1, 1.0, 0.25, 0.7, 0.29, 0.57)) if rng.random() < 0.5 else round(rng.uniform(-0.5, 2.0), 2)
    return state


def default_binary():
    env = os.environ.get("ALERTSIM_BIN")
    if env:
        return env
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    return os.path.join(target, "debug", "alertsim")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=default_binary(), help="the alertsim executable")
    parser.add_argument("--count", type=int, default=5000, help="random states to check")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    states = [random_state(rng) for _ in range(args.count)]
    batch = "".join(json.dumps(s) + "\n" for s in states)
    run = subprocess.run(
        [args.binary, "keda", "decide", "--batch"],
        input=batch,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        print(f"alertsim exited {run.returncode}: {run.stderr.strip()}", file=sys.stderr)
        return 2
    answers = run.stdout.splitlines()
    if len(answers) != len(states):
        print(f"expected {len(states)} answers, got {len(answers)}", file=sys.stderr)
        return 2

    failed = 0
    for number, (state, line) in enumerate(zip(states, answers), start=1):
        expected = reference_create(state)
        got = json.loads(line).get("create")
        if got != expected:
            failed += 1
            if failed <= 10:
                print(f"line {number}: expected {expected}, got {got}: {json.dumps(state)}")
    several = sum(1 for s in states if "triggers" in s)
    print(f"{len(states) - failed} passed, {failed} failed ({several} states with several triggers)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
