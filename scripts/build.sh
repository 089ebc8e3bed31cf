#!/usr/bin/env bash
# Release web build: the wasm module and its JS glue into www/pkg/ (`--bench`: the bench build into www/bench/pkg/).
#
# wasm-pack runs `cargo build --profile wasm-release --target wasm32-unknown-unknown`
# (SIMD flags from .cargo/config.toml; the profile in Cargo.toml optimizes the hot
# kernels of crates/kernels for speed and the rest for size), then wasm-bindgen,
# then wasm-opt -O with the npm binaryen first on PATH. `--mode no-install` guarantees it never downloads a tool.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

# `--bench`: the bench build instead, into www/bench/pkg/: the same core plus the workload exports (`--features
# bench`, src/wasm/bench.rs) that www/bench/pool-worker.js runs; the page's wasm leaves them out.
out=www/pkg
features=()
case "${1:-}" in
    "") ;;
    --bench) out=www/bench/pkg; features=(-- --features bench) ;;
    *) echo "build.sh: unknown argument '$1' (expected --bench or nothing)" >&2; exit 2 ;;
esac

require_npm_wasm_opt
wasm-pack build --profile wasm-release --target web --out-dir "$out" --mode no-install "${features[@]}"

wasm="$(ls "$out"/*_bg.wasm)"
echo "built $wasm ($(stat -c %s "$wasm") bytes)"
