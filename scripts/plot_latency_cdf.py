#!/usr/bin/env python3
"""Latency CDFs of one or more mxsim runs, overlaid: first hop (submission to
the first 250 from any MX) and delivery (to a final server).

summary.json holds percentiles, not every latency, so each curve goes
through the reported points only: the scenario's report.percentiles (p50,
p90, p99, p99.9 by default) and the maximum. On the default logit axis the
tail percentiles are spread evenly; the maximum is then left out.

  scripts/plot_latency_cdf.py results/runs/seed-failover results/runs/backup-takeover -o cdf.png
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402

HOPS = {"first_hop": "first hop (submission to the first 250)", "delivery": "delivery (to a final server)"}


def plot(runs, path, hops=("first_hop", "delivery"), labels=None, yscale="logit", title=None):
    fig, axes = plt.subplots(1, len(hops), figsize=(6.2 * len(hops), 4.6), sharey=True, squeeze=False)
    labels = labels or [mxplot.run_label(r) for r in runs]
    for ax, hop in zip(axes[0], hops):
        drawn = 0
        for i, (run, label) in enumerate(zip(runs, labels)):
            h = run["summary"].get("latency_s", {}).get(hop) or {}
            points = [(p, v) for p, v in mxplot.percentile_points(h) if v > 0 and (yscale != "logit" or p < 1)]
            if not h.get("count") or not points:
                continue
            ps, vs = zip(*points)
            ax.plot(vs, ps, marker="o", markersize=4, label=f"{label}, n={h['count']}", color=f"C{i}")
            if h.get("mean"):
                ax.axvline(h["mean"], color=f"C{i}", linestyle=":", linewidth=1)
            drawn += 1
        ax.set_xscale("log")
        ax.set_yscale(yscale)
        if yscale == "logit":
            ticks = [p for p in (0.5, 0.9, 0.99, 0.999, 0.9999)]
            ax.set_yticks(ticks)
            ax.set_yticklabels([f"{100 * p:g}%" for p in ticks])
            ax.minorticks_off()
        ax.set_xlabel("latency (s, log scale)")
        ax.set_title(HOPS.get(hop, hop), fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        if drawn:
            ax.legend(fontsize=8, loc="lower right")
        else:
            ax.text(0.5, 0.5, "no messages", transform=ax.transAxes, ha="center")
    axes[0][0].set_ylabel("fraction of messages at or below")
    fig.suptitle(title or "Latency CDF through the reported percentiles (dotted: mean)", fontsize=11)
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="folders written by mxsim run --out")
    parser.add_argument("-o", "--output", default="latency-cdf.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--hop", choices=["first_hop", "delivery", "both"], default="both")
    parser.add_argument("--labels", nargs="+", help="one legend label per run (default: scenario and seed)")
    parser.add_argument("--yscale", choices=["logit", "linear"], default="logit",
                        help="logit spreads p50..p99.9 evenly (default); linear also shows the maximum")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    if args.labels and len(args.labels) != len(args.runs):
        parser.error("give one label per run")
    hops = ("first_hop", "delivery") if args.hop == "both" else (args.hop,)
    plot([mxplot.load_run(d) for d in args.runs], args.output, hops, args.labels, args.yscale, args.title)


if __name__ == "__main__":
    main()
