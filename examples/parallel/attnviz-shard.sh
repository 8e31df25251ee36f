#!/bin/bash
# One shard of a sharded run, as GNU parallel starts it (run.sh) on this host or another:
# shard TASK of SHARDS of LIST into RESULTS/task-TASK, its records appended to
# RESULTS/task-TASK.ndjson. Run again after it was killed, it redoes only what it had not
# finished (--resume; docs/batch.md).
#
#   attnviz-shard.sh TASK SHARDS MODEL LIST RESULTS [run options...]
#
# Environment: ATTNVIZ (the binary, default attnviz on PATH); ATTNVIZ_JOBS, images in
# parallel within the shard (default 1: parallel already runs one shard per core).
set -euo pipefail
if [ $# -lt 5 ]; then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
task=$1 shards=$2 model=$3 list=$4 results=$5
shift 5
attnviz=${ATTNVIZ:-attnviz}
mkdir -p "$results/task-$task"
touch "$results/task-$task.ndjson"
# --no-timings: records without wall times, so that the merged NDJSON has the same bytes
# as one run over the whole list. exec: a signal to the shard reaches attnviz itself.
exec "$attnviz" run "$model" - --shard "$task/$shards" --out "$results/task-$task" \
    --ndjson --keep-going --no-timings --no-progress \
    --jobs "${ATTNVIZ_JOBS:-1}" --threads 1 \
    --resume "$results/task-$task.ndjson" "$@" < "$list" >> "$results/task-$task.ndjson"
