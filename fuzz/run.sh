#!/usr/bin/env bash
# `make fuzz`: builds the fuzz preset, assembles the seed corpora, runs each fuzz target for
# FUZZ_SECONDS (default 300) one after the other, and fails if any found a crash, naming its
# reproducer. FUZZ_TARGETS="parsers config" runs only those; FUZZ_FLAGS adds libFuzzer flags
# (after ours, so they win). See docs/fuzzing.md.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-300}
targets=${FUZZ_TARGETS:-"parsers config json_scan model_yaml model_json http_request"}
out=build-fuzz

cmake --preset fuzz > /dev/null || exit 1
cmake --build --preset fuzz || exit 1
python3 fuzz/corpus.py "$out/seeds" || exit 1

# ASan and UBSan stop at the first error (the build has -fno-sanitize-recover=all); libFuzzer
# then writes the input as crash-<sha1> (or leak-, timeout-, oom-) under $out/crashes/<target>/.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in $targets; do
  exe=$out/fuzz/fuzz_$t
  corpus=$out/corpus/$t  # grows from run to run; the seeds are read, never written
  crashes=$out/crashes/$t
  mkdir -p "$corpus" "$crashes"
  dict=()
  case $t in
    model_yaml | model_json) dict=(-dict=fuzz/dicts/model.dict) ;;
    config) dict=(-dict=fuzz/dicts/config.dict) ;;
    http_request) dict=(-dict=fuzz/dicts/http_request.dict) ;;
  esac
  # Short inputs for the small parsers (faster runs); the models need room for contoso.yaml.
  case $t in
    parsers) max_len=1024 ;;
    config | json_scan) max_len=8192 ;;
    *) max_len=65536 ;;
  esac
  extra=()
  # The server's threads hold memory across inputs, which per-input leak checks would call a leak.
  [[ $t == http_request ]] && extra=(-detect_leaks=0)
  echo "== fuzz $t: ${seconds} s"
  start=$(date +%s)
  "$exe" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=$max_len \
    -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" "${extra[@]}" ${FUZZ_FLAGS:-} \
    "$corpus" "$out/seeds/$t" > "$out/fuzz-$t.log" 2>&1
  rc=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+ *DONE' "$out/fuzz-$t.log" | tr '\n' ' '
  echo "($(( $(date +%s) - start )) s, log $out/fuzz-$t.log)"
  if [[ $rc -ne 0 ]]; then
    failed+=("$t")
    echo "!! fuzz $t FAILED (exit $rc); reproducer(s):"
    grep -E 'Test unit written to|^SUMMARY' "$out/fuzz-$t.log" | sed 's/^/   /'
    echo "   replay: $exe <file>; then copy it to tests/fuzz/$t/ (docs/fuzzing.md)"
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "== fuzz: crashes in ${failed[*]}"
  exit 1
fi
echo "== fuzz: no crashes in $targets (${seconds} s each)"
