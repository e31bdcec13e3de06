# The README's two Quick-start commands: `make demo` and `make test`.
# Both first make sure the HiGHS build can run (scripts/ensure-deps.sh).

CARGO ?= cargo
BIN := target/release/llm-offload

.PHONY: demo test deps bench

deps:
	@./scripts/ensure-deps.sh

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
# compiled, and doc tests.
test: deps
	$(CARGO) test --locked --all-targets
	$(CARGO) test --locked --doc

bench: deps
	$(CARGO) bench --locked
