#!/usr/bin/env python3
"""Writes mxsim's man page and bash completion from the program's own help.

Both come from what `mxsim --help` and `mxsim COMMAND --help` print (the
option descriptions the program parses with), so they cannot disagree with
it. Run at install time (packaging/CMakeLists.txt) with the binary being
installed:

    scripts/make-manual.py --mxsim build/release/sim/mxsim --man mxsim.1.gz --completion mxsim.bash
"""
import argparse
import gzip
import json
import re
import subprocess
import sys


def help_text(mxsim, *args):
    done = subprocess.run([mxsim, *args], capture_output=True, text=True, check=True)
    return done.stdout


def commands(mxsim):
    """(name, one-line synopsis) of every command `mxsim --help` lists."""
    out, listing = [], False
    for line in help_text(mxsim, "--help").splitlines():
        if line.strip() == "commands:":
            listing = True
        elif listing and line.startswith("  ") and line.strip():
            name, _, synopsis = line.strip().partition(" ")
            out.append((name, synopsis.strip()))
        elif listing and not line.strip():
            listing = False
    if not out:
        sys.exit("make-manual: `mxsim --help` lists no commands")
    return out


SHORT = re.compile(r"^  (-\w) \[ (--[\w-]+) \]( arg)?( \(=[^)]*\))?\s*(.*)$")
LONG = re.compile(r"^  (--[\w-]+)( arg)?( \(=[^)]*\))?\s*(.*)$")


def parse_command_help(text):
    """Splits boost::program_options' help into usage, description, options and notes.

    Options are dicts {short, long, arg, default, text}; a description that
    wraps continues on lines indented past the option column."""
    lines = text.splitlines()
    usage = lines[0].strip()
    description, options, notes = [], [], []
    i = 1
    while i < len(lines) and lines[i].strip() != "options:":
        if lines[i].strip():
            description.append(lines[i].strip())
        i += 1
    i += 1
    column = None
    while i < len(lines):
        line = lines[i]
        short = SHORT.match(line)
        long = LONG.match(line) if not short else None
        if short or long:
            if short:
                s, name, arg, default, rest = short.groups()
            else:
                name, arg, default, rest = long.groups()
                s = None
            options.append({"short": s, "long": name, "arg": bool(arg),
                            "default": default[3:-1] if default else None, "text": rest.strip()})
            column = len(line) - len(rest) if rest else None
        elif options and line.startswith(" " * 4) and line.strip() and (column is None or line[:column].strip() == ""):
            options[-1]["text"] = (options[-1]["text"] + " " + line.strip()).strip()
        elif not line.strip() and options:
            notes = lines[i + 1:]
            break
        i += 1
    return usage, " ".join(description), options, notes


