#!/usr/bin/env bash
# Measures the CPU one Redis command costs, for the simulator's Redis CPU
# model (`redis.cost_us.*`, scenarios/SCENARIO.md). Starts its own
# redis-server on a free port, drives each command the model uses with
# redis-benchmark (many clients, one command in flight per client, no
# pipelining: as 1,700 idle workers each send one command at a time), and
# reports two figures per command:
#
# - proc_us: the server process's CPU time (utime + stime from
#   /proc/PID/stat) over the run divided by the calls. It includes reading
#   the request, parsing and writing the reply (the system calls), which is
#   what a Kubernetes CPU limit meters: the model's default.
# - cmd_us: `usec_per_call` from `INFO commandstats`: the command's own
#   execution only.
#
# Usage: scripts/redis-costs.sh [calls per command, default 200000]
#        [clients, default 50]
# Needs redis-server, redis-cli and redis-benchmark (Debian/Ubuntu:
# `apt-get install -y redis-server`). Prints a table (Markdown) on stdout.
set -euo pipefail

CALLS=${1:-200000}
CLIENTS=${2:-50}
for tool in redis-server redis-cli redis-benchmark; do
    command -v "$tool" >/dev/null || {
        echo "redis-costs: $tool not found (apt-get install -y redis-server)" >&2
        exit 2
    }
done

# A free port: ask the kernel through a throwaway listener.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DIR=$(mktemp -d)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$DIR" --daemonize no --loglevel warning >"$DIR/server.log" 2>&1 &
PID=$!
cleanup() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    rm -rf "$DIR"
}
trap cleanup EXIT

cli() { redis-cli -p "$PORT" "$@"; }
for _ in $(seq 100); do
    cli PING >/dev/null 2>&1 && break
    sleep 0.05
done
cli PING >/dev/null

TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

# One detector event as the fan-out writes it (the 17 fields of
# core::fanout, values of a typical size).
EVENT=(salIndex 2 scriptSalIndex 101 instrument LSSTCam
    groupId 2026-11-22T03:12:45.123 coordinateSystem 2
    position "[120.25, -30.5]" startTime 1795318365.123 rotationSystem 2
    cameraAngle 45.0 filters r_57 dome 2 duration 30.0 nimages 1
    survey BLOCK-365 totalCheckpoints 0 private_sndStamp 1795318402.123
    detector 94)

# measure NAME ARGS...: runs ARGS CALLS times and prints one table row.
measure() {
    local name=$1
    shift
    cli CONFIG RESETSTAT >/dev/null
    local before after
    before=$(cpu_ticks)
    redis-benchmark -p "$PORT" -n "$CALLS" -c "$CLIENTS" -P 1 -q "$@" >/dev/null
    after=$(cpu_ticks)
    # The command's own statistics line: cmdstat_<name>:calls=..,usec=..,usec_per_call=..
    local cmd
    cmd=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
    [ "$cmd" = xinfo ] && cmd="xinfo|groups"
    local stats
    stats=$(cli INFO commandstats | tr -d '\r' | grep "^cmdstat_${cmd}:")
    local calls usec_per_call
    calls=$(printf '%s' "$stats" | sed -E 's/^[^:]*:calls=([0-9]+),.*/\1/')
    usec_per_call=$(printf '%s' "$stats" | sed -E 's/.*usec_per_call=([0-9.]+).*/\1/')
    awk -v n="$name" -v t=$((after - before)) -v tck="$TCK" -v c="$calls" -v u="$usec_per_call" \
        'BEGIN { printf "| %s | %d | %.2f | %.2f |\n", n, c, t * 1e6 / tck / c, u }' | tee -a "$DIR/rows"
}
# proc_us of the row named $1.
proc_us() { awk -F' [|] ' -v n="$1" '$1 == "| " n { print $3 }' "$DIR/rows"; }

echo "| command | calls | proc_us | cmd_us |"
echo "| --- | --- | --- | --- |"
# An empty stream with its group: what an idle worker reads.
cli XGROUP CREATE idle g '$' MKSTREAM >/dev/null
measure PING PING
measure "XREADGROUP (empty)" XREADGROUP GROUP g c COUNT 1 STREAMS idle '>'
# The fan-out's writes fill the stream the reads below take from.
cli XGROUP CREATE s g '$' MKSTREAM >/dev/null
measure XADD XADD s '*' "${EVENT[@]}"
measure "XREADGROUP (entry)" XREADGROUP GROUP g c COUNT 1 STREAMS s '>'
# Every entry of group g is now pending. redis-benchmark cannot send a
# different id with each call, so the acknowledgements (one per entry, in
# order) go through redis-cli, one client and one round trip per call (a
# PING from that one client beside it shows what one client adds).
ids=$(cli XRANGE s - + COUNT "$CALLS" | grep -E '^[0-9]+-[0-9]+$')
# one_client NAME CMD...: the commands on stdin, one client, one at a time.
one_client() {
    local name=$1 cmd=$2
    cli CONFIG RESETSTAT >/dev/null
    local before after stats calls usec_per_call
    before=$(cpu_ticks)
    cli >/dev/null
    after=$(cpu_ticks)
    stats=$(cli INFO commandstats | tr -d '\r' | grep "^cmdstat_${cmd}:")
    calls=$(printf '%s' "$stats" | sed -E 's/^[^:]*:calls=([0-9]+),.*/\1/')
    usec_per_call=$(printf '%s' "$stats" | sed -E 's/.*usec_per_call=([0-9.]+).*/\1/')
    awk -v n="$name" -v t=$((after - before)) -v tck="$TCK" -v c="$calls" -v u="$usec_per_call" \
        'BEGIN { printf "| %s | %d | %.2f | %.2f |\n", n, c, t * 1e6 / tck / c, u }' | tee -a "$DIR/rows"
}
printf '%s\n' "$ids" | awk '{print "XACK s g " $1}' | one_client "XACK (one client)" xack
seq "$CALLS" | sed 's/.*/PING/' | one_client "PING (one client)" ping
# KEDA's reads (a group with entries read, the lag computed).
measure "INFO server" INFO server
measure "XINFO GROUPS" XINFO GROUPS s
# Pending entries for XPENDING and XAUTOCLAIM: read everything again
# through a second group without acknowledging.
cli XGROUP CREATE s p 0 >/dev/null
cli XREADGROUP GROUP p c COUNT "$CALLS" STREAMS s '>' >/dev/null
measure XPENDING XPENDING s p
measure XAUTOCLAIM XAUTOCLAIM s p c2 0 0-0 COUNT 1
# The same XACK load from many clients (each call acks an id that is not
# pending: the cost of the lookup, the command and the reply, a lower
# bound for XACK).
measure "XACK (many clients)" XACK s p 0-1
# XACK as many clients would send it: the many-client figure (an id that
# is not pending) plus what acknowledging a real pending entry adds to the
# command's own execution (commandstats, which a client's overhead does
# not touch). The one-client process figures vary with scheduling.
cmd_us() { awk -F' [|] ' -v n="$1" '$1 == "| " n { sub(/ [|]$/, "", $4); print $4 }' "$DIR/rows"; }
awk -v many="$(proc_us 'XACK (many clients)')" -v real="$(cmd_us 'XACK (one client)')" \
    -v none="$(cmd_us 'XACK (many clients)')" \
    'BEGIN { printf "| XACK (derived: many clients + real - not pending cmd_us) | | %.2f | |\n", many + real - none }'
echo
echo "machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs;" \
    "$(redis-server --version | cut -d' ' -f1-3); calls $CALLS, clients $CLIENTS; $(date -u +%F)"
