#!/usr/bin/env bash
# Regenerates every bundled instance family (instances/README.md). Same command, same
# bytes: the generator is seeded (ChaCha8) and uses libm only.
#
#   instances/regenerate.sh            # uses `cargo run --release`
#   LLM_OFFLOAD=target/debug/llm-offload instances/regenerate.sh
#
# instances/dialogues and instances/queries belong to the routing tools and are not
# touched here. optima.csv is NOT rewritten by this script: see instances/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${LLM_OFFLOAD:-"cargo run --release --quiet --"}
gen() { # gen DIR ARGS... : one paper-scenario instance, file named after the instance
  local dir=$1; shift
  mkdir -p "instances/$dir"
  local tmp
  tmp=$(mktemp)
  $BIN generate "$@" -o "$tmp"
  local name
  name=$(sed -n 's/^ *"name": "\(.*\)",$/\1/p' "$tmp" | head -n1)
  mv "$tmp" "instances/$dir/$name.json"
}

# tiny: N <= 8, M 2-3, exhaustive-checkable; both regimes, a low tau and uniform weights.
for spec in "4 2 1" "5 3 2" "6 2 3" "8 2 4"; do
  set -- $spec
  gen tiny -n "$1" -m "$2" --seed "$3"
  gen tiny -n "$1" -m "$2" --seed "$3" --no-interference
done
gen tiny -n 6 -m 3 --seed 7 --tau 0.5 --weights uniform
gen tiny -n 7 -m 2 --seed 8 --tau 0.5 --no-interference

# small: N 10-20, M = 4 (the demo `llm-offload compare instances/small`; keep N <= 20).
gen small -n 10 -m 4 --seed 1
gen small -n 10 -m 4 --seed 2 --no-interference
gen small -n 15 -m 4 --seed 5
gen small -n 15 -m 4 --seed 6 --no-interference
gen small -n 20 -m 4 --seed 3
gen small -n 20 -m 4 --seed 4 --no-interference

# variants: FP16 / INT8 / INT4 options on devices and servers (`--variants llama2`,
# sourced figures in docs/game.md), both regimes; the tiny ones are exhaustive-checkable.
gen variants -n 6 -m 2 --seed 21 --variants llama2
gen variants -n 6 -m 2 --seed 21 --variants llama2 --no-interference
gen variants -n 12 -m 4 --seed 22 --variants llama2 --no-interference
gen variants -n 50 -m 4 --seed 23 --variants llama2

# paper: the paper's setting, N 50-120, M = 4, with and without interference.
gen paper -n 50 -m 4 --seed 1
gen paper -n 50 -m 4 --seed 2 --no-interference
gen paper -n 80 -m 4 --seed 3
gen paper -n 80 -m 4 --seed 3 --no-interference
gen paper -n 120 -m 4 --seed 1
gen paper -n 120 -m 4 --seed 1 --no-interference

# seeds: five seeds per class, so that the gap tables' class statistics (mean, median,
# p95, max) are over several instances: N = 8 (M = 2) both regimes, N = 30 and 50
# (M = 4) without interference (MIP-optimal in about a second).
for seed in 11 12 13 14 15; do
  gen seeds -n 8 -m 2 --seed "$seed"
  gen seeds -n 8 -m 2 --seed "$seed" --no-interference
  gen seeds -n 30 -m 4 --seed "$seed" --no-interference
  gen seeds -n 50 -m 4 --seed "$seed" --no-interference
done

# seeds-int: the seed paper's own model (interference on), three seeds per N in
# 30..120 (M = 4), so that gap tables with interference have class statistics; bounds
# from `mip`'s interference-aware bound (docs/exact.md), best known from local-search.
for n in 30 60 90 120; do
  for seed in 11 12 13; do
    gen seeds-int -n "$n" -m 4 --seed "$seed"
  done
done

# adversarial: constructions where GOA is provably suboptimal (src/adversarial.rs).
mkdir -p instances/adversarial
$BIN adversarial regret -o instances/adversarial/regret-n2-m2.json
$BIN adversarial congestion -n 6 -m 1 --ratio 6.5 -o instances/adversarial/congestion-n6-m1-r6.5.json
$BIN adversarial congestion -n 12 -m 2 --ratio 6.5 -o instances/adversarial/congestion-n12-m2-r6.5.json
$BIN adversarial congestion -n 40 -m 4 --ratio 9.5 -o instances/adversarial/congestion-n40-m4-r9.5.json
