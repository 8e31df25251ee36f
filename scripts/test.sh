#!/usr/bin/env bash
# Sets up (Debian packages, build) and runs every test through CTest.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh"
build_dir=${ATTNVIZ_BUILD_DIR:-"$here/build"}
cd "$build_dir"
ctest --output-on-failure -j2 "$@"
