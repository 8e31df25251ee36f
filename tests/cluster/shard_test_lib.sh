# Shared by test_slurm.sh and test_parallel.sh (sourced): their arguments, packages and
# work directory, the corpus, the single-process reference, and the checks that a
# sharded, merged run equals it.

readonly skip_code=77  # CTest SKIP_RETURN_CODE
readonly shards=4
readonly corpus_size=40
# The fifth images of tasks 2 and 4 (2/4 takes 1, 5, 9, 13, 17, ...; 4/4 takes 3, 7, ..., 19)
# are large: seconds of work, during which a test kills the task.
readonly large_images=(17 19)

# ATTNVIZ SOURCE_DIR WORK_PARENT, the tests' arguments: sets attnviz, src, model, parent.
take_test_args() {
  [ $# -eq 3 ] || { echo "usage: $0 ATTNVIZ SOURCE_DIR WORK_PARENT" >&2; exit 2; }
  attnviz=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  src=$(cd "$2" && pwd)
  model=$src/models/tinyvlm-base.pt
  parent=$3
  W=""
}

missing_commands() {  # COMMAND...: those not on PATH, each followed by a space
  local c
  for c in "$@"; do command -v "$c" > /dev/null || printf '%s ' "$c"; done
}

# Installs Debian PACKAGES when one of COMMANDS is missing and this is root; skips (with
# the reason) when they stay missing.
install_or_skip() {  # "COMMANDS" PACKAGES...
  local commands=$1 log reason
  shift
  # shellcheck disable=SC2086  # a list of commands
  [ -z "$(missing_commands $commands)" ] && return 0
  # shellcheck disable=SC2086
  [ "$(id -u)" -eq 0 ] || skip "no $(missing_commands $commands)(as root this test installs them: apt-get install $*)"
  echo "installing $* (apt-get)"
  log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } > "$log" 2>&1; then
    reason=$(tail -n 2 "$log")
    rm -f "$log"
    skip "cannot install $*: $reason"
  fi
  rm -f "$log"
  # shellcheck disable=SC2086
  [ -z "$(missing_commands $commands)" ] || skip "still no $(missing_commands $commands)after installing $*"
}

# A new work directory W under WORK_PARENT, named NAME.XXXXXX.
make_work_dir() {  # NAME
  mkdir -p "$parent"
  W=$(mktemp -d "$(cd "$parent" && pwd)/$1.XXXXXX")
}

# On exit: W removed when the test passed or skipped, kept (and said so) when it failed.
remove_work_dir_unless_failed() {  # STATUS
  if [ -z "${ATTNVIZ_KEEP_TEST_FILES:-}" ] && { [ "$1" -eq 0 ] || [ "$1" -eq "$skip_code" ]; }; then
    rm -rf "$W"
  else
    echo "$(basename "$0"): kept $W" >&2
  fi
}

skip() {
  echo "SKIP: $*"
  exit "$skip_code"
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

now() { date +%s.%N; }
seconds_since() { /usr/bin/python3 -c "import sys; print('%.1f s' % ($(now) - $1))"; }

# 40 scenes, one of them large, and the list of their absolute paths.
make_corpus() {
  /usr/bin/python3 "$src/tests/cluster/make_images.py" "$corpus_size" "$W/images" \
      --large "${large_images[0]}" --large "${large_images[1]}"
  list=$W/images/list.txt
}

# One process over the whole list, as the merged result must be: run in $W/single with
# --out results/merged, as the sharded runs merge into results/merged from $W/<name>.
reference_run() {
  local start
  start=$(now)
  mkdir -p "$W/single/results"
  (cd "$W/single" && "$attnviz" -q run "$model" - --out results/merged --ndjson --keep-going --no-timings \
      < "$list" > results/merged.ndjson) || fail "the single-process run failed"
  echo "single process, $corpus_size images: $(seconds_since "$start")"
}

# $W/<name>/results/merged{,.ndjson} against the single run: NDJSON byte for byte,
# attnviz diff exit 0, and the files byte for byte.
check_same_as_single() {
  local merged=$W/$1/results
  [ "$(wc -l < "$merged/merged.ndjson")" -eq "$corpus_size" ] ||
    fail "$merged/merged.ndjson: $(wc -l < "$merged/merged.ndjson") records, expected $corpus_size"
  cmp "$W/single/results/merged.ndjson" "$merged/merged.ndjson" ||
    fail "the merged NDJSON differs from the single run's"
  echo "merged NDJSON: byte-identical to the single run's ($corpus_size records)"
  local diff_line
  diff_line=$("$attnviz" diff "$W/single/results/merged" "$merged/merged") ||
    fail "attnviz diff single merged: $diff_line"
  echo "attnviz diff single merged: exit 0: $diff_line"
  diff -r "$W/single/results/merged" "$merged/merged" > /dev/null ||
    fail "the merged files are not byte-identical to the single run's"
  echo "merged files: byte-identical to the single run's ($(ls "$merged/merged" | wc -l) files)"
}

ok_records() {  # NDJSON: how many "ok" records (0 when there is no file yet)
  if [ -f "$1" ]; then grep -c '"status":"ok"' "$1" || true; else echo 0; fi
}

# Waits (up to 5 minutes) until task TASK has N ok records: it then works on its next image.
wait_for_ok_records() {  # RESULTS TASK N
  local i
  for ((i = 0; i < 3000; i++)); do
    [ "$(ok_records "$1/task-$2.ndjson")" -ge "$3" ] && return 0
    sleep 0.1
  done
  fail "task $2 did not get to $3 images in 5 minutes"
}

# The attnviz process of task TASK, by its staging directory (.attnviz-staging.PID) and
# checked by its command line, so that nothing else is ever killed.
attnviz_pid_of_task() {  # RESULTS TASK
  local staging pid
  for staging in "$1/task-$2"/.attnviz-staging.*; do
    pid=${staging##*.}
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "--shard $2/$shards "; then
      echo "$pid"
      return 0
    fi
  done
  fail "no attnviz process of task $2 found"
}

# A task must have stopped in the middle: some of its images done, some not.
check_stopped_midway() {  # RESULTS TASK
  local done
  done=$(ok_records "$1/task-$2.ndjson")
  [ "$done" -lt $((corpus_size / shards)) ] ||
    fail "task $2 finished all its images before it was stopped: the test cannot check a resume"
  echo "task $2 stopped after $done of $((corpus_size / shards)) images"
}

# Deletes one output file of item INDEX (its record stays): the rerun must redo it.
delete_one_output() {  # RESULTS TASK INDEX
  local file
  file=$(/usr/bin/python3 -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["index"] == int(sys.argv[2]):
        print(r["files"][0])' "$1/task-$2.ndjson" "$3" | tail -n 1)
  [ -n "$file" ] && rm "$file" || fail "no record of #$3 in $1/task-$2.ndjson"
  echo "deleted $file (task $2, #$3): the rerun must redo that item"
}
