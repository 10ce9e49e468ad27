#!/usr/bin/env python3
"""Safe with any output path and hostile zone files (issue 18): devices, FIFOs
and /dev/stdout given as outputs stay what they were; a planted temporary
link is left alone; outputs that would clobber an input or each other are
refused before the run; two runs into one --out: one is refused at once;
write failures, SIGHUP and SIGPIPE end cleanly; sweep children die with
their parent; a zone file's contents are not echoed. Tiny scenarios only:
this runs under the sanitizers too."""
import argparse
import glob
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ARGS = None

TINY = """duration: 1m
zone: |
  $ORIGIN example.com.
  @          IN MX 10 mailhost1
  mailhost1  IN A    192.0.2.10
senders:
  - name: isp
    rate: 2/s
    to: example.com
"""
TRACE_HEADER = "start_s,message,sender,mta,address,host,outcome,duration_s"
REPORTS = ("summary.json", "servers.csv", "timeseries.csv", "queue.csv")


def mxsim(*args, timeout=120, **kw):
    if "stdout" not in kw:
        kw["capture_output"] = True
    return subprocess.run([ARGS.mxsim, *args], text=True, timeout=timeout, **kw)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def read(path):
    with open(path) as f:
        return f.read()


def scenario(directory, duration="1m", name="s.yaml"):
    return write(os.path.join(directory, name), TINY.replace("duration: 1m", f"duration: {duration}"))


def device(directory, name, minor):
    """A character device of the mem driver (3: null, 7: full) in `directory`
    when root may make one, else a link to /dev's: an mxsim that replaces
    what it writes to then damages only the test's directory."""
    path = os.path.join(directory, name)
    if os.geteuid() == 0:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    else:
        os.symlink(f"/dev/{name}", path)
    return path


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


