# The README's two Quick-start commands: `make demo` and `make test`.
# Both first make sure the HiGHS build can run (scripts/ensure-deps.sh).

CARGO ?= cargo
BIN := target/release/llm-offload
# The virtual environment of the Python package's tests (python/), and the Python
# that creates it.
VENV := target/venv
PYTHON ?= python3

.PHONY: demo test test-python deps deps-python bench

deps:
	@./scripts/ensure-deps.sh

deps-python:
	@./scripts/ensure-deps.sh --python

# Every solver on the bundled instances, side by side, with gaps to the proven
# optimum (or, marked, to the best proven bound), then the paper-sized instances.
HEURISTICS := goa,goa-reference,all-local,all-edge,random,min-delay,best-response
demo: deps
	$(CARGO) build --release --locked
	$(BIN) solvers
	@echo
	$(BIN) compare instances/tiny
	$(BIN) compare instances/small --algo $(HEURISTICS),tree-search,mip --time-limit 10
	$(BIN) compare instances/paper --algo $(HEURISTICS),mip --time-limit 60

# Every test: unit, integration (CLI), property tests, benches in test mode, examples
# compiled, and doc tests; then the Python package's.
test: deps
	$(CARGO) test --locked --all-targets
	$(CARGO) test --locked --doc
	@$(MAKE) --no-print-directory test-python

# The Python package: built into $(VENV) with cargo's dev profile and features, so
# that it reuses the HiGHS build of `cargo test` (Cargo.toml, build-override), then
# its pytest suite (python/tests/, which also runs python/examples/).
test-python: deps-python $(VENV)/.requirements
	VIRTUAL_ENV=$(CURDIR)/$(VENV) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" maturin develop --locked -m python/Cargo.toml
	$(VENV)/bin/python -m pytest python/tests -q

$(VENV)/.requirements: python/requirements-dev.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -r python/requirements-dev.txt
	touch $@

bench: deps
	$(CARGO) bench --locked
