#!/bin/bash
# Runs attnviz over a list of images as SHARDS shards with GNU parallel, on this machine or
# on several hosts over ssh, then merges their results:
#
#   examples/parallel/run.sh MODEL LIST RESULTS SHARDS [run options...]
#
# Results: RESULTS/merged/ and RESULTS/merged.ndjson (as one run with --out RESULTS/merged),
# per shard RESULTS/task-I/ and RESULTS/task-I.ndjson, GNU parallel's job log in
# RESULTS/joblog. Exits 0 when every image is ok; the merge prints one summary of all
# shards on stderr. After a shard failed or was killed, run the same command again: only
# what is missing is redone.
#
# Environment:
#   HOSTS    GNU parallel's --sshlogin: ":" this machine (default), or e.g.
#            "2/node1,2/node2,:" (2 shards at a time on node1 and node2, plus this one).
#            Every host needs the same attnviz, model, list and image paths, and the
#            results directory on a shared file system, at the same absolute paths.
#   ATTNVIZ  the attnviz binary (default: attnviz on PATH)
#   ATTNVIZ_JOBS  images in parallel within a shard (default 1: one shard per core)
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,19p' "$0" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
model=$1 list=$2 results=$3 shards=$4
shift 4
attnviz=${ATTNVIZ:-attnviz}
mkdir -p "$results"

# --workdir .: each shard runs in this directory, on every host (so relative paths work
# wherever the directory is shared); --env passes the settings along; -q keeps arguments
# with spaces whole; --halt never: the other shards go on when one fails, the merge
# reports it.
status=0
ATTNVIZ=$attnviz ATTNVIZ_JOBS=${ATTNVIZ_JOBS:-1} parallel -q --sshlogin "${HOSTS:-:}" --workdir . \
    --env ATTNVIZ --env ATTNVIZ_JOBS --halt never --joblog "$results/joblog" \
    "$here/attnviz-shard.sh" {} "$shards" "$model" "$list" "$results" "$@" ::: $(seq 1 "$shards") || status=$?
[ "$status" -eq 0 ] || echo "run.sh: $status of $shards shards failed (see $results/joblog); merging what there is" >&2

shopt -s nullglob
records=("$results"/task-*.ndjson)
"$attnviz" merge --out "$results/merged" --inputs "$list" --shards "$shards" "${records[@]}" \
    > "$results/merged.ndjson"
