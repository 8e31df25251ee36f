#!/usr/bin/env bash
# make_pages.sh ATTNVIZ SOURCE_DIR WORK
# Runs attnviz on the bundled models (one run, --budgets, two models) with every layer and
# --format png,json,html: WORK/{single,budgets,models}/ hold the PNGs, the JSON and the
# page (also as report.html, the name the browser tests open). Each run twice: the page
# must be the same bytes. ATTNVIZ_BIN overrides ATTNVIZ.
set -euo pipefail
attnviz=${ATTNVIZ_BIN:-$1}
src=$2
work=$3
base="$src/models/tinyvlm-base.pt"
small="$src/models/tinyvlm-small.pt"
scenes="$src/examples/scenes"
rm -rf "$work/single" "$work/budgets" "$work/models" "$work/again"
mkdir -p "$work"
common=(--layers all --view overlay,grid --jobs 1 --no-progress)
page() {  # DIR PAGE ARGS...: run into DIR and again into work/again; the pages must agree
  local dir=$1 name=$2
  shift 2
  "$attnviz" run "$@" "${common[@]}" --out "$dir"
  "$attnviz" run "$@" "${common[@]}" --out "$work/again" >/dev/null
  cmp "$dir/$name" "$work/again/$name"
  cp "$dir/$name" "$dir/report.html"
}
# With every head (.npy), for the head selector.
page "$work/single" scene_000.html "$base" "$scenes/scene_000.png" --prompt "what color is the cross?" \
  --format png,json,npy,html
page "$work/budgets" scene_006.budgets.html "$base" "$scenes/scene_006.png" --prompt "which shape is white?" \
  --budgets 4,8,16,32,64 --format png,json,html
page "$work/models" scene_001.models.html "$small" "$base" "$scenes/scene_001.png" \
  --prompt "provide a one-sentence caption for the image:" --format png,json,html
ls -l "$work"/*/report.html
