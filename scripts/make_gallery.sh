#!/usr/bin/env bash
# Regenerates the README gallery: runs the seed scenarios into results/runs/NAME/,
# the example sweep into results/sweeps/, and draws every PNG under results/gallery/
# with the plot scripts. Takes about a minute on two cores.
#
#   scripts/make_gallery.sh [MXSIM]
#
# MXSIM defaults to $MXSIM, else the first of build/{release,ci,dev}/sim/mxsim.
set -euo pipefail
cd "$(dirname "$0")/.."

mxsim=${1:-${MXSIM:-}}
if [[ -z $mxsim ]]; then
  for candidate in build/release/sim/mxsim build/ci/sim/mxsim build/dev/sim/mxsim; do
    [[ -x $candidate ]] && mxsim=$candidate && break
  done
fi
[[ -n $mxsim && -x $mxsim ]] || {
  echo "make_gallery.sh: no mxsim; build it (cmake --preset release && cmake --build --preset release -j2) or pass its path" >&2
  exit 2
}
# Debian's python3 has matplotlib; another python3 first on PATH may not.
python=python3
python3 -c 'import matplotlib' 2>/dev/null || python=/usr/bin/python3

gallery=results/gallery
mkdir -p "$gallery" results/runs results/sweeps

# name and how much of the time axis to show (the runs go on until the queues drain)
runs=("seed-failover 6h" "seed-balance 2h" "backup-takeover 8h" "ttl-change 16h")
for entry in "${runs[@]}"; do
  read -r name until <<<"$entry"
  rm -rf "results/runs/$name"
  "$mxsim" run "scenarios/$name.yaml" --out "results/runs/$name" --quiet
  "$python" scripts/plot_run.py "results/runs/$name" --png-dir "$gallery" --prefix "$name-" --until "$until"
done
# One self-contained page, as an operator attaches it to a postmortem.
"$python" scripts/plot_run.py results/runs/seed-failover --png-dir "$gallery" --prefix seed-failover- --until 6h --html

# Postfix's slow start and connection reuse after an outage.
rm -rf results/runs/slow-start
"$mxsim" run scenarios/slow-start.yaml --out results/runs/slow-start --quiet
"$python" scripts/plot_connections.py results/runs/slow-start \
  -o "$gallery/slow-start-connections.png"

"$python" scripts/plot_latency_cdf.py results/runs/seed-failover results/runs/seed-balance \
  results/runs/backup-takeover results/runs/ttl-change -o "$gallery/latency-cdf-all.png"

"$mxsim" sweep sweeps/failover-backup-size.yaml --jobs 2 --out results/sweeps/failover-backup-size.csv
"$python" scripts/plot_sweep.py results/sweeps/failover-backup-size.csv --y delivery_p99_s --logy \
  -o "$gallery/sweep-failover-backup-size.png"

# The README walk-through's sizing question (step 7), on the walk-through's own file.
rm -rf results/size/mydomain && mkdir -p results/size
"$python" - <<'PY'
import sys
sys.path.insert(0, "tests/integration")
import test_readme
text = {}
for kind, name, block in test_readme.steps("README.md"):
    if kind in ("write", "append") and name == "mydomain.yaml":
        text[name] = (text.get(name, "") if kind == "append" else "") + block
open("results/size/mydomain.yaml", "w").write(text["mydomain.yaml"])
PY
"$mxsim" size results/size/mydomain.yaml --vary servers.mx2.example.org.sessions --range 1..20 --integer \
  --target 'delivery.p99 <= 35s' --jobs 2 --out results/size/mydomain
"$python" scripts/plot_size.py results/size/mydomain --logy -o "$gallery/size-mydomain.png"

# The policy comparison, when `mxsim compare` has written its results (results/README.md).
shopt -s nullglob
for csv in results/compare/*-intervals.csv; do
  "$python" scripts/plot_compare.py "$csv" -o "$gallery/compare-$(basename "$csv" -intervals.csv).png"
done
