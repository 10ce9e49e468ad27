"""What several whole-program tests share: their command line (paths to
mxsim and to test data) and whether mxsim runs under AddressSanitizer."""
import argparse
import functools
import os
import sys


def parse_paths(*names):
    """Reads --NAME PATH for each name (required, made absolute); returns
    them as attributes and the rest of the command line for unittest.main."""
    parser = argparse.ArgumentParser()
    for name in names:
        parser.add_argument(f"--{name}", required=True)
    args, rest = parser.parse_known_args()
    for name in names:
        setattr(args, name, os.path.abspath(getattr(args, name)))
    return args, [sys.argv[0], *rest]


@functools.lru_cache(maxsize=None)
def sanitized(mxsim):
    """True when `mxsim` is built with AddressSanitizer, which reserves
    terabytes of address space, doubles resident memory and slows freeing:
    memory and time bounds hold for the optimized build. g++ links the ASan
    runtime dynamically, clang statically: either way the executable names
    __asan_init."""
    with open(mxsim, "rb") as f:
        return any(b"__asan_init" in chunk for chunk in iter(functools.partial(f.read, 1 << 24), b""))
