#!/usr/bin/env bash
# The attnviz benchmark, one command (bench/README.md): builds attnviz and the benchmarks
# (Release) in $ATTNVIZ_BUILD_DIR (default: build/), then measures everything against the
# Python way and the bare forward pass. Arguments go to bench/run_bench.py, e.g.
#   bench/run.sh --quick             # a few minutes: fewer images and repetitions
#   bench/run.sh --update-readme     # the full run; its table replaces bench/README.md's
# Packages: scripts/setup.sh installs everything this needs (valgrind is optional).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${ATTNVIZ_BUILD_DIR:-"$here/build"}
cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DATTNVIZ_BUILD_BENCH=ON >/dev/null
cmake --build "$build_dir" -j2 --target attnviz bench_capture micro_bench
exec /usr/bin/python3 -B "$here/bench/run_bench.py" --build-dir "$build_dir" "$@"
