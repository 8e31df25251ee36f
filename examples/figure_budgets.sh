#!/usr/bin/env bash
# Figure A: where the model looks at each visual-token budget, each panel titled with the
# answer it gave there (wrong at 4 and 8 tokens, right from 16 on, for this scene: it was
# picked for that, see FIGURE_SCENES in models/make_examples.py).
# Writes examples/figures/scene_006.budgets.{png,json}.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${ATTNVIZ_BIN:-"$here/build/attnviz"}
"$bin" run "$here/models/tinyvlm-base.pt" "$here/examples/scenes/scene_006.png" \
  --prompt "which shape is white?" --budgets 4,8,16,32,64 --layers 12 \
  --label "truth: cross" --out "$here/examples/figures"
