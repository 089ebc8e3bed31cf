#!/usr/bin/env bash
# Install every tool the build and the tests need, idempotently.
#
#   scripts/setup.sh            wasm target, wasm-bindgen-cli, wasm-pack, Chromium +
#                               chromedriver, npm binaryen + playwright-core in .tools/
#   scripts/setup.sh --bench    also numpy + scipy (for `make bench`)
#
# Each step is skipped when its tool is already present at the right version, so a
# second run takes seconds. Only package registries are reachable on these machines
# (crates.io, PyPI, Debian, npm): nothing here downloads a prebuilt binary from
# anywhere else. See shared TOOLCHAIN.md for why each choice was made.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH=0
for arg in "$@"; do
    case "$arg" in
        --bench) BENCH=1 ;;
        -h | --help)
            sed -n '2,11p' "$0"
            exit 0
            ;;
        *)
            echo "setup.sh: unknown argument '$arg'" >&2
            exit 2
            ;;
    esac
done

setup_rust() {
    if ! command -v cargo > /dev/null; then
        echo "error: cargo not found; install Rust with rustup first" >&2
        exit 1
    fi
    local installed
    installed="$(rustup target list --installed)"
    if grep -qx wasm32-unknown-unknown <<< "$installed"; then
        say "wasm32 target" "skipped (installed)"
    else
        rustup target add wasm32-unknown-unknown
        say "wasm32 target" "installed"
    fi
    installed="$(rustup component list --installed)"
    local component
    for component in rustfmt clippy; do
        if grep -q "^$component" <<< "$installed"; then
            say "$component" "skipped (installed)"
        else
            rustup component add "$component"
            say "$component" "installed"
        fi
    done
}

setup_wasm_bindgen() {
    local want have
    want="$(wasm_bindgen_lock_version)"
    if [[ -z "$want" ]]; then
        echo "error: no wasm-bindgen entry in $REPO/Cargo.lock" >&2
        exit 1
    fi
    have="$(wasm-bindgen --version 2> /dev/null | awk '{print $2}' || true)"
    if [[ "$have" == "$want" ]] && command -v wasm-bindgen-test-runner > /dev/null; then
        say "wasm-bindgen-cli" "skipped ($have)"
    else
        # No --locked: the CLI's own lockfile pins a webpki-roots version that the
        # registry reachable here lacks.
        cargo install wasm-bindgen-cli --version "$want" --force
        say "wasm-bindgen-cli" "installed ($want)"
    fi
}

setup_wasm_pack() {
    if command -v wasm-pack > /dev/null; then
        say "wasm-pack" "skipped ($(wasm-pack --version | awk '{print $2}'))"
    else
        cargo install wasm-pack --locked
        say "wasm-pack" "installed ($(wasm-pack --version | awk '{print $2}'))"
    fi
}

setup_chromium() {
    if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
        say "chromium" "skipped ($(/usr/bin/chromium --version 2> /dev/null | awk '{print $2}'))"
    else
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
        say "chromium" "installed ($(/usr/bin/chromium --version 2> /dev/null | awk '{print $2}'))"
    fi
}

# Version of an npm package installed in .tools/, or nothing.
npm_tool_version() {
    local manifest="$TOOLS/node_modules/$1/package.json"
    [[ -f "$manifest" ]] && node -p "require('$manifest').version" 2> /dev/null || true
}

setup_npm_tools() {
    local wanted=() name version
    for spec in "binaryen@$BINARYEN_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION"; do
        name="${spec%@*}"
        version="${spec##*@}"
        if [[ "$(npm_tool_version "$name")" == "$version" ]]; then
            say "$name" "skipped ($version)"
        else
            wanted+=("$spec")
        fi
    done
    if ((${#wanted[@]})); then
        mkdir -p "$TOOLS"
        npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "${wanted[@]}"
        for spec in "${wanted[@]}"; do
            say "${spec%@*}" "installed (${spec##*@})"
        done
    fi
    # Debian's binaryen (wasm-opt 108) builds wasm that fails on the page; lib.sh puts the
    # npm wasm-opt first on PATH, and require_npm_wasm_opt checks that it wins.
    if [[ -x /usr/bin/wasm-opt ]]; then
        say "Debian wasm-opt" "present at /usr/bin/wasm-opt (broken output): shadowed by .tools/node_modules/.bin"
    fi
    require_npm_wasm_opt
    say "wasm-opt on PATH" "$(command -v wasm-opt)"
}

setup_bench() {
    if python3 -c 'import numpy, scipy' 2> /dev/null; then
        say "numpy, scipy" "skipped (installed)"
    else
        python3 -m pip install --quiet numpy scipy
        say "numpy, scipy" "installed"
    fi
}

start=$SECONDS
setup_rust
setup_wasm_bindgen
setup_wasm_pack
setup_chromium
setup_npm_tools
if ((BENCH)); then
    setup_bench
fi
say "setup" "done ($((SECONDS - start)) s)"
