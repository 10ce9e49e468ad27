#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test two ways:
#   ci        every test (unit, integration, validation, bench-smoke), g++ -O2
#             -Werror; then the .deb made from that build is installed and
#             tried (scripts/check-package.sh), and removed;
#   sanitize  one clang++ build under ASan + UBSan: the unit and integration
#             tests (SimGrid on thread contexts, integration on a reduced set:
#             MXSIM_TEST_REDUCED) and each libFuzzer target for a bounded
#             number of inputs.
# The whole script stays under 15 minutes on 2 cores: two builds, not three
# (the fuzz targets share the sanitizer build; docs/developing.md, CI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# One command per line: under `set -e` a failure inside an && list that is
# not its last command would not stop the script.
cmake --preset ci
cmake --build --preset ci -j2
ctest --preset ci
scripts/check-package.sh build/ci
cmake --preset sanitize
cmake --build --preset sanitize -j2
ctest --preset sanitize
