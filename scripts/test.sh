#!/usr/bin/env bash
# Everything CI runs, fast steps first (HOUSE_STYLE "Checks"):
#   setup, fmt, clippy native, clippy wasm32, docs, native tests, browser tests
#   (wasm-bindgen-test in headless Chromium), release web build, page tests (e2e/).
#
#   scripts/test.sh              all steps
#   scripts/test.sh --no-setup   skip scripts/setup.sh (tools known to be there)
#
# Stops at the first failing step. The last line printed is the page-test summary
# `N passed, M failed`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

SETUP=1
for arg in "$@"; do
    case "$arg" in
        --no-setup) SETUP=0 ;;
        *)
            echo "test.sh: unknown argument '$arg'" >&2
            exit 2
            ;;
    esac
done

if ((SETUP)); then
    step "setup" "$REPO/scripts/setup.sh"
fi

step "cargo fmt --check" cargo fmt --all --check

step "clippy (native, all targets)" \
    cargo clippy --workspace --all-targets -- -D warnings

# The browser boundary (src/wasm/) compiles only for wasm32; lint it there too.
# Only the lib and tests/web.rs: the CLI binary and the native tests are native-only.
wasm_clippy_targets=(--lib)
if [[ -f tests/web.rs ]]; then
    wasm_clippy_targets+=(--test web)
fi
step "clippy (wasm32)" \
    cargo clippy --target wasm32-unknown-unknown "${wasm_clippy_targets[@]}" -- -D warnings
step "clippy (wasm32, the bench build's exports)" \
    cargo clippy --target wasm32-unknown-unknown --lib --features bench -- -D warnings
step "clippy (wasm32, kernels)" \
    cargo clippy --target wasm32-unknown-unknown -p regimes-kernels --lib -- -D warnings

step "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# Lib, bins and integration tests; not `--all-targets`, which would run the harness-less benchmarks (full
# workloads) as tests. The benches are still compiled and linted by the clippy step above; doctests run below.
step "cargo test (native)" cargo test --workspace --lib --bins --tests
step "cargo test --doc" cargo test --workspace --doc

# Only tests/web.rs runs in the browser. Debian's chromedriver and the wasm-bindgen
# CLI on PATH, plus --mode no-install, mean wasm-pack downloads nothing.
# webdriver.json at the crate root adds Chromium flags.
# WASM_BINDGEN_TEST_TIMEOUT: per-test limit in seconds (the runner's default is 20).
if [[ -f tests/web.rs ]]; then
    step "wasm-pack test (headless Chromium)" \
        env WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}" \
        wasm-pack test --headless --chrome --chromedriver "$CHROMEDRIVER" --mode no-install \
        -- --test web
else
    echo "error: tests/web.rs is missing: no browser tests to run" >&2
    exit 1
fi

step "release web build" "$REPO/scripts/build.sh"

echo "==> page tests (e2e/)"
node "$REPO/e2e/run.mjs"
