#!/usr/bin/env bash
# Rewrites tests/golden/ from the Release build: run it when a change is meant
# to move results (and say in the commit which figures moved and why).
#   scripts/update-golden.sh [MXSIM_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/sim/mxsim}
python3 tests/integration/test_golden.py --mxsim "$bin" --scenarios scenarios --golden tests/golden --update
