#!/usr/bin/env bash
# make_pages.sh ATTNVIZ MAKE_HTML_REPORT SOURCE_DIR WORK
# Runs attnviz on the bundled models (one run, --budgets, two models) with every layer,
# then makes an HTML report of each result: WORK/{single,budgets,models}/ hold the PNGs,
# the JSON and report.html, for the browser tests. ATTNVIZ_BIN overrides ATTNVIZ.
set -euo pipefail
attnviz=${ATTNVIZ_BIN:-$1}
make_report=$2
src=$3
work=$4
base="$src/models/tinyvlm-base.pt"
small="$src/models/tinyvlm-small.pt"
scenes="$src/examples/scenes"
rm -rf "$work/single" "$work/budgets" "$work/models"
mkdir -p "$work"
common=(--layers all --view overlay,grid --jobs 1 --no-progress)
# With every head (.npy), for the head selector.
"$attnviz" run "$base" "$scenes/scene_000.png" --prompt "what color is the cross?" "${common[@]}" \
  --format png,json,npy --out "$work/single"
"$attnviz" run "$base" "$scenes/scene_006.png" --prompt "which shape is white?" --budgets 4,8,16,32,64 \
  "${common[@]}" --format png,json --out "$work/budgets"
"$attnviz" run "$small" "$base" "$scenes/scene_001.png" --prompt "provide a one-sentence caption for the image:" \
  "${common[@]}" --format png,json --out "$work/models"
"$make_report" "$work/single/scene_000.json" "$work/single/report.html"
"$make_report" "$work/budgets/scene_006.budgets.json" "$work/budgets/report.html"
"$make_report" "$work/models/scene_001.models.json" "$work/models/report.html"
# Twice from the same data: the same bytes.
"$make_report" "$work/single/scene_000.json" "$work/single/again.html"
cmp "$work/single/report.html" "$work/single/again.html"
ls -l "$work"/*/report.html