class OutputsInPlace(unittest.TestCase):
    """A path that is no regular file is written through, never replaced."""

    def test_device_node_stays_a_device(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            node = device(d, "null", 3)
            r = mxsim("run", s, "--quiet", "--trace", node)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(stat.S_ISCHR(os.stat(node).st_mode), "the device was replaced")
            if os.path.islink(node):
                self.assertEqual(os.readlink(node), "/dev/null")
            self.assertEqual(glob.glob(os.path.join(d, "*.tmp")), [])

    def test_fifo_stays_a_fifo_and_gets_the_trace(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            fifo = os.path.join(d, "trace.fifo")
            os.mkfifo(fifo)
            got = []
            reader = threading.Thread(target=lambda: got.append(read(fifo)), daemon=True)
            reader.start()
            r = mxsim("run", s, "--quiet", "--trace", fifo)
            if stat.S_ISFIFO(os.stat(fifo).st_mode) and not got:  # unblock the reader if nobody wrote
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            reader.join(timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced")
            self.assertEqual(got[0].splitlines()[0], TRACE_HEADER)
            self.assertGreater(len(got[0].splitlines()), 10)

    def test_dev_stdout_is_written_through(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            before = os.lstat("/dev/stdout")
            r = mxsim("run", s, "--quiet", "--trace", "/dev/stdout")  # stdout: a pipe
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.splitlines()[0], TRACE_HEADER)
            out = os.path.join(d, "stdout.csv")
            with open(out, "w") as f:  # stdout: a regular file, reached through /proc
                r = mxsim("run", s, "--quiet", "--trace", "/dev/stdout", stdout=f, stderr=subprocess.PIPE)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(read(out).splitlines()[0], TRACE_HEADER)
            after = os.lstat("/dev/stdout")
            self.assertTrue(stat.S_ISLNK(after.st_mode), "/dev/stdout was replaced")
            self.assertEqual((before.st_ino, before.st_dev), (after.st_ino, after.st_dev))

    def test_dash_is_stdout(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            r = mxsim("run", s, "--quiet", "--trace", "-")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.splitlines()[0], TRACE_HEADER)
            self.assertFalse(os.path.exists(os.path.join(d, "-")))
            r = mxsim("run", s, "--trace", "-")  # the summary would go there too
            self.assertEqual(r.returncode, 2)
            self.assertIn("--quiet", r.stderr)


class Temporaries(unittest.TestCase):
    def test_planted_temporary_links_are_left_alone(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            out = os.path.join(d, "out")
            os.mkdir(out)
            victims = {}
            for name in REPORTS:
                victim = write(os.path.join(d, f"victim-{name}"), "precious\n")
                os.symlink(f"../victim-{name}", os.path.join(out, name + ".tmp"))
                victims[name] = victim
            r = mxsim("run", s, "--quiet", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            for name, victim in victims.items():
                self.assertEqual(read(victim), "precious\n", f"{name}.tmp was followed")
                self.assertEqual(os.readlink(os.path.join(out, name + ".tmp")), f"../victim-{name}")
            self.assertTrue(json.loads(read(os.path.join(out, "summary.json")))["complete"])
            left = [n for n in os.listdir(out) if n.endswith(".tmp") and not os.path.islink(os.path.join(out, n))]
            self.assertEqual(left, [])


class Collisions(unittest.TestCase):
    """Refused before the run: exit 2 and nothing written."""

    def refused(self, directory, *args, words=()):
        before = sorted(os.listdir(directory))
        r = mxsim(*args)
        self.assertEqual(r.returncode, 2, (args, r.stderr))
        for word in words:
            self.assertIn(word, r.stderr)
        self.assertEqual(sorted(os.listdir(directory)), before, "something was written")
        return r

    def test_outputs_that_are_inputs(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            text = read(s)
            self.refused(d, "run", s, "--quiet", "--trace", s, words=("--trace", "the scenario"))
            self.refused(d, "run", s, "--quiet", "--paje", s, words=("--paje", "the scenario"))
            self.refused(d, "run", s, "--quiet", "--trace", os.path.join(d, ".", "s.yaml"))
            link = os.path.join(d, "link.yaml")
            os.symlink("s.yaml", link)
            self.refused(d, "run", s, "--quiet", "--trace", link)
            self.assertEqual(read(s), text)
            zone = write(os.path.join(d, "example.zone"), "$ORIGIN example.com.\n@ IN MX 10 mx\nmx IN A 192.0.2.1\n")
            z = write(os.path.join(d, "z.yaml"), "duration: 1m\nzone_file: example.zone\n"
                      "senders:\n  - {name: isp, rate: 2/s, to: example.com}\n")
            self.refused(d, "run", z, "--quiet", "--trace", zone, words=("zone",))

    def test_outputs_that_are_each_other(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            x = os.path.join(d, "x")
            self.refused(d, "run", s, "--quiet", "--trace", x, "--paje", x, words=("--trace", "--paje"))
            for out in ("existing", "new"):
                out = os.path.join(d, out)
                if out.endswith("existing"):
                    os.mkdir(out)
                    write(os.path.join(out, "summary.json"), "{}\n")
                self.refused(d, "run", s, "--quiet", "--out", out, "--trace", os.path.join(out, "summary.json"),
                             words=("summary.json",))

    def test_paje_needs_a_regular_file(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            null = device(d, "null", 3)
            self.refused(d, "run", s, "--quiet", "--paje", null, words=("--paje needs a regular file",))

    def test_empty_paths_and_negative_seeds(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            for args in (("--out", ""), ("--trace", ""), ("--paje", ""), ("--seed", "-1"),
                         ("--seed", "18446744073709551616"), ("--seed", "1x")):
                self.refused(d, "run", s, "--quiet", *args, words=(args[0],))
            r = mxsim("run", s, "--seed", "18446744073709551615", "--format", "json")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["seed"], 18446744073709551615)

    def test_merge_and_sweep_outputs_that_are_inputs(self):
        with tempfile.TemporaryDirectory() as d:
            shard = write(os.path.join(d, "shard.csv"), "point\n")
            self.refused(d, "merge", shard, "--out", shard, words=("a shard",))
            sweep = write(os.path.join(d, "sweep.yaml"), f"scenario: {ARGS.data}/sweep/mini.yaml\n")
            self.refused(d, "sweep", sweep, "--out", sweep, words=("the sweep file",))


class OneRunPerDirectory(unittest.TestCase):
    def test_second_run_into_the_same_out_is_refused_at_once(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            out = os.path.join(d, "out")
            fifo = os.path.join(d, "trace.fifo")
            os.mkfifo(fifo)
            # The first run takes the lock, then waits for a reader of its
            # trace: it is under way for as long as the test needs.
            first = subprocess.Popen([ARGS.mxsim, "run", s, "--quiet", "--out", out, "--trace", fifo],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            lock = os.path.join(out, ".mxsim.lock")
            try:
                self.assertTrue(wait_for(lambda: os.path.exists(lock) and read(lock).strip() == str(first.pid)))
                started = time.monotonic()
                second = mxsim("run", s, "--quiet", "--out", out, timeout=60)
                self.assertEqual(second.returncode, 2, second.stderr)
                self.assertIn(f"process {first.pid}", second.stderr)
                self.assertLess(time.monotonic() - started, 30, "refused at once, not after a run")
                trace = read(fifo)  # lets the first run go on
                _, err = first.communicate(timeout=120)
            finally:
                if first.poll() is None:
                    first.kill()
            self.assertEqual(first.returncode, 0, err)
            self.assertEqual(trace.splitlines()[0], TRACE_HEADER)
            summary = json.loads(read(os.path.join(out, "summary.json")))
            self.assertTrue(summary["complete"])
            expected = mxsim("run", s, "--quiet", "--out", os.path.join(d, "alone"))
            self.assertEqual(expected.returncode, 0, expected.stderr)
            for name in ("servers.csv", "timeseries.csv", "queue.csv"):
                self.assertEqual(read(os.path.join(out, name)), read(os.path.join(d, "alone", name)), name)


class Failures(unittest.TestCase):
    def test_full_device_exits_2_naming_it(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d)
            full_device = device(d, "full", 7)
            r = mxsim("run", s, "--quiet", "--trace", full_device)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(f"cannot write {full_device}: No space left on device", r.stderr)
            self.assertTrue(stat.S_ISCHR(os.stat(full_device).st_mode))
            with open(full_device, "w") as full:
                r = mxsim("run", s, "--format", "json", stdout=full, stderr=subprocess.PIPE)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("stdout", r.stderr)

    def stop_with(self, sig, expected_exit):
        with tempfile.TemporaryDirectory() as d:
            # About 12 s of work on a 2-core machine (the model runs 30 d in under a second).
            s = scenario(d, duration="365d")
            out = os.path.join(d, "out")
            p = subprocess.Popen([ARGS.mxsim, "run", s, "--quiet", "--out", out],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # Temporaries exist once the outputs are open; the handlers follow at once.
            self.assertTrue(wait_for(lambda: glob.glob(os.path.join(out, "*.tmp")) or p.poll() is not None))
            time.sleep(1)
            p.send_signal(sig)
            _, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, expected_exit, err)
            self.assertIn("interrupted", err)
            self.assertFalse(json.loads(read(os.path.join(out, "summary.json")))["complete"])
            for name in REPORTS:
                self.assertTrue(os.path.exists(os.path.join(out, name)), name)
            self.assertEqual(glob.glob(os.path.join(out, "*.tmp")), [], "temporary files left behind")

    def test_sighup_stops_cleanly(self):
        self.stop_with(signal.SIGHUP, 129)

    def test_sigpipe_stops_cleanly(self):
        self.stop_with(signal.SIGPIPE, 141)

    def test_trace_reader_going_away_stops_the_run(self):
        with tempfile.TemporaryDirectory() as d:
            s = scenario(d, duration="30d")
            out = os.path.join(d, "out")
            p = subprocess.Popen([ARGS.mxsim, "run", s, "--quiet", "--out", out, "--trace", "-"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertTrue(p.stdout.readline().decode().startswith("start_s,"))
            p.stdout.close()
            err = p.stderr.read().decode()
            p.wait(timeout=120)
            self.assertEqual(p.returncode, 141, err)
            self.assertFalse(json.loads(read(os.path.join(out, "summary.json")))["complete"])
            self.assertEqual(glob.glob(os.path.join(out, "*.tmp")), [])


def processes_naming(text):
    """Pids of the processes whose command line contains `text`."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


class Children(unittest.TestCase):
    def test_sweep_children_and_directory_go_with_a_killed_parent(self):
        with tempfile.TemporaryDirectory() as d:
            tmp = os.path.join(d, "tmp")
            os.mkdir(tmp)
            s = scenario(d, duration="30d")
            sweep = write(os.path.join(d, "sweep.yaml"), f"scenario: {s}\nseeds: [1, 2]\n")
            p = subprocess.Popen([ARGS.mxsim, "sweep", sweep, "--jobs", "2", "--out", os.path.join(d, "o.csv")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "TMPDIR": tmp})
            try:
                self.assertTrue(wait_for(lambda: len(processes_naming(tmp)) >= 2), "the points never started")
                p.kill()
                p.wait(timeout=60)
                self.assertTrue(wait_for(lambda: not processes_naming(tmp), 60), "children outlived their parent")
                self.assertTrue(wait_for(lambda: os.listdir(tmp) == [], 60), "the private directory was left")
            finally:
                for pid in processes_naming(tmp):
                    os.kill(pid, signal.SIGKILL)


class ZoneFiles(unittest.TestCase):
    def test_a_secret_file_as_zone_is_not_echoed(self):
        with tempfile.TemporaryDirectory() as d:
            for text in ("root:$6$SECRETSALT$SECRETHASH:19000:0:99999:7:::\n",
                         "SECRETWORD is the password SECRETWORD2\n"):
                write(os.path.join(d, "shadow"), text)
                s = write(os.path.join(d, "s.yaml"), "duration: 1m\nzone_file: shadow\n"
                          "senders:\n  - {name: isp, rate: 2/s, to: example.com}\n")
                for command in ("validate", "run"):
                    r = mxsim(command, s)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(os.path.join(d, "shadow") + ":1:", r.stderr)
                    self.assertNotIn("SECRETHASH", r.stderr)
                    self.assertNotIn(text.strip(), r.stderr)
                    self.assertNotIn("SECRETWORD2", r.stderr)

    def test_nul_byte_in_a_zone_file_is_located(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "z.zone"), "wb") as f:
                f.write(b"$ORIGIN example.com.\n@ IN MX 10 mx\nmx IN A 192.0.2.1\x00 ; rest\n")
            s = write(os.path.join(d, "s.yaml"), "duration: 1m\nzone_file: z.zone\n"
                      "senders:\n  - {name: isp, rate: 2/s, to: example.com}\n")
            r = mxsim("validate", s)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(os.path.join(d, "z.zone") + ":3:18: zone_file: a NUL byte", r.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--data", required=True)
    ARGS, rest = parser.parse_known_args()
    ARGS.mxsim = os.path.abspath(ARGS.mxsim)
    ARGS.data = os.path.abspath(ARGS.data)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
