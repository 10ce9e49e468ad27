#!/bin/bash
# Spread an mxsim sweep over job slots with GNU parallel, on this machine or,
# with parallel's own options, over several machines: one shard per job, then
# `mxsim merge` (the result is byte for byte the unsharded sweep's file).
#
#   scripts/parallel-sweep.sh SWEEP.yaml OUT.csv [SHARDS] [PARALLEL OPTIONS...]
#   scripts/parallel-sweep.sh sweeps/failover-backup-size.yaml results/sweeps/fbs.csv 4
#   scripts/parallel-sweep.sh sweeps/failover-backup-size.yaml fbs.csv 16 --sshloginfile hosts --wd .
#
# Over ssh every machine needs mxsim at the same path ($MXSIM; by default
# build/release/sim/mxsim made absolute when it exists, else the mxsim on
# PATH) and the same working directory on a shared file system (--wd .). Each shard runs one point at a time
# (--jobs 1): parallel's job slots are the parallelism.
set -euo pipefail

sweep=${1:?usage: parallel-sweep.sh SWEEP.yaml OUT.csv [SHARDS] [PARALLEL OPTIONS...]}
out=${2:?usage: parallel-sweep.sh SWEEP.yaml OUT.csv [SHARDS] [PARALLEL OPTIONS...]}
shards=${3:-4}
shift $(($# < 3 ? $# : 3))
if [[ -n ${MXSIM:-} ]]; then
  mxsim=$(realpath "$MXSIM")
elif [[ -x build/release/sim/mxsim ]]; then
  mxsim=$(realpath build/release/sim/mxsim)
else
  mxsim=$(command -v mxsim) || { echo "parallel-sweep.sh: no mxsim: set MXSIM" >&2; exit 2; }
fi

dir=$(mktemp -d "$(dirname "$out")/.shards.XXXXXX")
trap 'rm -rf "$dir"' EXIT
parallel --halt now,fail=1 "$@" "$mxsim" sweep "$sweep" --shard {}/"$shards" --jobs 1 --out "$dir/shard-{}.csv" \
  ::: $(seq 1 "$shards")
"$mxsim" merge "$dir"/shard-*.csv --out "$out"
