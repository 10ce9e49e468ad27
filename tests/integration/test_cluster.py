#!/usr/bin/env python3
"""Sweeps beyond one machine: scripts/slurm-sweep.sh against a stand-in sbatch,
and scripts/parallel-sweep.sh with GNU parallel.

The stand-in `sbatch` runs what it is given at once, as Slurm would later:
an array job's tasks one by one (last task first, so that order cannot
matter) with the SLURM_ARRAY_* variables and the script's own
`#SBATCH --cpus-per-task`, and a `--dependency=afterok:ID` job only if every
task of ID exited 0. Both scripts must write exactly what one unsharded
`mxsim sweep` writes.

    test_cluster.py --mxsim build/release/sim/mxsim --repo .
"""
import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

ARGS = None

STUB = r'''#!/usr/bin/env python3
# A stand-in for Slurm's sbatch: runs jobs at once (see test_cluster.py).
import os, re, subprocess, sys
state = os.environ["STUB_SLURM_DIR"]
args = sys.argv[1:]
opts, wrap, script = {}, None, None
while args:
    a = args.pop(0)
    if a == "--wrap":
        wrap = args.pop(0)
    elif a.startswith("--wrap="):
        wrap = a[len("--wrap="):]
    elif a.startswith("--"):
        key, _, value = a[2:].partition("=")
        opts[key] = value
    else:
        script = [a] + args
        break
counter = os.path.join(state, "next-id")
job = int(open(counter).read()) if os.path.exists(counter) else 1000
open(counter, "w").write(str(job + 1))
with open(os.path.join(state, "log"), "a") as log:
    log.write(f"{job} {sorted(opts.items())} wrap={wrap!r} script={script!r}\n")
env = dict(os.environ)
for item in opts.get("export", "ALL").split(",")[1:]:
    k, _, v = item.partition("=")
    env[k] = v
ok = True
dependency = opts.get("dependency")
if dependency:
    kind, _, ids = dependency.partition(":")
    assert kind == "afterok", dependency
    ok = all(open(os.path.join(state, f"{i}.status")).read() == "ok" for i in ids.split(":"))
if not ok:
    status = "never-ran"
elif wrap is not None:
    status = "ok" if subprocess.run(["bash", "-c", wrap], env=env).returncode == 0 else "failed"
else:
    cpus = re.search(r"^#SBATCH --cpus-per-task=(\d+)", open(script[0]).read(), re.M)
    env["SLURM_CPUS_PER_TASK"] = opts.get("cpus-per-task") or (cpus.group(1) if cpus else "1")
    first, _, last = opts["array"].partition("-")
    first, last = int(first), int(last)
    codes = []
    for task in range(last, first - 1, -1):
        task_env = dict(env, SLURM_ARRAY_JOB_ID=str(job), SLURM_ARRAY_TASK_ID=str(task),
                        SLURM_ARRAY_TASK_MIN=str(first), SLURM_ARRAY_TASK_MAX=str(last),
                        SLURM_ARRAY_TASK_COUNT=str(last - first + 1))
        codes.append(subprocess.run(script, env=task_env).returncode)
    status = "ok" if all(c == 0 for c in codes) else "failed"
open(os.path.join(state, f"{job}.status"), "w").write(status)
print(f"{job};stub-cluster" if "parsable" in opts else f"Submitted batch job {job}")
'''


def write_executable(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


class Cluster(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.sweep = os.path.join(ARGS.repo, "tests", "data", "sweep", "grid.yaml")
        self.unsharded = os.path.join(self.tmp, "unsharded.csv")
        subprocess.run([ARGS.mxsim, "sweep", self.sweep, "--jobs", "2", "--out", self.unsharded], check=True)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def slurm(self, mxsim, shards):
        bin_dir = os.path.join(self.tmp, "bin")
        state = os.path.join(self.tmp, "slurm")
        os.makedirs(bin_dir, exist_ok=True)
        os.makedirs(state, exist_ok=True)
        write_executable(os.path.join(bin_dir, "sbatch"), STUB)
        out = os.path.join(self.tmp, "out")
        env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"], STUB_SLURM_DIR=state, MXSIM=mxsim)
        done = subprocess.run([os.path.join(ARGS.repo, "scripts", "slurm-sweep.sh"), self.sweep, out, str(shards)],
                              env=env, capture_output=True, text=True, cwd=self.tmp)
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(os.path.join(state, "log")) as f:
            return out, f.read().splitlines()

    def test_slurm_array_and_merge_write_the_unsharded_file(self):
        out, log = self.slurm(ARGS.mxsim, 4)
        self.assertEqual(len(log), 2, log)
        self.assertIn("('array', '1-4')", log[0])
        array_id = log[0].split()[0]
        self.assertIn(f"('dependency', 'afterok:{array_id}')", log[1])
        for k in range(1, 5):
            self.assertTrue(os.path.exists(os.path.join(out, f"shard-{k}-of-4.csv")), k)
        with open(os.path.join(out, "sweep.csv"), "rb") as merged, open(self.unsharded, "rb") as whole:
            self.assertEqual(merged.read(), whole.read())

    def test_a_failed_task_stops_the_merge(self):
        # An mxsim that fails for shard 2 of 3: afterok must keep the merge from running.
        failing = os.path.join(self.tmp, "mxsim-failing")
        write_executable(failing, f'#!/bin/bash\n[[ " $* " == *" --shard 2/3 "* ]] && exit 1\nexec "{ARGS.mxsim}" "$@"\n')
        out, _ = self.slurm(failing, 3)
        self.assertTrue(os.path.exists(os.path.join(out, "shard-1-of-3.csv")))
        self.assertFalse(os.path.exists(os.path.join(out, "sweep.csv")))

    def test_gnu_parallel_writes_the_unsharded_file(self):
        self.assertIsNotNone(shutil.which("parallel"), "GNU parallel is missing: scripts/setup.sh installs it")
        out = os.path.join(self.tmp, "parallel.csv")
        done = subprocess.run([os.path.join(ARGS.repo, "scripts", "parallel-sweep.sh"), self.sweep, out, "3"],
                              env=dict(os.environ, MXSIM=ARGS.mxsim), capture_output=True, text=True,
                              cwd=self.tmp, stdin=subprocess.DEVNULL)
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(out, "rb") as merged, open(self.unsharded, "rb") as whole:
            self.assertEqual(merged.read(), whole.read())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--repo", required=True)
    ARGS, rest = parser.parse_known_args()
    ARGS.mxsim = os.path.abspath(ARGS.mxsim)
    ARGS.repo = os.path.abspath(ARGS.repo)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
