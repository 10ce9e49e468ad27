#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test three ways:
#   ci        every test (unit, integration, validation, bench-smoke), g++ -Werror;
#             then the .deb made from that build is installed and tried
#             (scripts/check-package.sh), and removed;
#   sanitize  unit and integration tests under ASan + UBSan (g++; SimGrid on
#             thread contexts, integration on a reduced set: MXSIM_TEST_REDUCED);
#   fuzz      each libFuzzer target for a bounded number of inputs (clang++).
# The whole script stays under 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset ci && cmake --build --preset ci -j2 && ctest --preset ci
scripts/check-package.sh build/ci
cmake --preset sanitize && cmake --build --preset sanitize -j2 && ctest --preset sanitize
cmake --preset fuzz && cmake --build --preset fuzz -j2 && ctest --preset fuzz
