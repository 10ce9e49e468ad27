#!/usr/bin/env python3
"""Policy comparison from `mxsim compare`: for each metric and scenario, the
mean over the replications of each policy with its 95% Student-t interval,
both read from NAME-intervals.csv (mxsim computes them; this script computes
nothing). The dashed line is the baseline policy's mean; a bar whose paired
difference against the baseline mxsim found significant (lower or higher)
is drawn solid, the others pale.

  scripts/plot_compare.py results/compare/selection.csv -o compare.png
  (reads results/compare/selection-intervals.csv beside it)
"""
import argparse
import math
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402

DEFAULT_METRICS = ["delivery_p99_s", "first_hop_p99_s", "delivery_p50_s", "timeouts_per_message",
                   "tempfail_per_message", "max_over_mean_best_level", "jain_index_best_level"]


def read_intervals(paths):
    rows = []
    for path in paths:
        intervals = mxplot.intervals_path(path)
        if not os.path.exists(intervals):
            raise SystemExit(f"{intervals}: missing; mxsim compare writes it beside {os.path.basename(path)} "
                             "(run the comparison again with this mxsim)")
        rows += mxplot.read_csv(intervals)
    return rows


def plot(rows, path, metrics=None, title=None):
    """One panel per metric (rows) and scenario (columns), each on its own
    scale: scenarios differ by orders of magnitude. Bars are the policies."""
    means = [r for r in rows if not r["versus"]]
    if not means:
        raise SystemExit("the intervals CSV has no rows")
    available = list(OrderedDict.fromkeys(r["metric"] for r in means))
    metrics = metrics or [m for m in DEFAULT_METRICS if m in available]
    missing = [m for m in metrics if m not in available]
    if missing:
        raise SystemExit(f"no metric {', '.join(missing)}; metrics: {', '.join(available)}")
    scenarios = list(OrderedDict.fromkeys(r["scenario"] for r in means))
    policies = list(OrderedDict.fromkeys(r["policy"] for r in means))
    baseline = next((r["versus"] for r in rows if r["versus"]), None)
    by_key = {(r["scenario"], r["policy"], r["metric"]): r for r in means}
    verdicts = {(r["scenario"], r["policy"], r["metric"]): r["verdict"] for r in rows if r["versus"]}

    # Saturated colours only: paleness says "no difference shown".
    palette = [plt.get_cmap("tab10")(k) for k in range(10)] + ["black", "gold", "navy", "lime"]
    colours = [palette[k % len(palette)] for k in range(len(policies))]
    height = 2.1 * len(metrics) + 2.0
    fig, axes = plt.subplots(len(metrics), len(scenarios), squeeze=False,
                             figsize=(max(7.0, (0.32 * len(policies) + 1.4) * len(scenarios)), height))
    for i, metric in enumerate(metrics):
        for j, scenario in enumerate(scenarios):
            ax = axes[i][j]
            top = 0.0
            for k, policy in enumerate(policies):
                r = by_key.get((scenario, policy, metric))
                mean = mxplot.number(r["mean"]) if r else math.nan
                if math.isnan(mean):
                    continue
                half = mxplot.number(r["ci95_half_width"])
                shown = policy == baseline or verdicts.get((scenario, policy, metric)) in ("lower", "higher")
                ax.bar(k, mean, 0.8, yerr=None if math.isnan(half) else half, capsize=2, color=colours[k],
                       alpha=1.0 if shown else 0.35)
                top = max(top, mean + (0 if math.isnan(half) else half))
                if policy == baseline:
                    ax.axhline(mean, color="black", linestyle="--", linewidth=0.8)
            # An all-zero metric gets a plain 0..1 axis rather than matplotlib's -0.04..0.04.
            ax.set_ylim(0, top * 1.15 if top > 0 else 1)
            ax.set_xticks([])
            ax.tick_params(labelsize=7)
            ax.grid(True, axis="y", alpha=0.3)
            if i == 0:
                ax.set_title(scenario, fontsize=9)
            if j == 0:
                ax.set_ylabel(mxplot.label(metric), fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[k]) for k in range(len(policies))]
    names = [f"{p} (baseline)" if p == baseline else p for p in policies]
    fig.legend(handles, names, loc="lower center", ncol=min(len(policies), 5), fontsize=8, frameon=False)
    n = next((r["n"] for r in means if r["n"] not in ("", "0")), "?")
    fig.suptitle(title or f"Selection policies compared: mean of {n} replications with its 95% confidence interval"
                 + (f"\ndashed: {baseline}; pale: no difference from it shown (paired by seed)" if baseline else ""),
                 fontsize=11)
    rows_of_legend = math.ceil(len(policies) / 5)
    fig.tight_layout(rect=(0, (0.35 + 0.25 * rows_of_legend) / height, 1, 1 - 0.7 / height))
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+", metavar="COMPARE.csv",
                        help="CSV files written by mxsim compare (NAME.csv or NAME-intervals.csv)")
    parser.add_argument("-o", "--output", default="compare.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--metrics", nargs="+", help=f"metrics to plot (default: {' '.join(DEFAULT_METRICS)})")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    plot(read_intervals(args.csv), args.output, args.metrics, args.title)


if __name__ == "__main__":
    main()
