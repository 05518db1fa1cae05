#!/usr/bin/env python3
"""Runs wakeful-micro and the Rust reference side by side and prints the ratios.

    load/micro/compare.py [--rounds 3] [--quick] [--n N[,N...]] [--rt 1thread|2threads]... [--simultaneous [--self]]
                          [--reference PATH] [workload ...]

Builds wakeful-micro (release preset) and the Rust reference, rust-micro (load/micro/rust: tokio
1.24 and futures 0.3 from Debian's crates, offline, into build/rust-micro), then runs each workload
of load/micro/WORKLOADS.md alternately, reference then wakeful, for several rounds, with the malloc
settings of WORKLOADS.md for both. --reference PATH runs another build of the reference instead
(one with the same command line and CSV), and builds no Rust.
Each program run reports the median of its own measured runs; the table shows the median of
those medians over the rounds, and the ratio wakeful / reference (below 1: wakeful is faster).
Results go to stdout and to load/results/micro-<time>.{csv,md}. With --n, the join-set workloads
run at those sizes instead of WORKLOADS.md's 1,000 / 10,000 / 100,000 (small sizes show where the
naive poll-all join stops losing: `--n 1,2,3,4,8,16,64,1000,10000,100000 joinset_manual`).

With --wakeful given more than once (`--wakeful reactor_op=build/release/load/micro/wakeful-micro
--wakeful async_wait=build/aw/load/micro/wakeful-micro`), each round runs every build in turn and
the table has a row per build, each with its own ratio to the same reference runs: builds that
differ only in a configure option (the I/O backend) are then measured in one run.

With --simultaneous, each round runs the two programs at the same time instead, each pinned to a
CPU of its own (swapped every round), on one-thread runtimes only (wakeful's 1thread, tokio's
ct_enable_all): on a shared host whose speed drifts from minute to minute, both sides then meet
the same minute, and the ratio shown is the median of the rounds' own ratios. The two still
share the caches and memory beyond their cores; an A/A run (`--simultaneous --self`, wakeful
against itself) shows how far apart two identical programs land.
"""

import argparse
import csv
import io
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUST_PACKAGE = ROOT / "load" / "micro" / "rust"
WAKEFUL = ROOT / "build" / "release" / "load" / "micro" / "wakeful-micro"
CARGO_TARGET = ROOT / "build" / "rust-micro"
REFERENCE = CARGO_TARGET / "release" / "rust-micro"
MALLOC_ENV = {
    "MALLOC_TRIM_THRESHOLD_": "4294967295",
    "MALLOC_TOP_PAD_": "1073741824",
    "MALLOC_MMAP_THRESHOLD_": "33554432",
}
WORKLOADS = ["joinset_manual", "joinset_tokio", "spawn", "pingpong", "yield", "timer", "tcp", "semaphore", "broadcast",
             "udp", "fanout", "proxy"]
# wakeful's runtime flavour -> the reference's flavours it is compared with (first = primary).
FLAVOURS = {"1thread": ["ct_enable_all", "ct_no_drivers"], "2threads": ["mt2_enable_all"]}


def build(rust):
    subprocess.run([str(ROOT / "scripts" / "setup-debian.sh"), "--bench"], check=True)
    subprocess.run(["cmake", "--preset", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", "--preset", "release", "--target", "wakeful-micro"], cwd=ROOT, check=True)
    if rust:
        # In the package's directory, whose .cargo/config.toml points cargo at Debian's crates;
        # the target directory is set here too, so that no CARGO_TARGET_DIR of the caller's moves it.
        env = dict(os.environ, CARGO_TARGET_DIR=str(CARGO_TARGET))
        subprocess.run(["cargo", "build", "--release", "--locked", "--offline"], cwd=RUST_PACKAGE, env=env,
                       check=True)


RUNS = None  # --runs: measured runs per program run (None: the programs' default, 5)


def command(binary, workload, quick, n=None, flavour=None):
    return ([str(binary), workload] + (["--quick"] if quick else []) + (["--n", str(n)] if n else []) +
            (["--rt", flavour] if flavour else []) + (["--runs", str(RUNS)] if RUNS else []))


def rows_of(output):
    return list(csv.DictReader(io.StringIO(output)))


def run(binary, workload, quick, n=None, flavour=None):
    env = dict(os.environ, **MALLOC_ENV)
    out = subprocess.run(command(binary, workload, quick, n, flavour), env=env, check=True, capture_output=True,
                         text=True).stdout
    return rows_of(out)


def run_simultaneously(commands, cpus):
    """Starts every command at once, each pinned to its CPU; returns their outputs' rows."""
    env = dict(os.environ, **MALLOC_ENV)
    processes = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True,
                         preexec_fn=lambda cpu=cpu: os.sched_setaffinity(0, {cpu}))
        for args, cpu in zip(commands, cpus)
    ]
    outputs = [p.communicate()[0] for p in processes]
    for args, p in zip(commands, processes):
        if p.returncode != 0:
            raise subprocess.CalledProcessError(p.returncode, args)
    return [rows_of(out) for out in outputs]


