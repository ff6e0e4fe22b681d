#!/usr/bin/env bash
# Submits an xpusim sweep as a Slurm array of N shards plus a merge that runs when all of them succeeded.
# Usage (from the repository root): examples/cluster/submit-slurm.sh SWEEP.yaml OUT_DIR [N]
# The merged folder, OUT_DIR/merged, holds the same sweep.csv and charts as a single-process run.
set -euo pipefail
sweep=${1:?usage: submit-slurm.sh SWEEP.yaml OUT_DIR [N]}
out=${2:?usage: submit-slurm.sh SWEEP.yaml OUT_DIR [N]}
n=${3:-4}
./xpusim validate "$sweep"                   # builds the jar once and checks every point before queueing
mkdir -p "$out"
array=$(sbatch --parsable --array=0-$((n - 1)) --chdir="$PWD" examples/cluster/slurm-sweep.sh "$sweep" "$out")
shards=()
for i in $(seq 0 $((n - 1))); do shards+=("$out/shard-$i"); done
merge=$(sbatch --parsable --dependency=afterok:"$array" --chdir="$PWD" --job-name=xpusim-merge --cpus-per-task=1 \
  --output="$out/merge.log" --wrap "./xpusim merge ${shards[*]} --out $out/merged")
echo "submitted array job $array ($n shards) and merge job $merge; results in $out/merged"
