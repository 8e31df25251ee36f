#!/usr/bin/env bash
# Figure B: small vs base, layer by layer: causal token x token attention of the full
# prompt + generated caption, one row per model, one column per layer.
# Writes examples/figures/scene_001.models.{grid.png,json}.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${ATTNVIZ_BIN:-"$here/build/attnviz"}
"$bin" run "$here/models/tinyvlm-small.pt" "$here/models/tinyvlm-base.pt" "$here/examples/scenes/scene_001.png" \
  --layers 1,5,14,23 --view grid --log --prompt "provide a one-sentence caption for the image:" \
  --out "$here/examples/figures"
