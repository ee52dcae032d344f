#!/usr/bin/env bash
# Benchmark: single points of failure of every function of a generated 100k-node model, beside
# SCRAM computing the minimal cut sets of order 1 from ebcm's Open-PSA export of the same model,
# in the same run. Wall time and peak memory of each. Not a test: machines are noisy.
#
#   bench/spof_100k.sh [NODES]        (default 100000; the model is cached in bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-100000}
source bench/common.sh
model=$(ensure_model "$nodes")
command -v scram > /dev/null || { echo "scram is missing: scripts/install-deps.sh" >&2; exit 1; }

db=$out/spof-$nodes.db
rm -f "$db"*
$ebcm import "$model" --db "sqlite:$db" -m bench > /dev/null 2>> "$out/bench.log"
$ebcm export --db "sqlite:$db" --format open-psa -o "$out/model-$nodes.xml" 2>> "$out/bench.log"

echo
echo "model: $model ($(du -mL "$model" | cut -f1) MiB); fault tree $(du -mL "$out/model-$nodes.xml" | cut -f1) MiB"
echo
printf '%-60s %10s %12s\n' "" "wall" "peak memory"
measure "ebcm spof --json (load + validate + all singles)" $ebcm spof "$model" --json
measure "ebcm spof --json from the store" $ebcm spof --db "sqlite:$db" --json
measure "baseline: scram --mocus --limit-order 1 (order-1 cut sets)" \
  scram --mocus --limit-order 1 "$out/model-$nodes.xml" -o "$out/scram-$nodes.xml"
echo
echo "target: ebcm spof for every function under 2 s"
