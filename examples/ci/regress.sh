#!/usr/bin/env bash
# Regression gate: runs attnviz with the bundled model over a few example scenes and
# compares the results with the snapshots committed in examples/ci/snapshots/.
#
#   examples/ci/regress.sh           check: exit 0 within tolerance, 1 on drift (the
#                                    report says which file, layer and field moved)
#   examples/ci/regress.sh --update  regenerate the snapshots; review `git diff`, commit
#
# Environment:
#   ATTNVIZ         the attnviz binary (default: build/attnviz if built, else attnviz on PATH)
#   ATTNVIZ_CI_OUT  where the check writes this run's results (default: a temporary
#                   directory, removed when the check passes and kept when it fails)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
snapshots="$here/snapshots"
attnviz=${ATTNVIZ:-}
if [ -z "$attnviz" ]; then
  if [ -x "$root/build/attnviz" ]; then attnviz="$root/build/attnviz"; else attnviz=attnviz; fi
fi

mode=check
case "${1:-}" in
  "") ;;
  --update) mode=update ;;
  -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
  *) echo "regress.sh: unknown argument '$1' (--update or nothing)" >&2; exit 2 ;;
esac

# Paths relative to the repository root, so the results read the same in every checkout.
cd "$root"
model=models/tinyvlm-base.pt
images=(examples/scenes/scene_000.png examples/scenes/scene_001.png examples/scenes/scene_002.png)
[ -f "$model" ] || { echo "regress.sh: $model: no such file (the bundled model is needed)" >&2; exit 2; }
# Layers 3 and 12 are where tinyvlm reads the image; the last one shows the answer forming.
run=("$attnviz" -q run "$model" "${images[@]}" --prompt "what color is the circle?" --layers 3,12,-1
     --view overlay)

# The tolerances leave ~100x headroom over what different BLAS kernels and thread counts
# change (measured: 1e-7 on attention values, 1 grey level on overlays) and catch what a
# changed model or preprocessing changes (1e-2 and more).
tolerances=(--atol 1e-5 --rtol 1e-4 --png-tolerance 8)

if [ "$mode" = update ]; then
  "${run[@]}" --snapshot "$snapshots" >/dev/null
  echo "regress.sh: snapshots updated in ${snapshots#"$root"/}; review with git diff and commit them" >&2
  exit 0
fi

[ -d "$snapshots" ] || { echo "regress.sh: $snapshots: no snapshots yet (run with --update)" >&2; exit 2; }
if [ -n "${ATTNVIZ_CI_OUT:-}" ]; then
  actual=$ATTNVIZ_CI_OUT
  keep=1
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  actual=$tmp/actual
  keep=0
fi
"${run[@]}" --snapshot "$actual" >/dev/null
status=0
"$attnviz" diff "$snapshots" "$actual" "${tolerances[@]}" || status=$?
if [ "$status" -ne 0 ] && [ "$keep" -eq 0 ]; then
  # Keep this run's results for a look (or a CI artifact) when they drifted.
  kept=$(mktemp -d "${TMPDIR:-/tmp}/attnviz-ci-actual.XXXXXX")
  cp -r "$actual/." "$kept/"
  echo "regress.sh: this run's results are in $kept; if the change is intended: examples/ci/regress.sh --update" >&2
fi
exit "$status"
