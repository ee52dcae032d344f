#!/usr/bin/env bash
# Benchmark: the impact engine on a generated 1M-node model (issue 3) beside PostgreSQL answering
# "what depends on X" with a recursive CTE over the same edges, from a throwaway local cluster.
# ebcm: Engine::run() on the compiled graph already in memory (medians; internet 15 runs, each
# small service 1001). PostgreSQL: the execution time EXPLAIN (ANALYZE, TIMING OFF) reports —
# planning and the client round-trip excluded — (internet 3 runs, each small service 21).
# The cluster runs with JIT off (scripts/pg-local.sh). Not a test: machines are noisy, targets
# are judged by reading the figures.
#
#   bench/impact_1m.sh [NODES]        (default 1000000; model and edges cached in bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-1000000}
source bench/common.sh
model=$(ensure_model "$nodes")
edges=$out/edges-$nodes.csv
bench=build/impact_bench
# The throwaway cluster lives under /tmp, not in the checkout: PostgreSQL runs as the `postgres`
# user (when this runs as root), who may not enter the checkout's directories (a clone under
# /root, or under a `mktemp -d`). Nothing else is read by the server: psql sends the edges.
pgdir=$(mktemp -d /tmp/ebcm-pg.XXXXXX)

[[ -x $bench ]] || { echo "$bench missing: cmake --build build" >&2; exit 1; }

echo
echo "== ebcm: $bench $model (load, compile, then the runs; a few minutes on 1M nodes) =="
report=$out/impact-bench-$nodes.txt
$bench "$model" --edges-csv "$edges.tmp" > "$report"
mv "$edges.tmp" "$edges"
grep -v -E '^(row|mem|small): ' "$report"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
echo "== PostgreSQL 15: a local cluster in $pgdir, on 127.0.0.1 =="
trap 'scripts/pg-local.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
url=$(scripts/pg-local.sh start "$pgdir")
pg() { psql -X -q -At -v ON_ERROR_STOP=1 "$url" "$@"; }
echo "loading $(wc -l < "$edges") edges (\\copy, index on dep, ANALYZE) ..."
t0=$(date +%s.%N)
pg -f bench/pg_dependents.sql < "$edges"
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "loaded in %.1f s\n", b - a }'

query() {  # X: the recursive question about X
  echo "WITH RECURSIVE up(n) AS (SELECT node FROM edge WHERE dep = '$1'" \
       "UNION SELECT e.node FROM edge e JOIN up ON e.dep = up.n) SELECT count(*) FROM up"
}
pg_time() {  # X runs: median execution time in ms
  local x=$1 runs=$2 i
  for ((i = 0; i < runs; i++)); do echo "EXPLAIN (ANALYZE, TIMING OFF) $(query "$x");"; done |
    pg | sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p' | median
}

small=$(sed -n 's/^small: //p' "$report")
questions=(internet ${small//,/ })
printf '\n%-12s %10s %10s %12s %12s %9s\n' "what depends" "ebcm" "SQL" "ebcm" "PostgreSQL" "PG/ebcm"
printf '%-12s %10s %10s %12s %12s %9s\n' "on X" "reached" "count" "median" "median" ""
fmt_ms() { awk -v ms="$1" 'BEGIN { if (ms >= 1000) printf "%.2f s", ms / 1000; else if (ms >= 1) printf "%.2f ms", ms; else printf "%.1f us", ms * 1000 }'; }
for x in "${questions[@]}"; do
  read -r _ _ reached _ _ ebcm_us _ < <(grep "^row: $x " "$report")
  count=$(pg -c "$(query "$x")")
  runs=21
  [[ $x == internet ]] && runs=3
  pg_ms=$(pg_time "$x" $runs)
  ebcm_ms=$(awk -v us="$ebcm_us" 'BEGIN { print us / 1000 }')
  printf '%-12s %10s %10s %12s %12s %8.1fx\n' "$x" "$reached" "$count" \
    "$(fmt_ms "$ebcm_ms")" "$(fmt_ms "$pg_ms")" "$(awk -v a="$pg_ms" -v b="$ebcm_ms" 'BEGIN { print a / b }')"
done
echo "(ebcm reached: nodes not up, down or degraded, so any-alternatives that hold stop it and"
echo " degraded_by carries it further; SQL count: every node with a path of requires edges to X)"

read -r _ graph_kib _ arrays_kib _ peak_kib < <(grep '^mem: ' "$report")
echo
awk -v g="$graph_kib" -v a="$arrays_kib" -v p="$peak_kib" 'BEGIN {
  printf "compiled graph, model freed: %.0f MiB resident (%.0f MiB in its arrays); process peak %.0f MiB (model load included)\n", g / 1024, a / 1024, p / 1024 }'
echo "targets: internet under 150 ms, a service reaching a few hundred nodes under 50 us (medians), compiled graph under 1024 MiB"
