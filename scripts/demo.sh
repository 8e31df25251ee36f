#!/usr/bin/env bash
# Sets up (Debian packages, build) and runs attnviz on the bundled default model and an
# example scene; prints where the pictures went.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh"
build_dir=${ATTNVIZ_BUILD_DIR:-"$here/build"}
out=${ATTNVIZ_DEMO_OUT:-"$here/attnviz_out"}
"$build_dir/attnviz" run "$here/models/tinyvlm-base.pt" "$here/examples/scenes/scene_000.png" \
  --prompt "what color is the cross?" --layers 1,3,12,23 --view overlay,grid --out "$out"
echo "pictures and numbers are in $out" >&2
