#!/usr/bin/env bash
# Serve the repository root (the site root) on http://127.0.0.1:PORT.
#
#   scripts/serve.sh [PORT]     PORT defaults to $PORT, then 8000
#
# Python's http.server serves .wasm as application/wasm; pages with module
# scripts and wasm do not work from file://.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

port="${1:-${PORT:-8000}}"
echo "Serving $REPO at http://127.0.0.1:$port/ (Ctrl-C to stop)"
exec python3 -m http.server --bind 127.0.0.1 "$port"