def roff(text):
    """Escapes text for roff: backslashes, leading dots and quotes, dashes."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith(".") or text.startswith("'"):
        text = "\\&" + text
    return text


def man_page(mxsim, version):
    out = [
        '.TH MXSIM 1 "" "mxsim %s" "User Commands"' % version,
        ".SH NAME",
        "mxsim \\- simulate e\\-mail delivery to DNS MX record sets",
        ".SH SYNOPSIS",
        ".B mxsim",
        ".I COMMAND",
        "[\\fIoptions\\fR]",
        ".br",
        ".B mxsim \\-\\-version",
        ".SH DESCRIPTION",
        "mxsim is a discrete\\-event simulator (on SimGrid) of mail delivery to the MX hosts of a domain.",
        "A YAML scenario describes the domain's zone, its SMTP servers, the sending MTAs and a timeline of faults;",
        "mxsim reports how late mail is, where it went and how evenly the load spread.",
        "The scenario format is /usr/share/doc/mxsim/docs/scenario\\-format.md; the example scenarios are in",
        "/usr/share/mxsim/scenarios.",
        ".SH COMMANDS",
    ]
    for name, synopsis in commands(mxsim):
        usage, description, options, notes = parse_command_help(help_text(mxsim, name, "--help"))
        out += [".SS \"%s\"" % roff(usage), roff(description or synopsis)]
        for o in options:
            head = "\\fB%s\\fR" % roff(o["long"])
            if o["short"]:
                head = "\\fB%s\\fR, %s" % (roff(o["short"]), head)
            if o["arg"]:
                head += " \\fIarg\\fR"
            text = o["text"] + (" (default: %s)" % o["default"] if o["default"] else "")
            out += [".TP", head, roff(text)]
        body = [n for n in notes]
        while body and not body[-1].strip():
            body.pop()
        if body:
            out += [".PP", ".nf"] + [roff(n) if n.strip() else "" for n in body] + [".fi"]
    out += [
        ".SH EXIT STATUS",
        "0 success (validate: no findings); 1 findings, a run that broke the conservation of messages, or failed",
        "runs of a sweep or comparison; 2 unusable input, with file:line:column on standard error;",
        "130 and 143 after SIGINT and SIGTERM (the reports written so far are marked incomplete).",
        ".SH FILES",
        ".TP",
        "/usr/share/mxsim/scenarios",
        "example scenarios, each opening with what it shows",
        ".TP",
        "/usr/share/doc/mxsim",
        "README.md and docs/: the scenario format, the outputs, the MTA profiles, the lint checks",
        ".SH EXAMPLES",
        ".nf",
        "mxsim run /usr/share/mxsim/scenarios/seed\\-failover.yaml \\-\\-out out",
        "mxsim\\-plot\\-run out",
        "mxsim validate my\\-domain.yaml",
        ".fi",
        ".SH SEE ALSO",
        "mxsim\\-plot\\-run(1) and the other mxsim\\-plot\\-* scripts (each takes \\-\\-help)",
    ]
    return "\n".join(out) + "\n"


def completion(mxsim):
    names = [name for name, _ in commands(mxsim)]
    cases = []
    for name in names:
        _, _, options, _ = parse_command_help(help_text(mxsim, name, "--help"))
        words = []
        with_arg = []
        for o in options:
            words.append(o["long"])
            if o["short"]:
                words.append(o["short"])
            if o["arg"]:
                with_arg.append(o["long"])
                if o["short"]:
                    with_arg.append(o["short"])
        cases.append("    %s) opts=\"%s\"; args=\"%s\" ;;" % (name, " ".join(words), " ".join(with_arg)))
    policies = subprocess.run([mxsim, "policies", "--format", "json"], capture_output=True, text=True, check=True)
    policy_names = " ".join(p["name"] for p in json.loads(policies.stdout))
    return """# bash completion for mxsim, written by scripts/make-manual.py from `mxsim COMMAND --help`.
_mxsim() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts args
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "%s --help --version" -- "$cur"))
    return
  fi
  case ${COMP_WORDS[1]} in
%s
    *) return ;;
  esac
  case $prev in
    --selection) COMPREPLY=($(compgen -W "%s" -- "$cur")); return ;;
  esac
  # An option that takes a value: complete file names (compgen's default).
  if [[ " $args " == *" $prev "* ]]; then return; fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  fi
}
complete -o default -F _mxsim mxsim
""" % (" ".join(names), "\n".join(cases), policy_names)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mxsim", required=True, help="the mxsim binary to ask")
    parser.add_argument("--man", help="write the man page here (gzipped when the name ends in .gz)")
    parser.add_argument("--completion", help="write the bash completion script here")
    args = parser.parse_args()
    version = help_text(args.mxsim, "--version").split()[1]
    if args.man:
        page = man_page(args.mxsim, version).encode()
        if args.man.endswith(".gz"):
            # mtime 0 and no file name: the same page gives the same bytes.
            with open(args.man, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
                f.write(page)
        else:
            with open(args.man, "wb") as f:
                f.write(page)
    if args.completion:
        with open(args.completion, "w") as f:
            f.write(completion(args.mxsim))


if __name__ == "__main__":
    main()
