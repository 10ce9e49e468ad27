#!/usr/bin/env python3
"""Turn mxsim_bench JSON output into the README's benchmark table.

    mxsim_bench --benchmark_filter='BM_(Model|Engine|EngineNetwork)/1000000/|BM_Backlog' \\
        --benchmark_out=new.json --benchmark_out_format=json
    scripts/bench-table.py new.json                      # print the table
    scripts/bench-table.py new1.json new2.json --old old1.json old2.json   # with the older binary's column
    scripts/bench-table.py new.json --old old.json --readme README.md   # rewrite the table in place

With --benchmark_repetitions, or several files (runs of the old and new
binaries interleaved), the table shows the median of the rows of one
benchmark (and the range of msgs/s when there are several).
With --readme the table between the lines `<!-- bench-table:begin -->` and
`<!-- bench-table:end -->` is replaced; nothing else in the file changes.
"""
import argparse
import json
import re
import statistics
import sys

BEGIN = "<!-- bench-table:begin -->"
END = "<!-- bench-table:end -->"

# What each benchmark measures, in the order of the table.
LABELS = [
    ("BM_Model", "model only (no SimGrid)"),
    ("BM_Engine", "engine, fast sessions"),
    ("BM_EngineNetwork", "engine, network sessions (transfer + work)"),
    ("BM_EngineNetworkTransfer", "engine, network sessions (transfer only)"),
    ("BM_Backlog", "all-down day (every message waiting)"),
]


def load(paths):
    """{(benchmark, N): [row, ...]} from JSON files (repetitions and files kept apart)."""
    runs = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            runs = add_rows(runs, json.load(f))
    return runs


def add_rows(runs, data):
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        m = re.match(r"(BM_\w+)/(\d+)/", b["name"] + "/")
        if not m:
            continue
        runs.setdefault((m.group(1), int(m.group(2))), []).append(b)
    return runs


def figure(rows, key):
    values = [r[key] for r in rows if key in r]
    return statistics.median(values) if values else None


def spread(rows, key):
    values = [r[key] for r in rows if key in r]
    return (min(values), max(values)) if len(values) > 1 else None


def rate(value):
    if value is None:
        return ""
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.0f} k"


def main_figure(name, rows):
    """The headline figure of a row: messages per second, or bytes per waiting message."""
    if name == "BM_Backlog":
        v = figure(rows, "bytes_per_waiting")
        return v, (f"{v:.0f} B/waiting msg" if v is not None else "")
    v = figure(rows, "msgs_per_s")
    r = spread(rows, "msgs_per_s")
    text = rate(v) + " msgs/s"
    if r:
        text += f" ({rate(r[0])}-{rate(r[1])})"
    return v, text


def table(new, old):
    head = "| run | messages | new | peak RSS |"
    rule = "|---|---|---|---|"
    if old:
        head = "| run | messages | old | new | new/old | peak RSS old -> new |"
        rule = "|---|---|---|---|---|---|"
    lines = [head, rule]
    for name, label in LABELS:
        for key in sorted(k for k in new if k[0] == name):
            n = key[1]
            v_new, t_new = main_figure(name, new[key])
            rss_new = figure(new[key], "peak_rss_MB")
            size = f"10^{len(str(n)) - 1}" if str(n).strip("0") == "1" else str(n)
            if not old:
                lines.append(f"| {label} | {size} | {t_new} | {rss_new:.1f} MB |")
                continue
            rows_old = old.get(key)
            v_old, t_old = main_figure(name, rows_old) if rows_old else (None, "")
            rss_old = figure(rows_old, "peak_rss_MB") if rows_old else None
            ratio = ""
            if v_old and v_new:
                # Bytes: smaller is better, so the ratio is old/new like the speed-up.
                ratio = f"{(v_old / v_new if name == 'BM_Backlog' else v_new / v_old):.2f}x"
            rss = f"{rss_old:.1f} -> {rss_new:.1f} MB" if rss_old is not None else f"{rss_new:.1f} MB"
            lines.append(f"| {label} | {size} | {t_old} | {t_new} | {ratio} | {rss} |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("new", nargs="+", help="mxsim_bench --benchmark_out JSON files of the binary measured")
    p.add_argument("--old", nargs="+", help="the same from an older binary, run side by side")
    p.add_argument("--readme", help="replace the table between the bench-table markers of this file")
    args = p.parse_args()
    new = load(args.new)
    if not new:
        sys.exit(f"bench-table: {' '.join(args.new)}: no whole-run benchmark rows")
    text = table(new, load(args.old) if args.old else None)
    if not args.readme:
        sys.stdout.write(text)
        return
    with open(args.readme, encoding="utf-8") as f:
        readme = f.read()
    if BEGIN not in readme or END not in readme:
        sys.exit(f"bench-table: {args.readme} has no {BEGIN} ... {END} lines")
    before, rest = readme.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    with open(args.readme, "w", encoding="utf-8") as f:
        f.write(before + BEGIN + "\n" + text + END + after)


if __name__ == "__main__":
    main()
