#!/usr/bin/env bash
# The attnviz benchmark, one command (bench/README.md): builds attnviz and the benchmarks
# (Release) in $ATTNVIZ_BUILD_DIR (default: build/), then measures everything against the
# Python way and the bare forward pass. Arguments go to bench/run_bench.py, e.g.
#   bench/run.sh --quick             # a few minutes: fewer images and repetitions
#   bench/run.sh --update-readme     # full run, results table into bench/README.md
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${ATTNVIZ_BUILD_DIR:-"$here/build"}
ATTNVIZ_BUILD_DIR="$build_dir" ATTNVIZ_BUILD_TYPE=Release "$here/scripts/setup.sh"   # packages + build
exec /usr/bin/python3 "$here/bench/run_bench.py" --build-dir "$build_dir" "$@"
