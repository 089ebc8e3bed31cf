#!/usr/bin/env bash
# Write dist/: a self-contained static site (index.html, www/ with www/pkg/),
# ready to copy to any static host. Builds first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

"$REPO/scripts/build.sh"

rm -rf dist
mkdir -p dist
cp index.html LICENSE-MIT LICENSE-APACHE CITATION.cff dist/
cp -r www dist/www
rm -rf dist/www/bench # the benchmark page's files (bench.html is not shipped)
# wasm-pack's bookkeeping is not part of the site. Its `*` .gitignore would also
# hide the whole package if dist/ were ever pushed to a pages branch.
rm -f dist/www/pkg/.gitignore dist/www/pkg/package.json dist/www/pkg/README.md
find dist -name node_modules -prune -exec rm -rf {} +
find dist -name '*.d.ts' -delete

# Every relative src/href in dist/index.html must resolve inside dist/.
missing=0
while read -r ref; do
    ref="${ref%%[?#]*}"
    [[ -z "$ref" ]] && continue
    if [[ ! -e "dist/${ref#./}" ]]; then
        echo "dist: index.html references missing file '$ref'" >&2
        missing=1
    fi
done < <(grep -oE '(src|href)="[^"]+"' dist/index.html | sed -E 's/^[a-z]+="//; s/"$//' |
    grep -vE '^(https?:|data:|mailto:|#|/)' || true)
# Every relative module import (`from "./x.js"`, `new URL("./x.js", import.meta.url)`) in dist/www/*.js too.
for js in dist/www/*.js; do
    while read -r ref; do
        if [[ ! -e "$(dirname "$js")/$ref" ]]; then
            echo "dist: $js references missing file '$ref'" >&2
            missing=1
        fi
    done < <(grep -oE "(from |URL\()[\"'](\./|\.\./)[^\"']+[\"']" "$js" | sed -E "s/^(from |URL\()[\"']//; s/[\"']$//" || true)
done
((missing == 0))

echo "dist/ written: $(find dist -type f | wc -l) files, $(du -sh dist | cut -f1)"
