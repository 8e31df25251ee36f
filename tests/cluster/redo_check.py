"""Which items of a sharded run a rerun redid (tests of run --resume).

  redo_check.py snapshot RESULTS SHARDS > BEFORE.json
      per task (RESULTS/task-I.ndjson, RESULTS/task-I/), the items that are done: their
      last record is "ok" and names files that all exist; with each file's inode and
      modification time. Run it from the directory the tasks ran in (records name paths
      relative to it).
  redo_check.py compare BEFORE.json RESULTS SHARDS LIST [--redone TASK=N ...]
      checks that the rerun left the files of every item done before untouched (same
      inode and time) and redid every other item of LIST (done now, each file written
      after the snapshot); with --redone, that task TASK redid exactly N items. Prints
      one line per task; exits 1 on any violation.
"""
import argparse
import json
import os
import sys
import time


def latest_records(path):
    latest = {}
    if not os.path.exists(path):
        return latest
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            start = line.rfind('{"index":')  # a record cut short by a kill, then a whole one
            try:
                record = json.loads(line[max(start, 0):])
            except ValueError:
                continue
            latest[record["index"]] = record
    return latest


def done_items(results, task):
    done = {}
    for index, record in latest_records(os.path.join(results, "task-%d.ndjson" % task)).items():
        if record["status"] == "ok" and all(os.path.isfile(f) for f in record["files"]):
            done[str(index)] = {f: [os.stat(f).st_ino, os.stat(f).st_mtime_ns] for f in record["files"]}
    return done


def snapshot(results, shards):
    state = {"time_ns": time.time_ns(), "tasks": {}}
    for task in range(1, shards + 1):
        state["tasks"][str(task)] = done_items(results, task)
    json.dump(state, sys.stdout, indent=1)
    return 0


def compare(before, results, shards, count, expected_redone):
    problems = []
    for task in range(1, shards + 1):
        was = before["tasks"][str(task)]
        now = done_items(results, task)
        redone = []
        for index in [i for i in range(count) if i % shards == task - 1]:
            key = str(index)
            if key not in now:
                problems.append("task %d: #%d is not done after the rerun" % (task, index))
            elif key in was:
                if now[key] != was[key]:
                    problems.append("task %d: #%d was done, yet the rerun rewrote its files" % (task, index))
            else:
                redone.append(index)
                stale = [f for f, (_, mtime) in now[key].items() if mtime <= before["time_ns"]]
                if stale:
                    problems.append("task %d: #%d was redone, yet %s predate the rerun" % (task, index, stale))
        print("task %d: %d kept, %d redone%s" % (task, len(was), len(redone),
                                                 ": " + ", ".join("#%d" % i for i in redone) if redone else ""))
        if task in expected_redone and expected_redone[task] != len(redone):
            problems.append("task %d: %d items redone, expected %d" % (task, len(redone), expected_redone[task]))
    for p in problems:
        print("redo_check: " + p, file=sys.stderr)
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("mode", choices=["snapshot", "compare"])
    parser.add_argument("args", nargs="+")
    parser.add_argument("--redone", action="append", default=[])
    a = parser.parse_args()
    if a.mode == "snapshot":
        return snapshot(a.args[0], int(a.args[1]))
    before_path, results, shards, list_path = a.args
    with open(before_path) as f:
        before = json.load(f)
    with open(list_path) as f:
        count = sum(1 for line in f if line.strip())
    expected = {int(t): int(n) for t, n in (r.split("=") for r in a.redone)}
    return compare(before, results, int(shards), count, expected)


if __name__ == "__main__":
    sys.exit(main())
