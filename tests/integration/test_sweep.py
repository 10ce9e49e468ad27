#!/usr/bin/env python3
"""Whole-program tests of `mxsim sweep` and `mxsim merge`: a sweep in 3 shards
merges to exactly the unsharded file, --jobs does not change the bytes,
interrupted sweeps are marked and refused by merge, progress shows only on a
terminal, and unusable sweeps exit 2 before running anything."""
import argparse
import os
import pty
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None


def mxsim(*args, timeout=300, **kw):
    return subprocess.run([ARGS.mxsim, *args], capture_output=True, text=True, timeout=timeout, **kw)


def grid():
    return os.path.join(ARGS.data, "sweep", "grid.yaml")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write_sweep(directory, text):
    path = os.path.join(directory, "sweep.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


class Sharding(unittest.TestCase):
    def test_three_shards_merge_to_the_unsharded_file(self):
        with tempfile.TemporaryDirectory() as d:
            whole = os.path.join(d, "whole.csv")
            r = mxsim("sweep", grid(), "--jobs", "2", "--out", whole)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, "", "no progress when stderr is not a terminal")
            shards = []
            for k in (1, 2, 3):
                shards.append(os.path.join(d, f"shard-{k}.csv"))
                r = mxsim("sweep", grid(), "--shard", f"{k}/3", "--jobs", "1", "--out", shards[-1])
                self.assertEqual(r.returncode, 0, r.stderr)
            merged = os.path.join(d, "merged.csv")
            r = mxsim("merge", shards[2], shards[0], shards[1], "--out", merged)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(read(merged), read(whole))
            lines = read(whole).decode().splitlines()
            self.assertEqual(len(lines), 1 + 12)
            self.assertTrue(lines[0].startswith("point,points,senders[0].rate,servers.mailhost2.example.com.sessions,"
                                                "seed,status,scenario,"))
            self.assertTrue(all(",ok,mini," in line for line in lines[1:]), lines)
            self.assertEqual([line.split(",")[0] for line in lines[1:]], [str(i) for i in range(12)])
            # A missing shard, or one given twice, is no whole sweep.
            self.assertEqual(mxsim("merge", shards[0], shards[1]).returncode, 1)
            self.assertEqual(mxsim("merge", *shards, shards[0]).returncode, 1)
            self.assertFalse([n for n in os.listdir(d) if n.endswith(".tmp")])

    def test_stdout_and_runs_dir(self):
        with tempfile.TemporaryDirectory() as d:
            sweep = write_sweep(d, f"scenario: {ARGS.data}/sweep/mini.yaml\nseeds: [3]\n"
                                   "grid:\n  servers[\"mailhost2.example.com\"].service: [100ms, 200ms]\n")
            r = mxsim("sweep", sweep, "--runs", os.path.join(d, "runs"))
            self.assertEqual(r.returncode, 0, r.stderr)
            rows = r.stdout.splitlines()
            self.assertEqual(len(rows), 3)
            self.assertTrue(rows[1].startswith("0,2,100ms,3,ok,mini,"))
            for point in ("point-0", "point-1"):
                for name in ("summary.json", "servers.csv", "timeseries.csv", "queue.csv"):
                    self.assertTrue(os.path.exists(os.path.join(d, "runs", point, name)), (point, name))


class BadSweeps(unittest.TestCase):
    def test_unusable_points_exit_2_before_running(self):
        with tempfile.TemporaryDirectory() as d:
            cases = {
                "grid:\n  senders[5].rate: [1/s]\n": "has 1 item;",
                "grid:\n  senders[0].rate: [fast]\n": "senders[0].rate",
                "grid:\n  servers: [1]\n": "servers",
                "gird:\n  duration: [1m]\n": "unknown key",
            }
            for body, expected in cases.items():
                with self.subTest(body=body):
                    sweep = write_sweep(d, f"scenario: {ARGS.data}/sweep/mini.yaml\n" + body)
                    r = mxsim("sweep", sweep, "--runs", os.path.join(d, "runs"))
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(f"{sweep}:", r.stderr)
                    self.assertIn(expected, r.stderr)
                    self.assertEqual(r.stdout, "")
                    self.assertFalse(os.path.exists(os.path.join(d, "runs")))
        self.assertEqual(mxsim("sweep", grid(), "--shard", "4/3").returncode, 2)
        self.assertEqual(mxsim("merge", "/nonexistent.csv").returncode, 2)

    def test_help(self):
        for command, words in (("sweep", ("--jobs", "--shard", "--out", "--runs", "incomplete", "exit codes")),
                               ("merge", ("--out", "incomplete", "exit codes"))):
            r = mxsim(command, "--help")
            self.assertEqual(r.returncode, 0)
            for word in words:
                self.assertIn(word, r.stdout)


class Interrupts(unittest.TestCase):
    def interrupt(self, sig, expected_exit, name):
        with tempfile.TemporaryDirectory() as d:
            sweep = write_sweep(d, f"scenario: {ARGS.data}/sweep/mini.yaml\nseeds: {{from: 1, count: 200}}\n"
                                   "grid:\n  duration: [30m]\n")
            out = os.path.join(d, "out.csv")
            tmp = os.path.join(d, "tmp")
            os.mkdir(tmp)
            p = subprocess.Popen([ARGS.mxsim, "sweep", sweep, "--jobs", "2", "--out", out],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "TMPDIR": tmp})
            # Signal only once the sweep is under way (its private directory
            # exists): a slow start, as under the sanitizers, must not make
            # the signal arrive before the handler is installed.
            deadline = time.monotonic() + 60
            while not os.listdir(tmp) and time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.05)
            time.sleep(1.5)
            p.send_signal(sig)
            _, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, expected_exit, err)
            lines = read(out).decode().splitlines()
            self.assertTrue(lines[-1].startswith(f"# incomplete: interrupted by {name}"), lines[-1])
            self.assertLess(len(lines) - 2, 200)
            for line in lines[1:-1]:
                self.assertIn(",ok,", line)
            self.assertEqual(sorted(os.listdir(d)), ["out.csv", "sweep.yaml", "tmp"])
            self.assertEqual(os.listdir(tmp), [], "the sweep's private directory is removed")
            r = mxsim("merge", out)
            self.assertEqual(r.returncode, 1)
            self.assertIn("interrupted", r.stderr)

    def test_sigterm_writes_finished_rows_marked_incomplete(self):
        self.interrupt(signal.SIGTERM, 143, "SIGTERM")

    def test_sigint_writes_finished_rows_marked_incomplete(self):
        self.interrupt(signal.SIGINT, 130, "SIGINT")


class Progress(unittest.TestCase):
    def test_progress_only_on_a_terminal(self):
        master, slave = pty.openpty()
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.Popen([ARGS.mxsim, "sweep", grid(), "--jobs", "2", "--out", os.path.join(d, "o.csv")],
                                 stdout=subprocess.DEVNULL, stderr=slave)
            os.close(slave)
            seen = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            p.wait(timeout=120)
            os.close(master)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"/12 points", seen)
        self.assertIn(b"points/s", seen)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--data", required=True)
    ARGS, rest = parser.parse_known_args()
    ARGS.data = os.path.abspath(ARGS.data)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
