#!/usr/bin/env python3
"""Every plot script in scripts/ answers --help and turns the committed
example outputs (results/runs/*, results/sweeps/*.csv, results/compare/*.csv
or the stand-in tests/data/plots/compare.csv) into PNG files that exist and
are not empty."""
import argparse
import contextlib
import glob
import importlib
import io
import os
import subprocess
import sys
import tempfile
import unittest

try:
    import matplotlib  # noqa: F401
except ImportError:  # another python3 first on PATH: Debian's has matplotlib
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

ARGS = None
sys.dont_write_bytecode = True  # the scripts are imported from the source tree
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SCRIPTS = ["plot_latency_cdf.py", "plot_load.py", "plot_timeseries.py", "plot_compare.py", "plot_sweep.py",
           "plot_run.py", "plot_connections.py"]


def script(name, *args):
    """Runs a script's main() in this process (matplotlib loads once); returns what it printed."""
    module = importlib.import_module(name[:-len(".py")])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            module.main(list(args))
        except SystemExit as e:
            if e.code not in (0, None):
                raise AssertionError(f"{name} {' '.join(args)}: exit {e.code}")
    return out.getvalue()


def runs():
    found = sorted(d for d in glob.glob(os.path.join(ARGS.repo, "results", "runs", "*"))
                   if os.path.exists(os.path.join(d, "summary.json")))
    assert len(found) >= 4, f"expected the gallery's runs under results/runs, found {found}"
    return found


class PlotScripts(unittest.TestCase):
    def assert_png(self, path):
        self.assertTrue(os.path.exists(path), path)
        self.assertGreater(os.path.getsize(path), 1000, path)
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), PNG_MAGIC, path)

    def test_help(self):
        for name in SCRIPTS:
            with self.subTest(script=name):
                self.assertIn("usage:", script(name, "--help"))

    def test_every_run_script_on_every_committed_run(self):
        with tempfile.TemporaryDirectory() as out:
            for run in runs():
                name = os.path.basename(run)
                with self.subTest(run=name):
                    png = os.path.join(out, f"{name}-cdf.png")
                    script("plot_latency_cdf.py", run, "-o", png)
                    self.assert_png(png)
                    png = os.path.join(out, f"{name}-load.png")
                    script("plot_load.py", run, "-o", png)
                    self.assert_png(png)
                    png = os.path.join(out, f"{name}-ts.png")
                    script("plot_timeseries.py", run, "-o", png)  # the scenario is found by name
                    self.assert_png(png)
                    png = os.path.join(out, f"{name}-connections.png")
                    script("plot_connections.py", run, "-o", png)  # with or without connections_closed
                    self.assert_png(png)
            png = os.path.join(out, "all.png")
            script("plot_latency_cdf.py", *runs(), "--yscale", "linear", "--hop", "delivery", "-o", png)
            self.assert_png(png)

    def test_plot_run_turns_an_output_folder_into_pngs(self):
        # The documented one-line call, as a user makes it.
        with tempfile.TemporaryDirectory() as out:
            run = runs()[0]
            r = subprocess.run([sys.executable, os.path.join(ARGS.repo, "scripts", "plot_run.py"), run, "--png-dir", out,
                                "--prefix", "x-", "--until", "2h"], capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            for stem in ("latency-cdf", "load", "timeseries"):
                self.assert_png(os.path.join(out, f"x-{stem}.png"))

    def test_timeseries_with_and_without_a_scenario(self):
        with tempfile.TemporaryDirectory() as out:
            run = os.path.join(ARGS.repo, "results", "runs", "seed-failover")
            png = os.path.join(out, "with.png")
            script("plot_timeseries.py", run, "--scenario", os.path.join(ARGS.repo, "scenarios", "faults-tour.yaml"),
                   "-o", png)
            self.assert_png(png)

    def test_compare_and_sweep_csvs(self):
        compare = sorted(glob.glob(os.path.join(ARGS.repo, "results", "compare", "*.csv")))
        compare.append(os.path.join(ARGS.repo, "tests", "data", "plots", "compare.csv"))
        sweeps = sorted(glob.glob(os.path.join(ARGS.repo, "results", "sweeps", "*.csv")))
        self.assertTrue(sweeps, "expected the gallery's sweep under results/sweeps")
        with tempfile.TemporaryDirectory() as out:
            for i, path in enumerate(compare):
                with self.subTest(csv=os.path.basename(path)):
                    png = os.path.join(out, f"compare-{i}.png")
                    script("plot_compare.py", path, "-o", png)
                    self.assert_png(png)
            for i, path in enumerate(sweeps):
                with self.subTest(csv=os.path.basename(path)):
                    png = os.path.join(out, f"sweep-{i}.png")
                    script("plot_sweep.py", path, "-o", png)
                    self.assert_png(png)
                    # An interrupted sweep's file plots what it has.
                    with open(path) as f:
                        lines = f.read().splitlines()
                    partial = os.path.join(out, f"partial-{i}.csv")
                    with open(partial, "w") as f:
                        f.write("\n".join(lines[:4] + ["# incomplete: interrupted by SIGINT after 3 of 27 points"]) + "\n")
                    png = os.path.join(out, f"partial-{i}.png")
                    script("plot_sweep.py", partial, "-o", png)
                    self.assert_png(png)

    def test_gallery_images_are_committed(self):
        for stem in ("seed-failover-timeseries", "seed-balance-load", "backup-takeover-timeseries",
                     "ttl-change-timeseries", "latency-cdf-all", "sweep-failover-backup-size",
                     "slow-start-connections"):
            self.assert_png(os.path.join(ARGS.repo, "results", "gallery", stem + ".png"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    ARGS, rest = parser.parse_known_args()
    ARGS.repo = os.path.abspath(ARGS.repo)
    sys.path.insert(0, os.path.join(ARGS.repo, "scripts"))
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
