#!/usr/bin/env python3
"""Turn the folder of one `mxsim run --out OUTDIR` into PNGs: the latency CDF,
the load per server and the time series, written into OUTDIR (or --png-dir).
With --html, also OUTDIR/report.html: one self-contained page (what ran, the
summary tables, the faults as applied and every figure, the images inside
the file) to attach to a postmortem.

Everything comes from the run's own outputs: the fault windows and zone
changes are those summary.json records, not the scenario file's.

  mxsim run scenarios/seed-failover.yaml --out out/failover
  scripts/plot_run.py out/failover --html
      -> out/failover/latency-cdf.png, load.png, timeseries.png, report.html
"""
import argparse
import base64
import html
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
import plot_latency_cdf  # noqa: E402
import plot_load  # noqa: E402
import plot_timeseries  # noqa: E402


def duration(s):
    s = float(s)
    if s < 1:
        return f"{s * 1000:.1f} ms"
    if s < 120:
        return f"{s:.2f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.2f} h"


def table(headings, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def report_html(run, figures):
    s = run["summary"]
    m = s["messages"]
    parts = [f"<h1>mxsim run: {html.escape(s['scenario'])}</h1>"]
    if s.get("description"):
        parts.append(f"<p>{html.escape(s['description'])}</p>")
    if not s.get("complete", True):
        parts.append("<p><strong>Incomplete: the run was interrupted; the figures cover what it measured.</strong></p>")
    parts.append("<h2>What ran</h2>" + table(["field", "value"], [
        ("scenario file", s.get("scenario_path", "")), ("scenario SHA-256", s.get("scenario_sha256", "")),
        ("zone SHA-256", s.get("zone_sha256", "")), ("mxsim version", s.get("mxsim_version", "")),
        ("seed", s.get("seed", "")), ("simulated", duration(s.get("simulated_s", 0)))]))
    parts.append("<h2>Messages</h2>" + table(["submitted", "delivered", "bounced", "pending"],
                                             [(m["submitted"], m["delivered"], m["bounced"], m["pending"])]))
    bounces = [(k, v) for k, v in sorted((s.get("bounces") or {}).items()) if v]
    if bounces:
        parts.append("<h3>Bounces by reason</h3>" + table(["reason", "messages"], bounces))
    latency_rows = []
    for hop, name in (("first_hop", "first hop"), ("delivery", "delivery")):
        h = s["latency_s"][hop]
        latency_rows.append((name, h["count"], *(duration(h[k]) for k in ("mean", "p50", "p90", "p99", "p999", "max"))))
    parts.append("<h2>Latency</h2>" + table(["", "messages", "mean", "p50", "p90", "p99", "p99.9", "max"],
                                            latency_rows))
    parts.append("<h2>Servers</h2>" + table(
        ["host", "address", "preference", "accepted", "share", "connections", "timeouts", "421s", "peak sessions",
         "utilization", "peak-bin utilization"],
        [(x["host"], x["address"], "-" if x["preference"] is None else x["preference"], x["accepted"],
          f'{100 * x["share"]:.1f}%', x["connections"], x["timeouts"], x["tempfail"], x["peak_sessions"],
          f'{100 * x["utilization"]:.1f}%', f'{100 * x.get("utilization_peak_bin", 0):.1f}%')
         for x in s["servers"]]))
    parts.append("<h2>Fairness per preference level</h2><p>Over the messages accepted while every host of the "
                 "level was up.</p>" + table(
                     ["domain", "preference", "hosts", "accepted", "accepted while up", "Jain", "max/mean", "chi-square p"],
                     [(g["domain"], g["preference"], ", ".join(g["hosts"]), g["accepted"],
                       ", ".join(str(n) for n in g.get("accepted_while_up", [])), f'{g["jain_index"]:.4f}',
                       f'{g["max_over_mean"]:.4f}', f'{g["chi2_p"]:.4g}') for g in s.get("groups") or []]))
    windows, instants = mxplot.applied_events(s)
    if windows or instants:
        rows = [(duration(a), duration(b), f, t) for a, b, f, t in windows]
        rows += [(duration(at), "", text, "") for at, text in instants]
        parts.append("<h2>Faults and zone changes as applied</h2>" + table(["from", "to", "event", "target"], rows))
    if s.get("warnings"):
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in s["warnings"]) + "</ul>")
    parts.append("<h2>Figures</h2>")
    for caption, path in figures:
        with open(path, "rb") as f:
            data = base64.b64encode(f.read()).decode()
        parts.append(f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    style = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:0.5em 0 1em}td,th{border:1px solid #ccc;padding:0.2em 0.6em;"
             "text-align:left;font-size:0.9em}th{background:#f0f0f0}img{max-width:100%}figure{margin:1em 0}"
             "figcaption{font-size:0.9em;color:#555}")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mxsim run: "
            f"{html.escape(s['scenario'])}</title><style>{style}</style></head><body>\n" + "\n".join(parts)
            + "\n</body></html>\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", metavar="OUTDIR", help="a folder written by mxsim run --out")
    parser.add_argument("--png-dir", help="where to write the PNGs (default: OUTDIR)")
    parser.add_argument("--prefix", default="", help="put before each PNG's name, e.g. seed-failover-")
    parser.add_argument("--until", type=mxplot.parse_duration,
                        help="end of the time-series axis, e.g. 6h (units ms, s, m, h, d; default: the run's end)")
    parser.add_argument("--html", action="store_true", help="also write OUTDIR/report.html, one self-contained page")
    args = parser.parse_args(argv)
    run = mxplot.load_run(args.outdir)
    target = args.png_dir or args.outdir
    name = lambda stem: os.path.join(target, f"{args.prefix}{stem}.png")  # noqa: E731
    figures = [("Latency CDF", name("latency-cdf")), ("Load per server", name("load"))]
    plot_latency_cdf.plot([run], figures[0][1])
    plot_load.plot(run, figures[1][1])
    if run["timeseries"] is not None or run["queue"] is not None:
        figures.append(("Accepted mail and sender queues over time", name("timeseries")))
        plot_timeseries.plot(run, figures[2][1], until=args.until)
    if args.html:
        path = os.path.join(args.outdir, "report.html")
        with open(path, "w", encoding="utf-8") as f:
            f.write(report_html(run, figures))
        print(path)


if __name__ == "__main__":
    main()
