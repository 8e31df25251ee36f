#!/usr/bin/env bash
# Installs the Debian packages attnviz needs (only the missing ones) and builds it.
# Idempotent and non-interactive: safe to run on every invocation, in CI too.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake pkg-config
  libtorch-dev libopenblas0-pthread
  libopencv-dev libopencv-contrib-dev fonts-dejavu-core
  libcli11-dev nlohmann-json3-dev libspdlog-dev libgtest-dev libbenchmark-dev
  python3-torch python3-torchvision python3-numpy python3-opencv
)

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
cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=${ATTNVIZ_BUILD_TYPE:-Release} >/dev/null
cmake --build "$build_dir" -j2
