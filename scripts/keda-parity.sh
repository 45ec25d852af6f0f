#!/usr/bin/env bash
# KEDA parity: for every KEDA release alertsim reproduces, build KEDA's own
# ScaledJob code at that tag (tests/keda-parity/<tag>, one Go module each,
# github.com/kedacore/keda/v2 from the Go module proxy) and compare its
# decision with `alertsim keda decide --batch --keda-version X` on random
# states; every state must agree. Then run KEDA's own unit-test cases at
# that tag against alertsim (tests/keda-parity/tables reads them from the
# module source: pkg/scaling/executor/scale_jobs_test.go for the strategies
# and the minimum, pkg/scaling/scale_handler_test.go's table for several
# triggers): every case run must match the value KEDA's test expects, and
# a tag with no case found fails.
#
# Usage: scripts/keda-parity.sh ALERTSIM_BINARY [STATES] [RELEASE...]
#   STATES    random states per release (default 5000)
#   RELEASE   alertsim release names to check (default: all of them)
# The Go module and build caches live under $HOME/.cache/alertsim/go, so a
# second run builds nothing (override with ALERTSIM_GO_CACHE).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

alertsim="${1:?usage: scripts/keda-parity.sh ALERTSIM_BINARY [STATES] [RELEASE...]}"
alertsim="$(cd "$(dirname "$alertsim")" && pwd)/$(basename "$alertsim")"
states="${2:-5000}"
shift $(( $# >= 2 ? 2 : 1 ))

# alertsim's release name -> the kedacore/keda tag its table reproduces
# (core/src/scaler/release.rs, KedaVersion::upstream_tag).
declare -A tag_of=(
    [2.16]=v2.16.1 [2.17]=v2.17.0 [2.18]=v2.18.0
    [2.19]=v2.19.0 [2.20]=v2.20.0 [2.20.2]=v2.20.2
)
releases=("$@")
if [ "${#releases[@]}" -eq 0 ]; then
    releases=(2.16 2.17 2.18 2.19 2.20 2.20.2)
fi

if ! command -v go >/dev/null 2>&1; then
    echo "keda-parity: the go command is missing (the polyglot machine ships Go 1.26)" >&2
    exit 1
fi
cache="${ALERTSIM_GO_CACHE:-$HOME/.cache/alertsim/go}"
export GOMODCACHE="$cache/mod" GOCACHE="$cache/build" GOFLAGS="-mod=readonly -modcacherw"
export GOTOOLCHAIN=local
mkdir -p "$cache/bin"
(cd "$repo/tests/keda-parity/tables" && go build -o "$cache/bin/keda-tables" .)

failed=0
for release in "${releases[@]}"; do
    tag="${tag_of[$release]:-}"
    if [ -z "$tag" ]; then
        echo "keda-parity: unknown release $release (expected one of ${!tag_of[*]})" >&2
        exit 2
    fi
    start=$(date +%s)
    (cd "$repo/tests/keda-parity/$tag" && go build -o "$cache/bin/keda-parity-$tag" .)
    built=$(date +%s)
    if ! "$cache/bin/keda-parity-$tag" -alertsim "$alertsim" -keda-version "$release" -states "$states"; then
        failed=1
    fi
    echo "keda-parity $tag: build $(( built - start )) s, compare $(( $(date +%s) - built )) s"
    # KEDA's own test cases, from the module source the build above used;
    # a missing file or a table with no case fails.
    keda_dir="$(cd "$repo/tests/keda-parity/$tag" && go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)"
    if ! "$cache/bin/keda-tables" -alertsim "$alertsim" -keda-version "$release" -tag "$tag" -keda-dir "$keda_dir"; then
        failed=1
    fi
done
exit "$failed"