def reference_name(variant):
    """The reference's variant name for a wakeful variant, for each compared flavour."""
    if "/" not in variant:  # a runtime-free workload: the same name on both sides
        return [(variant, "same")]
    base, _, flavour = variant.rpartition("/")
    names = []
    for ref_flavour in FLAVOURS.get(flavour, []):
        for prefix in ("", "tokio_"):
            names.append((f"{prefix}{base}/{ref_flavour}", ref_flavour))
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workloads", nargs="*", default=WORKLOADS, metavar="workload",
                        help=f"any of {', '.join(WORKLOADS)} (default: all)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test, not a measurement")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--n", default="", help="join-set workloads: these sizes (comma-separated)")
    parser.add_argument("--simultaneous", action="store_true",
                        help="run both programs at once, one per CPU, one-thread runtimes only")
    parser.add_argument("--self", dest="against_self", action="store_true",
                        help="with --simultaneous: wakeful against itself (an A/A run)")
    parser.add_argument("--wakeful", action="append", default=[], metavar="[LABEL=]PATH",
                        help="a wakeful-micro to run (repeat for several builds; default: the release preset's)")
    parser.add_argument("--runs", type=int, help="measured runs per program run (default 5)")
    parser.add_argument("--rt", action="append", choices=sorted(FLAVOURS), default=[],
                        help="only this wakeful runtime (repeatable), against the reference's first flavour for it")
    parser.add_argument("--results", type=pathlib.Path, default=ROOT / "load" / "results",
                        help="where the CSV and Markdown tables go")
    parser.add_argument("--reference", type=pathlib.Path, metavar="PATH",
                        help="the reference program to run (default: build and run load/micro/rust)")
    args = parser.parse_args()
    global RUNS  # noqa: PLW0603 (one setting for every command line built)
    RUNS = args.runs
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload {', '.join(unknown)}: choose from {', '.join(WORKLOADS)}")
    reference_bin = args.reference or REFERENCE
    if args.against_self and not args.simultaneous:
        parser.error("--self goes with --simultaneous")
    builds = []  # (label, path)
    for spec in args.wakeful or [str(WAKEFUL)]:
        label, sep, path = spec.partition("=")
        builds.append((label, pathlib.Path(path)) if sep else ("wakeful", pathlib.Path(spec)))
    if len({label for label, _ in builds}) != len(builds):
        parser.error("give each --wakeful a label of its own (LABEL=PATH)")
    cpus = sorted(os.sched_getaffinity(0))[:2]
    if args.simultaneous and len(cpus) < 2:
        parser.error("--simultaneous needs two CPUs")
    sizes = [int(n) for n in args.n.split(",") if n] or [None]
    if not args.no_build:
        build(rust=args.reference is None and not args.against_self)

    # (side, workload, variant, N) -> medians over rounds; also polls per op
    medians = {}
    polls = {}

    def record(side, rows):
        for row in rows:
            key = (side, row["workload"], row["variant"], row["N"])
            medians.setdefault(key, []).append(float(row["median_ns_per_op"]))
            polls[key] = row["polls_per_op"]

    for workload in args.workloads:
        for round_no in range(args.rounds):
            for n in sizes if workload.startswith("joinset") else [None]:
                size = f" N={n}" if n else ""
                if args.simultaneous:
                    for label, binary in builds:
                        reference = (command(binary, workload, args.quick, n, "1thread") if args.against_self
                                     else command(reference_bin, workload, args.quick, n, "ct_enable_all"))
                        ours = command(binary, workload, args.quick, n, "1thread")
                        order = cpus if round_no % 2 == 0 else cpus[::-1]
                        print(f"# {workload}{size} round {round_no + 1}/{args.rounds}: both at once "
                              f"(reference on CPU {order[0]}, {label} on CPU {order[1]})", file=sys.stderr,
                              flush=True)
                        reference_rows, our_rows = run_simultaneously([reference, ours], order)
                        # Each build is paired with its own reference runs.
                        record(("reference", label), reference_rows)
                        record(label, our_rows)
                    continue
                for flavour in args.rt or [None]:
                    ref_flavour = FLAVOURS[flavour][0] if flavour else None
                    for side, binary in [("reference", reference_bin)] + builds:
                        print(f"# {workload}{size} {flavour or 'every runtime'} round {round_no + 1}/{args.rounds}: "
                              f"{side}", file=sys.stderr, flush=True)
                        record(side, run(binary, workload, args.quick, n, ref_flavour if side == "reference" else flavour))

    labels = [label for label, _ in builds]
    rows = []
    for (side, workload, variant, n), values in medians.items():
        if side not in labels:
            continue
        ours = statistics.median(values)
        shown = variant if len(builds) == 1 else f"{side}: {variant}"
        row = {"workload": workload, "variant": shown, "N": n, "wakeful_ns": ours,
               "wakeful_polls": polls[(side, workload, variant, n)]}
        reference_side = ("reference", side) if args.simultaneous else "reference"
        for ref_variant, ref_flavour in [(variant, "self")] if args.against_self else reference_name(variant):
            ref_key = (reference_side, workload, ref_variant, n)
            if ref_key in medians:
                ref = statistics.median(medians[ref_key])
                if args.simultaneous:  # the rounds paired: each one's own ratio
                    paired = [a / b for a, b in zip(values, medians[ref_key])]
                    ratio = f"{statistics.median(paired):.3f} ({sum(r < 1 for r in paired)}/{len(paired)} below 1)"
                else:
                    ratio = f"{ours / ref:.2f}"
                row[f"ref_{ref_flavour}"] = (ref_variant, ref, polls[ref_key], ratio)
        rows.append(row)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = args.results
    results.mkdir(parents=True, exist_ok=True)
    how = (" (both programs at once, one per CPU); ratio = median of the rounds' ratios wakeful / reference"
           if args.simultaneous else "; ratio = wakeful / reference")
    lines = [
        f"rounds: {args.rounds}{how}; each program run: median of its {args.runs or 5} measured runs after 1 warm-up; "
        f"figures: median over rounds, ns per op{' (QUICK: not a measurement)' if args.quick else ''}",
        "",
        "| workload | wakeful variant | N | wakeful ns/op | reference variant | reference ns/op | ratio | polls/op (ours, ref) |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | --- |",
    ]
    with open(results / f"micro-{stamp}.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["workload", "wakeful_variant", "N", "wakeful_ns_per_op", "reference_variant",
                      "reference_ns_per_op", "ratio"])
        for row in rows:
            refs = [v for k, v in row.items() if k.startswith("ref_")]
            if not refs:
                refs = [("-", None, "-", "-")]
            for ref_variant, ref, ref_polls, ratio in refs:
                ref_text = f"{ref:.1f}" if ref else "-"
                lines.append(f"| {row['workload']} | {row['variant']} | {row['N']} | {row['wakeful_ns']:.1f} | "
                             f"{ref_variant} | {ref_text} | {ratio} | {row['wakeful_polls']}, {ref_polls} |")
                out.writerow([row["workload"], row["variant"], row["N"], f"{row['wakeful_ns']:.1f}", ref_variant,
                              ref_text, ratio])
    table = "\n".join(lines)
    (results / f"micro-{stamp}.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
