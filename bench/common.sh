# Shared by the benchmark scripts (sourced, not run): where things are, the generated model, and
# how a command is measured.
out=bench/out
ebcm=${EBCM_BIN:-build/ebcm}  # EBCM_BIN: another build to measure (say, the one before a change)
shared=${EBCM_SHARED_DIR:-../shared}
mkdir -p "$out"

# ensure_model NODES: bench/out/model-NODES.json from gen-model.py, generated once and cached.
ensure_model() {
  local model=$out/model-$1.json
  if [[ ! -s $model ]]; then
    echo "generating $model (once) ..." >&2
    python3 "$shared/tools/gen-model.py" --nodes "$1" --format json -o "$model.tmp"
    mv "$model.tmp" "$model"
  fi
  echo "$model"
}

# measure LABEL COMMAND...: prints "LABEL  seconds  peak MiB"; what the command prints goes to
# bench/out/bench.log.
measure() {
  local label=$1; shift
  local t; t=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$t" "$@" > /dev/null 2>> "$out/bench.log"
  read -r secs kb < "$t"
  rm -f "$t"
  printf '%-60s %8.2f s %8d MiB\n' "$label" "$secs" $((kb / 1024))
}
