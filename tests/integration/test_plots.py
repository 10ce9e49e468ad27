#!/usr/bin/env python3
"""Every plot script in scripts/ answers --help and turns the committed
example outputs (results/runs/*, results/sweeps/*.csv, results/compare/*.csv
and tests/data/plots/compare*.csv) into PNG files that exist and are not
empty. With --mxsim: plots read a run's own outputs only (an outage moved
in a copy of a scenario is shaded where the run applied it, with the copy
gone), and plot_run.py --html writes one self-contained page."""
import argparse
import contextlib
import glob
import importlib
import io
import json
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
SCRIPTS = ["plot_latency_cdf.py", "plot_load.py", "plot_timeseries.py", "plot_compare.py", "plot_sweep.py", "plot_size.py",
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
                    script("plot_timeseries.py", run, "-o", png)
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

    def test_a_moved_outage_is_shaded_where_it_happened(self):
        if not ARGS.mxsim:
            self.skipTest("needs --mxsim")
        # A copy of seed-failover with the outage moved from 0.5-1.5 h to 4-5 h,
        # run, then deleted: the plot must take the window from summary.json.
        import plot_timeseries  # noqa: E402
        with open(os.path.join(ARGS.repo, "scenarios", "seed-failover.yaml")) as f:
            text = f.read()
        self.assertIn("at: 30m, for: 1h", text)
        with tempfile.TemporaryDirectory() as work:
            scenario = os.path.join(work, "seed-failover.yaml")
            with open(scenario, "w") as f:
                f.write(text.replace("at: 30m, for: 1h", "at: 4h, for: 1h").replace("duration: 2h", "duration: 6h"))
            run = os.path.join(work, "run")
            r = subprocess.run([os.environ["MXSIM"], "run", scenario, "--out", run, "--quiet"], capture_output=True,
                               text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr)
            os.remove(scenario)
            with open(os.path.join(run, "summary.json")) as f:
                summary = json.load(f)
            self.assertEqual(summary["scenario_path"], scenario)
            self.assertEqual(len(summary["scenario_sha256"]), 64)
            with contextlib.redirect_stdout(io.StringIO()):
                shaded = plot_timeseries.plot(mxplot.load_run(run), os.path.join(work, "ts.png"))
            self.assertEqual(shaded, [(14400.0, 18000.0, "down", "mailhost1.example.com")])
            self.assert_png(os.path.join(work, "ts.png"))

    def test_plot_run_html_is_one_self_contained_page(self):
        if not ARGS.mxsim:
            self.skipTest("needs --mxsim")
        with tempfile.TemporaryDirectory() as work:
            run = os.path.join(work, "run")
            r = subprocess.run([os.environ["MXSIM"], "run", os.path.join(ARGS.repo, "scenarios", "ttl-change.yaml"),
                                "--out", run, "--quiet"], capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run([sys.executable, os.path.join(ARGS.repo, "scripts", "plot_run.py"), run, "--html"],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(run, "report.html"), encoding="utf-8") as f:
                page = f.read()
            self.assertEqual(page.count('src="data:image/png;base64,'), 3)
            self.assertNotIn('src="http', page)
            for text in ("scenario SHA-256", "Faults and zone changes as applied", "zone update: ", "Servers",
                         "Fairness per preference level", "mx-new.example.com"):
                self.assertIn(text, page)

    def test_compare_and_sweep_csvs(self):
        compare = sorted(glob.glob(os.path.join(ARGS.repo, "results", "compare", "*-intervals.csv")))
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

    def test_size_folder(self):
        # The committed `mxsim size --out` folder alone (the script reads size.json), its
        # runs.csv through the sweep plot, and an interrupted search's size.json.
        folder = os.path.join(ARGS.repo, "results", "size", "mydomain")
        with tempfile.TemporaryDirectory() as out:
            png = os.path.join(out, "size.png")
            script("plot_size.py", folder, "-o", png, "--logy")
            self.assert_png(png)
            png = os.path.join(out, "runs.png")
            script("plot_sweep.py", os.path.join(folder, "runs.csv"), "--y", "delivery_p99_s", "-o", png)
            self.assert_png(png)
            with open(os.path.join(folder, "size.json")) as f:
                doc = json.load(f)
            doc.update(complete=False, answer=None, neighbour=None, evaluations=doc["evaluations"][:2])
            partial = os.path.join(out, "partial")
            os.mkdir(partial)
            with open(os.path.join(partial, "size.json"), "w") as f:
                json.dump(doc, f)
            png = os.path.join(out, "partial.png")
            script("plot_size.py", partial, "-o", png)
            self.assert_png(png)

    def test_gallery_images_are_committed(self):
        for stem in ("size-mydomain", "seed-failover-timeseries", "seed-balance-load", "backup-takeover-timeseries",
                     "ttl-change-timeseries", "latency-cdf-all", "sweep-failover-backup-size",
                     "slow-start-connections"):
            self.assert_png(os.path.join(ARGS.repo, "results", "gallery", stem + ".png"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--mxsim", help="the mxsim to run (the tests that need a fresh run are skipped without it)")
    ARGS, rest = parser.parse_known_args()
    ARGS.repo = os.path.abspath(ARGS.repo)
    if ARGS.mxsim:
        ARGS.mxsim = os.environ["MXSIM"] = os.path.abspath(ARGS.mxsim)
    sys.path.insert(0, os.path.join(ARGS.repo, "scripts"))
    import mxplot  # noqa: E402,F401
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
