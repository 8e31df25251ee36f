#!/usr/bin/env bash
# Figure A: where the model looks at each visual-token budget, each panel titled with the
# answer it gave there (wrong at 4 tokens, right from 8 on, for this scene).
# Writes examples/figures/scene_002.budgets.{png,json}.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${ATTNVIZ_BIN:-"$here/build/attnviz"}
"$bin" run "$here/models/tinyvlm-base.pt" "$here/examples/scenes/scene_002.png" \
  --prompt "which shape is purple?" --budgets 4,8,16,32,64 --layers 12 \
  --label "truth: triangle" --out "$here/examples/figures"
