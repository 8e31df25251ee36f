#!/usr/bin/env bash
# Figure A: where the model looks at each visual-token budget, titled with its answer.
# Writes examples/figures/scene_003.budgets.{png,json}.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${ATTNVIZ_BIN:-"$here/build/attnviz"}
scene="$here/examples/scenes/scene_003"
question=$(sed -n 's/^ "question": "\(.*\)".*/\1/p' "$scene.json" | head -n 1)
answer=$(sed -n 's/^ "answer": "\(.*\)".*/\1/p' "$scene.json" | head -n 1)
"$bin" run "$here/models/tinyvlm-base.pt" "$scene.png" --prompt "$question" \
  --budgets 4,8,16,32,64 --layers 12 --label "$question ($answer)" --out "$here/examples/figures"
