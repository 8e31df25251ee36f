#!/bin/bash
# Runs attnviz over a list of images as a Slurm job array of SHARDS tasks, then merges
# their results in a job that waits for all of them:
#
#   examples/slurm/submit.sh MODEL LIST RESULTS SHARDS [run options...]
#
# e.g. examples/slurm/submit.sh models/tinyvlm-base.pt images.txt results 8 --layers 3,12
# Results: RESULTS/merged/ and RESULTS/merged.ndjson (as one run with --out RESULTS/merged),
# per task RESULTS/task-I/ and RESULTS/task-I.ndjson, logs attnviz-*.log here.
#
# After a task failed or was killed, run the same command again: each task redoes only
# the items it had not finished, and the merge runs again. To start afresh (another
# model or other options), remove RESULTS first.
#
# Environment: ATTNVIZ (the binary, default attnviz on PATH); SBATCH_OPTIONS, more sbatch
# options for both jobs, e.g. "--partition=gpu --time=2:00:00".
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,17p' "$0" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
model=$1 list=$2 results=$3 shards=$4
shift 4
mkdir -p "$results"
# shellcheck disable=SC2086  # SBATCH_OPTIONS is a list of options
array=$(sbatch --parsable ${SBATCH_OPTIONS:-} --array="1-$shards" \
    "$here/attnviz-array.sbatch" "$model" "$list" "$results" "$shards" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_OPTIONS:-} --dependency="afterany:$array" \
    "$here/attnviz-merge.sbatch" "$list" "$results" "$shards")
echo "array job ${array}, merge job ${merge%%;*}"
