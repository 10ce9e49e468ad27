#!/usr/bin/env python3
"""Per-server load of one mxsim run, from summary.json: each server's share
of its domain's accepted mail with its utilization, and what the connections
to it ended in (accepted, timeouts, refused, 421).

The dashed line over an equal-preference level is the equal share 1/k the
RFC's randomization aims at. Whether a level's split is even is mxsim's
judgement, printed under its name: Jain's index and the chi-square p-value
over the messages accepted while the whole level was up (an outage or a
renumbered address is no imbalance). Utilization is busy session-seconds
over sessions x the seconds the host was up while it received traffic;
"peak" is the same over the busiest report bin.

  scripts/plot_load.py results/runs/seed-balance -o load.png
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402

OUTCOMES = [("accepted", "tab:green", "accepted"), ("timeouts", "tab:red", "timed out"),
            ("refused", "tab:orange", "refused (reset)"), ("tempfail", "tab:purple", "421 (busy or tempfail)")]


def plot(run, path, title=None):
    s = run["summary"]
    servers = s.get("servers") or []
    if not servers:
        raise SystemExit(f'{run["dir"]}: summary.json lists no servers')
    level_of, groups = {}, s.get("groups") or []
    for g in groups:
        for host in g.get("hosts", []):
            level_of.setdefault(host, g)

    names = [f'{x["host"]}\n{x["address"]}\npreference {x["preference"] if x.get("preference") is not None else "-"}'
             for x in servers]
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(10, 2.4 * len(servers) + 5), 5.4))
    xs = list(range(len(servers)))
    preferences = sorted({str(x.get("preference")) for x in servers})
    for i, x in enumerate(servers):
        share = float(x.get("share") or 0)
        colour = f"C{preferences.index(str(x.get('preference')))}"
        left.bar(i, share, color=colour, alpha=0.85)
        left.text(i, share + 0.02, f'{int(x.get("accepted") or 0)} msgs\nutil {100 * float(x.get("utilization") or 0):.0f}%'
                  f' (peak {100 * float(x.get("utilization_peak_bin") or 0):.0f}%)', ha="center", va="bottom", fontsize=7)
        g = level_of.get(x["host"])
        if g and len(g.get("hosts", [])) > 1 and g.get("preference") == x.get("preference"):
            left.hlines(1 / len(g["hosts"]), i - 0.4, i + 0.4, colors="black", linestyles="dashed", linewidth=1)
    left.set_xticks(xs)
    left.set_xticklabels(names, fontsize=8)
    left.set_ylabel("share of the domain's accepted mail")
    left.set_ylim(0, 1.25)
    left.set_title("share of accepted mail (dashed: equal share in its level)", fontsize=10)
    verdicts = [f'{g["domain"]} pref {g["preference"]}: Jain {g["jain_index"]:.3f}, chi-square p {g["chi2_p"]:.3g}'
                for g in groups if len(g.get("hosts", [])) > 1]
    if verdicts:
        left.text(0.01, 0.99, "\n".join(verdicts), transform=left.transAxes, va="top", fontsize=7,
                  bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})

    bottom = [0.0] * len(servers)
    for key, colour, text in OUTCOMES:
        values = [float(x.get(key) or 0) for x in servers]
        right.bar(xs, values, bottom=bottom, color=colour, label=text)
        bottom = [b + v for b, v in zip(bottom, values)]
    right.set_ylim(0, 1.3 * max(bottom + [1.0]))
    right.set_xticks(xs)
    right.set_xticklabels(names, fontsize=8)
    right.set_ylabel("connection attempts")
    right.set_title("what the connection attempts ended in", fontsize=10)
    right.legend(fontsize=8, loc="upper right", ncol=2)
    fig.suptitle(title or f"Load per server: {mxplot.run_label(run)}", fontsize=11)
    fig.tight_layout()
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
