#!/usr/bin/env bash
# Benchmark: one health poll cycle bringing 1,000 changed issues onto a generated 100k-node
# model — mapped, stored (one transaction) and re-evaluated (the live impact) — beside storing
# the same 1,000 issues alone, in the same run. Not a test: machines are noisy.
#
#   bench/health_100k.sh [NODES] [ISSUES]     (default 100000 and 1000; model cached in bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-100000}
issues=${2:-1000}
source bench/common.sh
model=$(ensure_model "$nodes")
build/health_bench "$model" "$issues"
