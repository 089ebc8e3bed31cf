# Thin entry points; the logic lives in scripts/*.sh (see each script's header).
#
#   make run     install tools, release web build, serve on http://127.0.0.1:$(PORT)
#   make test    everything CI runs (.ci/run calls this)
#   make build   release web build into www/pkg/
#   make dist    self-contained static site in dist/
#   make setup   install the tools only (idempotent; seconds when done)
#   make serve   serve the repository root without building
#   make bench   benchmark table: native, browser (1 Worker, pool), NumPy peer (bench-results.json)

PORT ?= 8000

.PHONY: run test build dist setup serve bench

run: setup build
	@scripts/serve.sh $(PORT)

test:
	@scripts/test.sh

build:
	@scripts/build.sh

dist:
	@scripts/dist.sh

setup:
	@scripts/setup.sh

serve:
	@scripts/serve.sh $(PORT)

bench:
	@scripts/bench.sh
