#!/usr/bin/env bash
# The tokenizer parity test (tests/tokenizer/parity.js), skipped (exit 77) with the
# reason when install_npm_packages.sh could not install what it compares against.
#   parity.sh NPM_DIR PARITY_TOOL CORPUS ATTNVIZ
set -euo pipefail
dir=$1
[ -f "$dir/installed.txt" ] || { echo "SKIPPED: the npm packages are not installed in $dir (see the tokenizer_npm_install test)"; exit 77; }
exec node "$(dirname "$0")/parity.js" "$@"
