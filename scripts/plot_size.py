#!/usr/bin/env python3
"""What `mxsim size --out DIR` found: for each target, its metric against the
value searched, every seed's run as a dot, the mean with the interval mxsim
decided on, the target as a horizontal line, the answer marked. Reads only
DIR/size.json; computes no statistic of its own. Values such as 20/s are
placed by their number.

  scripts/plot_size.py DIR -o size.png
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402

COLOURS = {"holds": "C2", "fails": "C3", "not shown": "C1"}


def plot(doc, path, logy=False, title=None):
    evaluations = sorted(doc["evaluations"], key=lambda e: e["number"])
    if not evaluations:
        raise SystemExit("size.json has no value run yet")
    targets = doc["targets"]
    fig, axes = plt.subplots(len(targets), 1, figsize=(7.5, 3.4 * len(targets) + 0.8), squeeze=False)
    for t, (target, ax) in enumerate(zip(targets, axes[:, 0])):
        xs, means = [], []
        for e in evaluations:
            result = e["targets"][t]
            x = e["number"]
            colour = COLOURS.get(result["verdict"], "C0")
            samples = result["samples"]
            ax.scatter([x] * len(samples), samples, s=12, color=colour, alpha=0.45, linewidths=0)
            if result["mean"] is None:
                continue
            xs.append(x)
            means.append(result["mean"])
            half = result["half_width"]
            if half is not None and not math.isnan(half):
                ax.errorbar([x], [result["mean"]], yerr=[[half], [half]], fmt="o", color=colour, capsize=3, ms=4)
        ax.plot(xs, means, color="0.4", lw=0.8, zorder=0)
        ax.axhline(target["value"], color="k", ls="--", lw=1, label=f"target: {target['text']}")
        if doc.get("answer") is not None:
            answer = next(e["number"] for e in evaluations if e["value"] == doc["answer"])
            ax.axvline(answer, color="C2", lw=1, alpha=0.7, label=f"answer: {doc['answer']}")
        if logy:
            ax.set_yscale("symlog", linthresh=max(abs(target["value"]) / 10, 1e-9))
        ax.set_ylabel(target["metric"], fontsize=9)
        ax.grid(True, alpha=0.3)
        for verdict, colour in COLOURS.items():
            ax.plot([], [], "o", color=colour, label=verdict)
        ax.legend(fontsize=8, loc="best")
    axes[-1, 0].set_xlabel(doc["key"])
    runs = doc.get("runs", 0)
    confidence = doc.get("confidence", 0.95)
    note = "" if doc.get("complete", True) else " (interrupted)"
    if doc.get("contradictions"):
        note += " - NOT MONOTONE"
    axes[0, 0].set_title(title or f"mxsim size: {doc.get('scenario', '')}, {doc['key']}{note}\n"
                         f"dots: each seed; bars: {confidence:g} intervals; {runs} runs", fontsize=10)
    fig.tight_layout()
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", metavar="DIR", help="the --out folder of mxsim size")
    parser.add_argument("-o", "--output", default="size.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--logy", action="store_true", help="log scale on the y axis (linear near 0)")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    path = os.path.join(args.dir, "size.json")
    if not os.path.exists(path):
        raise SystemExit(f"{path}: no such file (run mxsim size --out {args.dir})")
    with open(path, encoding="utf-8") as f:
        plot(json.load(f), args.output, args.logy, args.title)


if __name__ == "__main__":
    main()
