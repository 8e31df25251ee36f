#!/bin/bash
# examples/parallel with GNU parallel on this machine (--sshlogin ":"; other hosts over
# ssh cannot be tested here): 4 shards over 40 images merged, checked against one
# process over the same images; shard 2 killed (SIGKILL) and shard 4 stopped (SIGTERM)
# in the middle of an image, the same command again redoing only what they had not
# finished; then what `attnviz merge` refuses or reports: a conflicting file, a task
# whose records are gone.
#
#   test_parallel.sh ATTNVIZ SOURCE_DIR WORK_PARENT
#
# Installs Debian's parallel when missing and run as root; skips (exit 77, reason
# printed) otherwise. Works in a new directory under WORK_PARENT, removed when the test
# passes.
set -euo pipefail
. "$(dirname "$0")/shard_test_lib.sh"
take_test_args "$@"
install_or_skip parallel parallel
parallel --version 2>/dev/null | grep -q "GNU parallel" || skip "$(command -v parallel) is not GNU parallel (moreutils?)"

make_work_dir parallel-test
finish() {
  local status=$?
  # A failure while run.sh runs: its process group (parallel, the shards) goes too.
  if [ -n "${run_pid:-}" ]; then kill -- "-$run_pid" 2>/dev/null || true; fi
  remove_work_dir_unless_failed "$status"
}
trap finish EXIT
export PARALLEL_HOME=$W/parallel-home  # GNU parallel's own files, here rather than in ~/.parallel

make_corpus
reference_run

mkdir -p "$W/par"
cd "$W/par"
run_examples() { ATTNVIZ=$attnviz HOSTS=: "$src/examples/parallel/run.sh" "$model" "$list" results "$shards"; }

start=$(now)
set -m  # run.sh in a process group of its own
run_examples > run1.out 2> run1.err &
run_pid=$!
set +m
wait_for_ok_records results 2 4
pid=$(attnviz_pid_of_task results 2)
kill -KILL "$pid"
wait_for_ok_records results 4 4
pid=$(attnviz_pid_of_task results 4)
kill -TERM "$pid"
status=0
wait "$run_pid" || status=$?
run_pid=""
echo "run.sh, shard 2 killed and shard 4 stopped: exit $status, $(seconds_since "$start")"
cat run1.err
[ "$status" -eq 1 ] || fail "run.sh over an incomplete run exited $status, expected 1"
check_stopped_midway results 2
check_stopped_midway results 4
grep -q "^run.sh: 2 of 4 shards failed" run1.err || fail "run.sh did not say which shards failed"
grep -q "^merge: missing: shard 2/4: " run1.err || fail "the merge summary does not name shard 2's missing images"
grep -q "^merge: not run: #[0-9]* results/task-4.ndjson:" run1.err || fail "the merge summary does not name shard 4's image not run"

delete_one_output results 3 10
/usr/bin/python3 "$src/tests/cluster/redo_check.py" snapshot results "$shards" > before.json
start=$(now)
run_examples > run2.out 2> run2.err || fail "run.sh again exited $?: $(cat run2.err)"
echo "run.sh again: $(seconds_since "$start")"
cat run2.err
redo=$(/usr/bin/python3 "$src/tests/cluster/redo_check.py" compare before.json results "$shards" "$list" \
    --redone 1=0 --redone 3=1) || fail "the rerun did more or less than the missing images: $redo"
echo "$redo"
check_same_as_single par

# What merge refuses: a file already in the merged directory with other bytes. Nothing
# is written then, and the error names both files. (A new file: the merged files are
# hard links to the tasks' ones, so an edit in place would change both.)
rm results/merged/img_012.json
printf '{}' > results/merged/img_012.json
status=0
"$attnviz" merge --out results/merged --inputs "$list" --shards "$shards" results/task-*.ndjson > conflict.ndjson 2> conflict.err ||
  status=$?
cat conflict.err
[ "$status" -eq 1 ] || fail "merge over a conflicting file exited $status, expected 1"
grep -q "conflicting files: results/merged/img_012.json is already there and differs from results/task-1/img_012.json" conflict.err ||
  fail "merge did not name the conflicting files"
[ ! -s conflict.ndjson ] || fail "merge printed records although it merged nothing"

# And what it reports: a task whose records are gone leaves its images missing.
status=0
"$attnviz" merge --out results/merged2 --inputs "$list" --shards "$shards" results/task-{1,2,4}.ndjson > part.ndjson 2> part.err ||
  status=$?
cat part.err
[ "$status" -eq 1 ] || fail "merge without task 3 exited $status, expected 1"
grep -q "^merge: missing: shard 3/4: 10 of 10 items have no record: #2, #6, #10" part.err || fail "merge did not say task 3 is missing"
[ "$(wc -l < part.ndjson)" -eq 30 ] || fail "merge without task 3 printed $(wc -l < part.ndjson) records, expected 30"
echo "PASS"
