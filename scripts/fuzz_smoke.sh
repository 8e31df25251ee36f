#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan; fuzz/) and runs each on its seed
# corpus for a few seconds: a smoke test for CI, not a fuzzing campaign (for that, see
# docs/reliability.md). Exits non-zero on the first finding; the input that triggered it
# is left in $ATTNVIZ_FUZZ_BUILD_DIR/findings/.
#
#   ATTNVIZ_FUZZ_SECONDS     seconds per target (default 10)
#   ATTNVIZ_FUZZ_BUILD_DIR   build directory (default build-fuzz)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${ATTNVIZ_FUZZ_SECONDS:-10}
build_dir=${ATTNVIZ_FUZZ_BUILD_DIR:-"$here/build-fuzz"}

# Only the fuzz targets are built: no torch translation unit, no tests.
ATTNVIZ_BUILD_DIR="$build_dir" ATTNVIZ_BUILD_TYPE=RelWithDebInfo \
ATTNVIZ_EXTRA_PACKAGES="clang libclang-rt-14-dev" \
ATTNVIZ_CMAKE_ARGS="-DCMAKE_CXX_COMPILER=clang++ -DATTNVIZ_FUZZ=ON -DATTNVIZ_BUILD_TESTS=OFF -DATTNVIZ_BUILD_BENCH=OFF" \
ATTNVIZ_BUILD_TARGETS=fuzz_targets \
  "$here/scripts/setup.sh"

findings="$build_dir/findings"
mkdir -p "$findings"
status=0
for corpus in "$here"/fuzz/corpus/*/; do
  target=$(basename "$corpus")
  binary="$build_dir/fuzz/$target"
  [ -x "$binary" ] || { echo "fuzz_smoke: $target was not built" >&2; status=1; continue; }
  dict=()
  [ -f "$here/fuzz/${target#fuzz_}.dict" ] && dict=("-dict=$here/fuzz/${target#fuzz_}.dict")
  # A scratch corpus for what the run discovers; the seeds in the repository stay as they are.
  work=$(mktemp -d)
  log="$build_dir/$target.smoke.log"
  if "$binary" "$work" "$corpus" "${dict[@]}" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
       -rss_limit_mb=2048 -artifact_prefix="$findings/$target-" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz_smoke: $target: ${runs:-?} runs in ${seconds}s, no finding"
  else
    echo "fuzz_smoke: $target: FINDING (log: $log, input: $(ls "$findings"/"$target"-* 2>/dev/null | head -1))" >&2
    grep -E "ERROR|runtime error|SUMMARY" "$log" | head -5 >&2 || true
    status=1
  fi
  rm -rf "$work"
done
exit $status
