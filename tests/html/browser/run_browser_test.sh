#!/usr/bin/env bash
# run_browser_test.sh TEST.mjs WORK
# Makes sure Debian's chromium and puppeteer-core (into WORK/npm, never the source tree)
# are there, then runs the test on the pages in WORK. Exits 77 (CTest: skipped) with the
# reason when either cannot be had. CHROMIUM overrides the browser.
set -uo pipefail
test=$1
work=$2
puppeteer=puppeteer-core@24.43.1  # the last line that runs on Node 18 and 20
skip() {
  echo "SKIP: $*"
  exit 77
}
mkdir -p "$work"
exec 9>"$work/.browser-setup.lock"
flock 9  # one setup at a time under ctest -j

chromium=${CHROMIUM:-$(command -v chromium || true)}
if [[ -z "$chromium" && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium with apt-get"
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >"$work/apt.log" 2>&1; then
    skip "chromium is not installed and apt-get could not install it (see $work/apt.log)"
  fi
  chromium=$(command -v chromium || true)
fi
[[ -n "$chromium" ]] || skip "chromium is not installed (apt-get install chromium, or set CHROMIUM to a browser)"

command -v node >/dev/null || skip "node is not installed"
if [[ ! -f "$work/npm/node_modules/puppeteer-core/package.json" ]]; then
  command -v npm >/dev/null || skip "npm is not installed"
  echo "installing $puppeteer into $work/npm"
  if ! npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$work/npm" "$puppeteer" >"$work/npm.log" 2>&1; then
    skip "npm could not install $puppeteer (is the npm registry reachable? see $work/npm.log)"
  fi
fi
flock -u 9

export CHROMIUM="$chromium" ATTNVIZ_NPM_PREFIX="$work/npm"
exec node "$test" "$work"
