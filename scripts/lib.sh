# shellcheck shell=bash
# Common environment for scripts/*.sh; source it, do not run it.
#
# - REPO: the repository root (the crate root and the site root).
# - TOOLS: .tools/ in the repo, where setup.sh installs npm tools (gitignored).
# - PATH: .tools/node_modules/.bin first, so the npm `wasm-opt` (binaryen 132)
#   wins over Debian's /usr/bin/wasm-opt (binaryen 108), which builds wasm that
#   fails at run time with "WebAssembly.Table.set(): Argument 1 is invalid".
#   Then ~/.cargo/bin, for wasm-bindgen, wasm-bindgen-test-runner and wasm-pack.
# - CHROMEDRIVER: Debian's driver, so nothing tries to download one.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$REPO/.tools"
export REPO TOOLS

# Versions of the npm tools, pinned; setup.sh skips a tool already at its pin.
BINARYEN_VERSION="132.0.0"
PLAYWRIGHT_CORE_VERSION="1.64.1"

CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$TOOLS/node_modules/.bin:$CARGO_HOME/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

# wasm-pack fails with a bare "No such file or directory (os error 2)" when
# WASM_PACK_CACHE names a folder that does not exist.
if [[ -n "${WASM_PACK_CACHE:-}" ]]; then
    mkdir -p "$WASM_PACK_CACHE"
fi

if [[ -n "${RUSTFLAGS:-}" ]]; then
    echo "warning: RUSTFLAGS is set ('$RUSTFLAGS'); it replaces the wasm32 rustflags" \
        "(+simd128) of .cargo/config.toml and rebuilds everything" >&2
fi

# Print one status line: `step: what`.
say() { printf '%-22s %s\n' "$1:" "$2"; }

# The wasm-bindgen version pinned by Cargo.lock (the CLI must match it exactly).
wasm_bindgen_lock_version() {
    awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' \
        "$REPO/Cargo.lock"
}

# Fail unless the wasm-opt that wasm-pack will find is the npm one.
require_npm_wasm_opt() {
    local found
    found="$(command -v wasm-opt || true)"
    if [[ "$found" != "$TOOLS/node_modules/.bin/wasm-opt" ]]; then
        echo "error: wasm-opt on PATH is '${found:-none}', expected $TOOLS/node_modules/.bin/wasm-opt;" \
            "run scripts/setup.sh" >&2
        exit 1
    fi
}

# Run a command as a named step and print how long it took.
step() {
    local name="$1"
    shift
    local start=$SECONDS
    echo "==> $name"
    "$@"
    echo "==> $name: ok ($((SECONDS - start)) s)"
}
