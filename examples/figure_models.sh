#!/usr/bin/env bash
# Figure B: small vs base, layer by layer: causal token x token attention of the full
# prompt + generated caption, one row per model, one column per layer (3 and 12 are the layers where text reads the image).
# Writes examples/figures/scene_001.models.{grid.png,json}.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${ATTNVIZ_BIN:-"$here/build/attnviz"}
"$bin" run "$here/models/tinyvlm-small.pt" "$here/models/tinyvlm-base.pt" "$here/examples/scenes/scene_001.png" \
  --layers 1,3,12,23 --view grid --log --prompt "provide a one-sentence caption for the image:" \
  --out "$here/examples/figures"
