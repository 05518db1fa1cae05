//! rust-micro: the workloads of ../WORKLOADS.md on tokio and futures-rs, with the command line
//! and CSV output of wakeful-micro, so that load/micro/compare.py runs the two side by side.

mod broadcast;
mod fanout;
mod harness;
mod joinset_manual;
mod joinset_tokio;
mod pingpong;
mod proxy;
mod semaphore;
mod spawn;
mod tcp;
mod timer;
mod udp;
mod yielding;

use std::process::ExitCode;

use harness::{Flavour, Options};

/// A workload's command-line name and the function that runs it.
type Workload = (&'static str, fn(&Options));

/// The command-line names of the workloads, in WORKLOADS.md's order (load/micro/check_workloads.cmake
/// reads this table: keep one `("name", module::run)` entry a line).
const WORKLOADS: [Workload; 12] = [
    ("joinset_manual", joinset_manual::run),
    ("joinset_tokio", joinset_tokio::run),
    ("spawn", spawn::run),
    ("pingpong", pingpong::run),
    ("yield", yielding::run),
    ("timer", timer::run),
    ("tcp", tcp::run),
    ("semaphore", semaphore::run),
    ("broadcast", broadcast::run),
    ("fanout", fanout::run),
    ("udp", udp::run),
    ("proxy", proxy::run),
];

fn usage() -> ExitCode {
    let names: Vec<&str> = WORKLOADS.iter().map(|(name, _)| *name).collect();
    eprintln!(
        "usage: rust-micro <{}|all> [--runs 5] [--warmup 1] [--quick] [--n N]\n                  [--rt {}]\n  \
         CSV on stdout; --n sets the join-set workloads' N, --rt runs one runtime flavour only",
        names.join("|"),
        Flavour::ALL.map(Flavour::name).join("|")
    );
    ExitCode::from(2)
}

/// A count in [0, 1000].
fn parse_count(text: &str) -> Option<usize> {
    text.parse().ok().filter(|n| *n <= 1000)
}

fn parse(args: &[String]) -> Option<Options> {
    let mut options = Options { warmup: 1, runs: 5, quick: false, n: None, flavour: None };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--runs" => options.runs = parse_count(rest.next()?)?,
            "--warmup" => options.warmup = parse_count(rest.next()?)?,
            "--n" => options.n = Some(rest.next()?.parse().ok().filter(|n| *n > 0)?),
            "--rt" => options.flavour = Some(Flavour::parse(rest.next()?)?),
            _ => return None,
        }
    }
    if options.runs == 0 {
        return None;
    }
    Some(options)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (workload, rest) = match args.split_first() {
        Some(split) => split,
        None => return usage(),
    };
    let options = match parse(rest) {
        Some(options) => options,
        None => return usage(),
    };
    let chosen: Vec<fn(&Options)> =
        WORKLOADS.iter().filter(|(name, _)| workload == "all" || workload == name).map(|(_, run)| *run).collect();
    if chosen.is_empty() {
        return usage();
    }
    harness::print_header();
    for run in chosen {
        run(&options);
    }
    ExitCode::SUCCESS
}
