#!/usr/bin/env bash
# Release web build: the wasm module and its JS glue into www/pkg/.
#
# wasm-pack runs `cargo build --profile wasm-release --target wasm32-unknown-unknown`
# (SIMD flags from .cargo/config.toml; the profile in Cargo.toml optimizes the hot
# kernels of crates/kernels for speed and the rest for size), then wasm-bindgen,
# then wasm-opt -O with the npm binaryen first on PATH. `--mode no-install` guarantees it never downloads a tool.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

require_npm_wasm_opt
wasm-pack build --profile wasm-release --target web --out-dir www/pkg --mode no-install

wasm="$(ls www/pkg/*_bg.wasm)"
echo "built $wasm ($(stat -c %s "$wasm") bytes)"
