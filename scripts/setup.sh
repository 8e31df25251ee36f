#!/usr/bin/env bash
# Installs the Debian packages attnviz needs (only the missing ones) and builds it.
# Idempotent and non-interactive: safe to run on every invocation, in CI too.
# For other kinds of build (scripts/sanitize.sh, scripts/fuzz_smoke.sh):
#   ATTNVIZ_BUILD_DIR, ATTNVIZ_BUILD_TYPE   where and how (default build/, Release)
#   ATTNVIZ_EXTRA_PACKAGES                  more Debian packages, space-separated
#   ATTNVIZ_CMAKE_ARGS                      more CMake arguments, space-separated
#   ATTNVIZ_BUILD_TARGETS                   targets to build (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake pkg-config
  libtorch-dev libopenblas0-pthread
  libopencv-dev libopencv-contrib-dev fonts-dejavu-core libpng-dev libjpeg-dev zlib1g-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libgtest-dev libbenchmark-dev libpcre2-dev libicu-dev
  python3-torch python3-torchvision python3-numpy python3-opencv
)
read -r -a extra <<< "${ATTNVIZ_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
fi

build_dir=${ATTNVIZ_BUILD_DIR:-"$here/build"}
read -r -a cmake_args <<< "${ATTNVIZ_CMAKE_ARGS:-}"
read -r -a targets <<< "${ATTNVIZ_BUILD_TARGETS:-}"
cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=${ATTNVIZ_BUILD_TYPE:-Release} "${cmake_args[@]}" >/dev/null
if ((${#targets[@]})); then
  cmake --build "$build_dir" -j2 --target "${targets[@]}"
else
  cmake --build "$build_dir" -j2
fi
