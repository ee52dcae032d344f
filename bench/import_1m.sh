#!/usr/bin/env bash
# Benchmark: validate + import of a generated 1M-node model (JSON), beside the sqlite3 shell
# importing the same number of rows (one per entity, the same JSON bodies) from CSV.
# Prints wall time and peak memory of each, measured in this run. Not a test: machines are noisy.
#
#   bench/import_1m.sh [NODES]        (default 1000000; the model is cached in bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-1000000}
source bench/common.sh
model=$(ensure_model "$nodes")
rows=$out/rows-$nodes.csv
if [[ ! -s $rows ]]; then
  echo "writing $rows: one CSV row per entity (kind, id, JSON body) ..."
  python3 bench/entities_csv.py "$model" > "$rows.tmp"
  mv "$rows.tmp" "$rows"
fi

rm -f "$out"/bench.db* "$out"/baseline.db*
entities=$(wc -l < "$rows")
echo
echo "model: $model ($(du -mL "$model" | cut -f1) MiB, $entities entities)"
: > "$out/bench.log"   # what the measured commands print (warnings of the model) goes here
echo
printf '%-60s %10s %12s\n' "" "wall" "peak memory"
measure "ebcm validate" $ebcm validate "$model"
measure "ebcm import (validates, then stores)" $ebcm import "$model" --db "sqlite:$out/bench.db" -m bench
measure "ebcm import again (no changes)" $ebcm import "$model" --db "sqlite:$out/bench.db" -m bench
measure "baseline: sqlite3 shell .import of the CSV" \
  sqlite3 "$out/baseline.db" \
  "CREATE TABLE entity(kind TEXT, id TEXT, body TEXT)" ".mode csv" ".import $rows entity"
echo
echo "target: ebcm import under 12 s and under 3072 MiB on 2 cores (EBCM_TIMING=1 ebcm import ... prints its phases)"
