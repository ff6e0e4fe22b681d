#!/usr/bin/env bash
# One shard of an xpusim sweep per Slurm array task. Submit with submit-slurm.sh (which also queues the
# merge), or by hand from the repository root:
#   ./xpusim profiles >/dev/null                 # build target/xpusim.jar once, before the tasks start
#   sbatch --array=0-3 examples/cluster/slurm-sweep.sh scenarios/sweeps/quickstart-rate-maxseqs.yaml results/my-sweep
# Task i runs the points whose index modulo the array size is i, with every CPU Slurm gave it, and writes
# <out>/shard-<i>/ (resumable: a requeued task skips the runs it already stored).
#SBATCH --job-name=xpusim-sweep
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=slurm-%A_%a.log
set -euo pipefail
sweep=${1:?usage: slurm-sweep.sh SWEEP.yaml OUT_DIR}
out=${2:?usage: slurm-sweep.sh SWEEP.yaml OUT_DIR}
: "${SLURM_ARRAY_TASK_ID:?run this as a Slurm array job (sbatch --array=0-N)}"
count=${SLURM_ARRAY_TASK_COUNT:-$(( SLURM_ARRAY_TASK_MAX - SLURM_ARRAY_TASK_MIN + 1 ))}
cd "${SLURM_SUBMIT_DIR:-.}"
exec ./xpusim sweep "$sweep" --shard "$SLURM_ARRAY_TASK_ID/$count" --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --out "$out/shard-$SLURM_ARRAY_TASK_ID" -q
