#!/usr/bin/env bash
# Builds attnviz and its tests with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DATTNVIZ_SANITIZE=ON) in build-asan and runs the whole test suite under them.
# Any sanitizer report fails the run: UBSan and ASan abort on the first finding (the tests
# spawn the binary, so a report there fails the test that ran it), LeakSanitizer makes the
# process exit non-zero. Extra arguments go to ctest (e.g. -R Hostile).
#
# libtorch is not built with ASan; it runs under it without suppressions (leak detection
# included). UBSan's vptr check is off for attnviz_capture only: libtorch does not export
# the typeinfo it needs (CMakeLists.txt).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${ATTNVIZ_ASAN_BUILD_DIR:-"$here/build-asan"}

ATTNVIZ_BUILD_DIR="$build_dir" ATTNVIZ_BUILD_TYPE=RelWithDebInfo \
ATTNVIZ_CMAKE_ARGS="-DATTNVIZ_SANITIZE=ON -DATTNVIZ_BUILD_BENCH=OFF" \
  "$here/scripts/setup.sh"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build_dir"
ctest --output-on-failure -j2 "$@"
