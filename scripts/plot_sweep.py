#!/usr/bin/env python3
"""One field of an `mxsim sweep` CSV against one swept parameter: every
seed's value as a dot and the mean over the seeds as a line, one colour per
value of another parameter (--by). The spread of the dots is the evidence;
the script computes no interval of its own. Values such as 20/s, 5m or
300ms are placed by their size. Rows whose status is not "ok" are left out;
an interrupted sweep's file (last line "# incomplete: ...") plots what it has.

  scripts/plot_sweep.py results/sweeps/failover-backup-size.csv --y delivery_p99_s -o sweep.png
"""
import argparse
import math
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402


def parameters(rows):
    """The swept key paths: the columns between `points` and `seed`."""
    names = list(rows[0].keys())
    return names[names.index("points") + 1:names.index("seed")] if "points" in names and "seed" in names else []


def plot(rows, path, x=None, y="delivery_p99_s", by=None, logy=False, title=None):
    rows = [r for r in rows if r.get("status", "ok") == "ok"]
    if not rows:
        raise SystemExit("no finished points (status ok) in the CSV")
    params = parameters(rows)
    x = x or (params[0] if params else "seed")
    by = by if by is not None else next((p for p in params if p != x), None)
    for column in (x, y) + ((by,) if by else ()):
        if column not in rows[0]:
            raise SystemExit(f"no column {column!r}; columns: {', '.join(rows[0].keys())}")
    groups = OrderedDict()
    for r in rows:
        groups.setdefault(r[by] if by else "", []).append(r)
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    xs_all = sorted({r[x] for r in rows}, key=lambda v: (mxplot.parse_quantity(v), v))
    numeric = all(not math.isnan(mxplot.parse_quantity(v)) for v in xs_all)
    position = {v: (mxplot.parse_quantity(v) if numeric else i) for i, v in enumerate(xs_all)}
    for i, (key, members) in enumerate(sorted(groups.items(), key=lambda kv: (mxplot.parse_quantity(kv[0]), kv[0]))):
        xs, means = [], []
        for value in xs_all:
            values = [mxplot.number(r[y]) for r in members if r[x] == value]
            values = [v for v in values if not math.isnan(v)]
            if not values:
                continue
            ax.scatter([position[value]] * len(values), values, s=12, color=f"C{i}", alpha=0.5, linewidths=0)
            xs.append(position[value])
            means.append(sum(values) / len(values))
        ax.plot(xs, means, marker="o", color=f"C{i}", label=f"{by} = {key}" if by else "mean over seeds")
    if not numeric:
        ax.set_xticks(range(len(xs_all)))
        ax.set_xticklabels(xs_all)
    if logy:
        ax.set_yscale("log")
    unit = " (per s)" if numeric and any("/" in v for v in xs_all) else ""
    ax.set_xlabel(x + unit)
    ax.set_ylabel(mxplot.label(y))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    seeds = len({r.get("seed") for r in rows})
    ax.set_title(title or f"{mxplot.label(y)} against {x}\n(dots: each of {seeds} seed{'s' if seeds != 1 else ''};"
                 " line: their mean)", fontsize=10)
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", metavar="SWEEP.csv", help="a CSV written by mxsim sweep (or mxsim merge)")
    parser.add_argument("-o", "--output", default="sweep.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--x", help="the parameter on the x axis (default: the first swept one)")
    parser.add_argument("--y", default="delivery_p99_s", help="the field to plot (default: %(default)s)")
    parser.add_argument("--by", help="one line per value of this parameter (default: the second swept one)")
    parser.add_argument("--logy", action="store_true", help="log scale on the y axis")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    plot(mxplot.read_csv(args.csv), args.output, args.x, args.y, args.by, args.logy, args.title)


if __name__ == "__main__":
    main()
