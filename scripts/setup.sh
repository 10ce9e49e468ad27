#!/usr/bin/env bash
# Installs every build, test and plotting dependency of mxsim from Debian
# packages, skipping what is already present. Safe to run repeatedly.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libsimgrid-dev libboost-program-options-dev libfmt-dev libyaml-cpp-dev
  libldns-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-matplotlib python3-numpy
  parallel  # scripts/parallel-sweep.sh
  man-db    # scripts/check-package.sh reads the installed man page
  clang libclang-rt-14-dev  # the fuzz preset: clang++ and its libFuzzer runtime
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
