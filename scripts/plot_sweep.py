#!/usr/bin/env python3
"""One field of an `mxsim sweep` CSV against one swept parameter: the mean
over seeds with its 95% Student-t interval, one line per value of another
parameter (--by). Values such as 20/s, 5m or 300ms are placed by their size.
Rows whose status is not "ok" are left out; an interrupted sweep's file
(last line "# incomplete: ...") plots what it has.

  scripts/plot_sweep.py results/sweeps/failover-backup-size.csv --y delivery_p99 -o sweep.png
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


def plot(rows, path, x=None, y="delivery_p99", by=None, logy=False, title=None):
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
        xs, means, halves = [], [], []
        for value in xs_all:
            values = [mxplot.number(r[y]) for r in members if r[x] == value]
            if not values:
                continue
            mean, half = mxplot.mean_ci95(values)
            xs.append(position[value])
            means.append(mean)
            halves.append(0 if math.isnan(half) else half)
        # On a log axis an interval that reaches below zero is cut at the axis.
        lows = [min(h, 0.999 * m) if logy else h for h, m in zip(halves, means)]
        ax.errorbar(xs, means, yerr=[lows, halves], marker="o", capsize=3, color=f"C{i}",
                    label=f"{by} = {key}" if by else None)
    if not numeric:
        ax.set_xticks(range(len(xs_all)))
        ax.set_xticklabels(xs_all)
    if logy:
        ax.set_yscale("log")
    unit = " (per s)" if numeric and any("/" in v for v in xs_all) else ""
    ax.set_xlabel(x + unit)
    seconds = y.startswith(("first_hop_", "delivery_")) and not y.endswith("_count") or y.endswith("_s")
    ax.set_ylabel(y + (" (s)" if seconds else ""))
    ax.grid(True, alpha=0.3)
    if by:
        ax.legend(fontsize=8, loc="best")
    seeds = len({r.get("seed") for r in rows})
    ax.set_title(title or f"{y} against {x}: mean over {seeds} seed{'s' if seeds != 1 else ''}, 95% interval",
                 fontsize=10)
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", metavar="SWEEP.csv", help="a CSV written by mxsim sweep (or mxsim merge)")
    parser.add_argument("-o", "--output", default="sweep.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--x", help="the parameter on the x axis (default: the first swept one)")
    parser.add_argument("--y", default="delivery_p99", help="the field to plot (default: %(default)s)")
    parser.add_argument("--by", help="one line per value of this parameter (default: the second swept one)")
    parser.add_argument("--logy", action="store_true", help="log scale on the y axis")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    plot(mxplot.read_csv(args.csv), args.output, args.x, args.y, args.by, args.logy, args.title)


if __name__ == "__main__":
    main()
