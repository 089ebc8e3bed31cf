#!/usr/bin/env bash
# The benchmark of issue 7 (`make bench`): W1-W4, the cloning workload and the theory evaluation natively (one
# thread, all cores) and in headless Chromium (one Worker, the Worker pool), the NumPy peer, and the page's budget
# (gzipped wasm, first plot, theory redraw); one table on stdout, everything in bench-results.json.
#
#   scripts/bench.sh              setup (with numpy/scipy), release web build, then scripts/bench.mjs
#   scripts/bench.sh --no-build   skip setup and builds (www/pkg and www/bench/pkg already built)
#
# Environment knobs are documented at the top of scripts/bench.mjs (BENCH_REPEATS, BENCH_WORKLOADS, ...).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

BUILD=1
for arg in "$@"; do
    case "$arg" in
        --no-build) BUILD=0 ;;
        *)
            echo "bench.sh: unknown argument '$arg'" >&2
            exit 2
            ;;
    esac
done

if ((BUILD)); then
    step "setup" "$REPO/scripts/setup.sh" --bench
    step "release web build" "$REPO/scripts/build.sh"
    step "bench web build (the page's core plus the workloads)" "$REPO/scripts/build.sh" --bench
fi
echo "==> load before: $(uptime)"
node "$REPO/scripts/bench.mjs"
