#!/usr/bin/env python3
"""Per-server load of one mxsim run: each server's share of its domain's
accepted mail with a 95% Wilson (binomial) confidence interval, and what the
connections to it ended in (accepted, timeouts, refused, 421).

The dashed line over an equal-preference group is the equal share 1/k the
RFC's randomization aims at; a bar whose interval misses it is imbalanced
beyond chance. (The interval treats messages as independent draws: true of
the selection, not of a host that was down.)

  scripts/plot_load.py results/runs/seed-balance -o load.png
"""
import argparse
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402


def plot(run, path, title=None):
    s = run["summary"]
    servers = s.get("servers") or []
    if not servers and run["servers"]:
        servers = [{k: mxplot.number(v, v) for k, v in row.items()} for row in run["servers"]]
    domain_of, level_size = {}, {}
    for g in s.get("groups") or []:
        for host in g.get("hosts", []):
            domain_of[host] = g.get("domain", "")
            level_size[(g.get("domain"), g.get("preference"))] = len(g.get("hosts", []))
    totals = defaultdict(float)
    for x in servers:
        totals[domain_of.get(x.get("host"), "")] += float(x.get("accepted") or 0)

    names = [f'{x.get("host")}\n{x.get("address")} (pref {x.get("preference") if x.get("preference") is not None else "-"})'
             for x in servers]
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(9, 2.2 * len(servers) + 4), 4.8))
    xs = range(len(servers))
    for i, x in enumerate(servers):
        domain = domain_of.get(x.get("host"), "")
        n, k = totals[domain], float(x.get("accepted") or 0)
        share = k / n if n else 0.0
        lo, hi = mxplot.wilson(k, n)
        colour = f"C{sorted({str(v.get('preference')) for v in servers}).index(str(x.get('preference')))}"
        left.bar(i, share, color=colour, alpha=0.85)
        if n:
            # Rounding can put the Wilson bound a hair inside a share of 0 or 1.
            left.errorbar(i, share, yerr=[[max(share - lo, 0.0)], [max(hi - share, 0.0)]], color="black", capsize=4)
        left.text(i, share, f"{int(k)}\n", ha="center", va="bottom", fontsize=8)
        size = level_size.get((domain, x.get("preference")), 1)
        if size > 1:
            left.hlines(1 / size, i - 0.4, i + 0.4, colors="black", linestyles="dashed", linewidth=1)
    left.set_xticks(list(xs))
    left.set_xticklabels(names, fontsize=8)
    left.set_ylabel("share of the domain's accepted mail")
    left.set_ylim(0, 1.15)
    left.set_title("share with 95% Wilson interval (number: messages accepted)", fontsize=10)

    outcomes = [("accepted", "tab:green"), ("timeouts", "tab:red"), ("refused", "tab:orange"),
                ("tempfail", "tab:purple")]
    bottom = [0.0] * len(servers)
    for key, colour in outcomes:
        values = [float(x.get(key) or 0) for x in servers]
        right.bar(list(xs), values, bottom=bottom, color=colour, label=key if key != "tempfail" else "421 (tempfail)")
        bottom = [b + v for b, v in zip(bottom, values)]
    right.set_ylim(0, 1.3 * max(bottom + [1.0]))
    right.set_xticks(list(xs))
    right.set_xticklabels(names, fontsize=8)
    right.set_ylabel("connections")
    right.set_title("what the connections ended in", fontsize=10)
    right.legend(fontsize=8, loc="upper right", ncol=2)
    fig.suptitle(title or f"Load per server: {mxplot.run_label(run)}", fontsize=11)
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", metavar="RUN_DIR", help="a folder written by mxsim run --out")
    parser.add_argument("-o", "--output", default="load.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    plot(mxplot.load_run(args.run), args.output, args.title)


if __name__ == "__main__":
    main()
