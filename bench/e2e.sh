#!/usr/bin/env bash
# End-to-end wall time of whole `./xpusim run` processes (JVM start to exit), for BENCHMARKS.md.
# Usage: bench/e2e.sh [runs] — builds first, then times each scenario `runs` times (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
./xpusim profiles >/dev/null   # builds the jar if needed, outside the timing
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for scenario in scenarios/quickstart.yaml scenarios/llama3-70b-dgx-h100-azure-conv.yaml \
    bench/scenarios/allreduce-1024-h100.yaml bench/scenarios/alltoall-64-skewed.yaml bench/scenarios/alltoall-cloudmatrix384.yaml \
    scenarios/training/gpt3-175b-1024-a100.yaml bench/scenarios/llama3-405b-16k-h100.yaml \
    bench/scenarios/serving-1m-64-replicas.yaml; do
  times=()
  for i in $(seq "$runs"); do
    start=$(date +%s.%N)
    ./xpusim run "$scenario" --out "$out/run$i" -q >/dev/null
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
    rm -rf "$out/run$i"
  done
  printf '%s\t%s\n' "$scenario" "$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')"
done
