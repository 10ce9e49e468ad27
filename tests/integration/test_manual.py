#!/usr/bin/env python3
"""mxsim names itself and documents itself: `mxsim --version` (version, git
revision, SimGrid), and the man page and bash completion that
scripts/make-manual.py writes hold every command and every option that
`mxsim COMMAND --help` lists.

    test_manual.py --mxsim build/release/sim/mxsim --repo .
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest

ARGS = None


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def commands():
    listing = run(ARGS.mxsim, "--help").split("commands:", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in listing.splitlines() if line.strip()]


def options(command):
    """Every --option of the command's options section."""
    text = run(ARGS.mxsim, command, "--help").split("options:", 1)[1]
    return sorted(set(re.findall(r"^  (?:-\w \[ )?(--[\w-]+)", text, re.M)))


class Manual(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.man = os.path.join(cls.tmp.name, "mxsim.1")
        cls.completion = os.path.join(cls.tmp.name, "mxsim")
        subprocess.run([sys.executable, os.path.join(ARGS.repo, "scripts", "make-manual.py"), "--mxsim", ARGS.mxsim,
                        "--man", cls.man, "--completion", cls.completion], check=True)
        cls.page = subprocess.run(["man", "-l", cls.man], capture_output=True, text=True, check=True,
                                  env=dict(os.environ, MANWIDTH="200", MANPAGER="cat", PAGER="cat")).stdout
        cls.page = re.sub(r".\x08", "", cls.page)  # overstrike bold, should man not be plain

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_version_names_mxsim_git_and_simgrid(self):
        done = subprocess.run([ARGS.mxsim, "--version"], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.splitlines()
        self.assertRegex(lines[0], r"^mxsim \d+\.\d+\.\d+$")
        self.assertRegex(lines[1], r"^git revision (\S+)$")
        self.assertRegex(lines[2], r"^SimGrid 3\.\d+\.\d+$")

    def test_man_page_has_every_command_and_option(self):
        for command in commands():
            self.assertIn(f"mxsim {command}", self.page, command)
            for option in options(command):
                self.assertIn(option, self.page, f"{command} {option}")

    def complete(self, *words):
        script = (f'source "{self.completion}"; COMP_WORDS=({" ".join(words)}); '
                  f'COMP_CWORD={len(words) - 1}; _mxsim; printf "%s\\n" "${{COMPREPLY[@]}}"')
        return run("bash", "-c", script).split()

    def test_completion_has_every_command_and_option(self):
        self.assertIn("_mxsim", run("bash", "-c", f'source "{self.completion}"; complete -p mxsim'))
        self.assertEqual(sorted(self.complete("mxsim", "''")), sorted(commands() + ["--help", "--version"]))
        for command in commands():
            offered = self.complete("mxsim", command, "--")
            self.assertEqual(sorted(o for o in offered if o.startswith("--")), options(command), command)
        self.assertIn("least-connections", self.complete("mxsim", "run", "--selection", "le"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--repo", required=True)
    ARGS, rest = parser.parse_known_args()
    ARGS.mxsim = os.path.abspath(ARGS.mxsim)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
