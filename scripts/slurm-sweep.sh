#!/bin/bash
# Spread an mxsim sweep over a Slurm cluster: a job array whose task K of N
# runs shard K/N of the sweep, then one job that merges the shards once every
# task has succeeded. The merged file is byte for byte what one unsharded
# `mxsim sweep` would write.
#
# Submit from the repository (or any directory the compute nodes share):
#   MXSIM=$PWD/build/release/sim/mxsim scripts/slurm-sweep.sh sweeps/failover-backup-size.yaml results/sweeps/fbs 8
# which runs
#   sbatch --array=1-8 scripts/slurm-sweep.sh SWEEP OUTDIR      (shards: OUTDIR/shard-K-of-8.csv)
#   sbatch --dependency=afterok:ARRAY --wrap "mxsim merge OUTDIR/shard-*-of-8.csv --out OUTDIR/sweep.csv"
# Each task runs its points on the CPUs Slurm gives it (--cpus-per-task).
#
#SBATCH --job-name=mxsim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --output=mxsim-sweep-%A_%a.log
set -euo pipefail

sweep=${1:?usage: slurm-sweep.sh SWEEP.yaml OUTDIR [SHARDS]}
outdir=${2:?usage: slurm-sweep.sh SWEEP.yaml OUTDIR [SHARDS]}
mxsim=${MXSIM:-mxsim}

if [[ -z ${SLURM_ARRAY_TASK_ID:-} ]]; then
  # Submission: the array, then the merge that waits for all of it.
  shards=${3:-8}
  mkdir -p "$outdir"
  array=$(sbatch --parsable --export=ALL,MXSIM="$mxsim" --array=1-"$shards" "$0" "$sweep" "$outdir")
  array=${array%%;*}  # "jobid;cluster" on federated clusters
  sbatch --parsable --dependency=afterok:"$array" --job-name=mxsim-merge --output="$outdir/merge-%j.log" \
    --wrap "\"$mxsim\" merge \"$outdir\"/shard-*-of-$shards.csv --out \"$outdir/sweep.csv\""
  echo "submitted array $array ($shards shards); the merge writes $outdir/sweep.csv" >&2
  exit 0
fi

# One array task: shard K of N, K counted from 1 whatever the array's first index.
n=${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX - SLURM_ARRAY_TASK_MIN + 1))}
k=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-1} + 1))
mkdir -p "$outdir"
exec "$mxsim" sweep "$sweep" --shard "$k/$n" --jobs "${SLURM_CPUS_PER_TASK:-1}" --out "$outdir/shard-$k-of-$n.csv"
