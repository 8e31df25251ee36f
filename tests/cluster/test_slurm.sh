#!/bin/bash
# examples/slurm on a real single-node Slurm cluster started here: a 4-task job array over
# 40 images and the dependent merge. Task 2 is killed (SIGKILL) and task 4 cancelled
# (scancel) while each works on an image, the merge reports what is missing; the same
# array is submitted again, only the images not finished are redone, and the merge then
# equals one process over the same images.
#
#   test_slurm.sh ATTNVIZ SOURCE_DIR WORK_PARENT
#
# Installs Debian's slurmctld, slurmd, slurm-client and munge when missing and run as
# root; skips (exit 77, reason printed) when they are missing otherwise or the daemons
# cannot start. Everything lives in a new directory under WORK_PARENT, removed when the
# test passes (kept for a look when it fails), and every daemon started is stopped on exit.
set -euo pipefail
. "$(dirname "$0")/shard_test_lib.sh"
. "$(dirname "$0")/slurm_local.sh"
take_test_args "$@"
install_or_skip "slurmctld slurmd sbatch squeue scancel scontrol sinfo munged mungekey" \
    slurmctld slurmd slurm-client munge

make_work_dir slurm-test
chmod 755 "$W"  # munged's socket is in there (slurm_local.sh)
finish() {
  local status=$?
  slurm_local_stop
  remove_work_dir_unless_failed "$status"
}
trap finish EXIT

start=$(now)
slurm_local_start "$W/slurm" || skip "$slurm_local_problem"
echo "single-node Slurm up ($(sinfo -h -o '%P %D node(s), %c CPUs, %T'), SLURM_CONF=$SLURM_CONF): $(seconds_since "$start")"

make_corpus
reference_run

# Submits examples/slurm/submit.sh from $W/cluster; sets `array` and `merge`.
submit() {
  local ids
  ids=$(cd "$W/cluster" && ATTNVIZ=$attnviz "$src/examples/slurm/submit.sh" "$model" "$list" results "$shards")
  echo "$ids"
  array=$(sed -n 's/^array job \([0-9]*\), merge job \([0-9]*\)$/\1/p' <<< "$ids")
  merge=$(sed -n 's/^array job \([0-9]*\), merge job \([0-9]*\)$/\2/p' <<< "$ids")
  [ -n "$array" ] && [ -n "$merge" ] || fail "submit.sh printed no job ids: $ids"
}

wait_for_jobs() {  # JOB... (gone from the queue within 10 minutes)
  local i
  for ((i = 0; i < 6000; i++)); do
    [ -z "$(squeue -h -o %i -j "$(IFS=,; echo "$*")" 2>/dev/null)" ] && return 0
    sleep 0.1
  done
  fail "jobs $* still queued after 10 minutes: $(squeue)"
}

exit_code_of() { scontrol show job "$1" | sed -n 's/.*[^a-zA-Z]ExitCode=\([0-9]*\):.*/\1/p'; }

mkdir -p "$W/cluster"
cd "$W/cluster"
start=$(now)
submit
# While they work on their large fifth image: task 2's attnviz is killed with SIGKILL (as
# by the OOM killer or a node failure: nothing is cleaned up), task 4 is cancelled with
# scancel (SIGTERM, as at a time limit: attnviz stops and says what it did not run).
wait_for_ok_records results 2 4
pid=$(attnviz_pid_of_task results 2)
kill -KILL "$pid"
wait_for_ok_records results 4 4
scancel "${array}_4"
wait_for_jobs "$array" "$merge"
echo "array of $shards tasks, task 2 killed and task 4 cancelled, then the merge: $(seconds_since "$start")"
check_stopped_midway results 2
check_stopped_midway results 4
echo "left behind by the SIGKILL: $(cd results/task-2 && ls -d .attnviz-staging.* | tr '\n' ' ')"
echo "--- merge log (first round) ---"
cat attnviz-merge-"$merge".log
[ "$(exit_code_of "$merge")" = 1 ] || fail "the merge job of an incomplete run exited $(exit_code_of "$merge"), expected 1"
grep -q "^merge: missing: shard 2/4: " attnviz-merge-"$merge".log || fail "the merge summary does not name task 2's missing images"
grep -q "^merge: not run: #[0-9]* results/task-4.ndjson:" attnviz-merge-"$merge".log ||
  fail "the merge summary does not name task 4's images not run"

# Also a file gone from a finished task: its item is redone too.
delete_one_output results 3 10

/usr/bin/python3 "$src/tests/cluster/redo_check.py" snapshot results "$shards" > before.json
start=$(now)
submit
wait_for_jobs "$array" "$merge"
echo "the same array again, then the merge: $(seconds_since "$start")"
redo=$(/usr/bin/python3 "$src/tests/cluster/redo_check.py" compare before.json results "$shards" "$list" \
    --redone 1=0 --redone 3=1) || fail "the rerun did more or less than the missing images: $redo"
echo "$redo"
echo "--- merge log (after the rerun) ---"
cat attnviz-merge-"$merge".log
[ "$(exit_code_of "$merge")" = 0 ] || fail "the merge job exited $(exit_code_of "$merge") after the rerun"
check_same_as_single cluster
echo "PASS"
