#!/usr/bin/env bash
# Builds the .deb from a configured and built build folder, installs it with
# apt-get as a user would, and checks from a directory outside the clone that
# the installed mxsim works: --version, the man page, bash completion, a run
# of an installed example scenario and a plot of it. Removes the package at
# the end, whatever happened.
#
#   scripts/check-package.sh [BUILD_DIR]      (default build/release; CI passes build/ci)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build/release}")
[[ -x $build/sim/mxsim ]] || { echo "check-package: no $build/sim/mxsim: build first" >&2; exit 2; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
fail() { echo "check-package: $*" >&2; exit 1; }

# 1. The package.
rm -f "$build"/mxsim_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
rm -rf "$build/_CPack_Packages"  # cpack's staging copy of the install
debs=("$build"/mxsim_*.deb)
[[ -f ${debs[0]} ]] || fail "cpack wrote no mxsim_*.deb in $build"
deb=${debs[0]}
echo "check-package: built $(basename "$deb")"

# 2. Depends names the Debian package of every library the executable links.
depends=$(dpkg-deb -f "$deb" Depends)
for lib in $(objdump -p "$build/sim/mxsim" | awk '/NEEDED/ {print $2}'); do
  path=$(ldd "$build/sim/mxsim" | awk -v lib="$lib" '$1 == lib {print $3}')
  [[ -n $path ]] || fail "ldd does not resolve $lib"
  owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path")
  package=${owner%%:*}
  [[ ", $depends," == *", $package"[,\ ]* ]] || fail "$lib comes from $package, which Depends does not name: $depends"
done
for package in python3-matplotlib python3-numpy; do
  [[ ", $depends," == *", $package,"* ]] || fail "Depends does not name $package (the plot scripts import it)"
done

# 3. Install it; remove it again on the way out.
remove() { "${sudo_cmd[@]}" apt-get remove -y -qq mxsim >/dev/null 2>&1 || true; }
trap 'remove; rm -rf "$work"' EXIT
work=$(mktemp -d /tmp/mxsim-package.XXXXXX)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get install -y -qq --reinstall -o DPkg::Lock::Timeout=120 "$deb" >/dev/null

# 4. Use it from outside the clone, as an installed program.
cd "$work"
[[ $(command -v mxsim) == /usr/bin/mxsim ]] || fail "mxsim on PATH is $(command -v mxsim), not /usr/bin/mxsim"
mxsim --version | tee version.txt
grep -q '^mxsim [0-9]' version.txt || fail "mxsim --version names no version"
grep -q '^git revision ' version.txt || fail "mxsim --version names no git revision"
grep -q '^SimGrid 3\.' version.txt || fail "mxsim --version names no SimGrid version"

[[ $(man -w mxsim) == /usr/share/man/man1/mxsim.1.gz ]] || fail "man -w mxsim: $(man -w mxsim 2>&1)"
MANWIDTH=100 man -P cat mxsim 2>/dev/null > man.txt
for section in NAME SYNOPSIS COMMANDS "EXIT STATUS"; do
  grep -q "^$section" man.txt || fail "man mxsim has no $section section"
done
for option in --seed --trace --shard --replications; do
  grep -q -- "$option" man.txt || fail "man mxsim does not describe $option"
done

bash -c '
  set -e
  source /usr/share/bash-completion/completions/mxsim
  complete -p mxsim | grep -q _mxsim
  COMP_WORDS=(mxsim sw); COMP_CWORD=1; _mxsim; [[ ${COMPREPLY[*]} == sweep ]]
  COMP_WORDS=(mxsim run --tr); COMP_CWORD=2; _mxsim; [[ ${COMPREPLY[*]} == --trace ]]
' || fail "bash completion: complete -p mxsim, or completing \"mxsim sw\" and \"mxsim run --tr\", failed"

scenario=/usr/share/mxsim/scenarios/seed-failover.yaml
[[ -f $scenario ]] || fail "no $scenario"
mxsim validate "$scenario" >/dev/null
mxsim run "$scenario" --out run --quiet
python3 -c 'import json, sys; s = json.load(open("run/summary.json")); sys.exit(0 if s["complete"] and s["messages"]["submitted"] > 0 else 1)' \
  || fail "mxsim run of $scenario wrote no complete summary.json"
mxsim-plot-run run >/dev/null
for png in latency-cdf load timeseries; do [[ -s run/$png.png ]] || fail "mxsim-plot-run wrote no $png.png"; done
echo "check-package: $(basename "$deb") installs and works: --version, man, completion, run, plots"
