//! The measuring rules of ../WORKLOADS.md ("Common rules"): the PRNG, warm-up and measured runs,
//! the runtime flavours, poll counting and the CSV row. Every workload module uses these and
//! nothing else of the others.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::runtime::{Builder, Runtime};

/// SplitMix64, seeded with 42 unless a workload says otherwise (the C++ side uses the same).
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub const SEED: u64 = 42;

    pub fn new() -> Self {
        Self::with_seed(Self::SEED)
    }

    pub fn with_seed(state: u64) -> Self {
        SplitMix64 { state }
    }

    pub fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An index in [0, n), by plain modulo (the small bias is the same on both sides).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One measured run: the timed region's length, what it did, and the polls counted in it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    pub ns: u64,
    pub ops: u64,
    /// Counted polls in the timed region; 0 where the workload does not count them.
    pub polls: u64,
}

impl Sample {
    pub fn new(ns: u64, ops: u64) -> Self {
        Sample { ns, ops, polls: 0 }
    }

    pub fn counted(ns: u64, ops: u64, polls: u64) -> Self {
        Sample { ns, ops, polls }
    }

    fn ns_per_op(&self) -> f64 {
        self.ns as f64 / self.ops as f64
    }
}

/// Nanoseconds since `t0`.
pub fn elapsed_ns(t0: Instant) -> u64 {
    t0.elapsed().as_nanos() as u64
}

/// The runtimes of WORKLOADS.md, named as in the CSV's variant column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// Current-thread runtime with the I/O and time drivers.
    CtEnableAll,
    /// Current-thread runtime without drivers: a run queue that parks on a condition variable.
    CtNoDrivers,
    /// Two workers that steal from each other, with both drivers.
    Mt2EnableAll,
}

impl Flavour {
    pub const ALL: [Flavour; 3] = [Flavour::CtEnableAll, Flavour::CtNoDrivers, Flavour::Mt2EnableAll];

    pub fn name(self) -> &'static str {
        match self {
            Flavour::CtEnableAll => "ct_enable_all",
            Flavour::CtNoDrivers => "ct_no_drivers",
            Flavour::Mt2EnableAll => "mt2_enable_all",
        }
    }

    pub fn parse(text: &str) -> Option<Flavour> {
        Flavour::ALL.into_iter().find(|f| f.name() == text)
    }

    /// A fresh runtime of this flavour; all its settings but these are tokio's defaults.
    pub fn runtime(self) -> Runtime {
        let built = match self {
            Flavour::CtEnableAll => Builder::new_current_thread().enable_all().build(),
            Flavour::CtNoDrivers => Builder::new_current_thread().build(),
            Flavour::Mt2EnableAll => Builder::new_multi_thread().worker_threads(2).enable_all().build(),
        };
        built.expect("cannot build the tokio runtime")
    }
}

/// The command line's settings.
#[derive(Clone, Debug)]
pub struct Options {
    pub warmup: usize,
    pub runs: usize,
    /// Tiny sizes: a smoke test, not a measurement.
    pub quick: bool,
    /// Join-set workloads: this N only.
    pub n: Option<usize>,
    /// Run only this flavour (workloads without a runtime ignore it).
    pub flavour: Option<Flavour>,
}

impl Options {
    /// `full` normally, `quick` with --quick.
    pub fn size(&self, full: usize, quick: usize) -> usize {
        if self.quick {
            quick
        } else {
            full
        }
    }

    /// The N of the join-set workloads.
    pub fn joinset_sizes(&self) -> Vec<usize> {
        match self.n {
            Some(n) => vec![n],
            None if self.quick => vec![1_000],
            None => vec![1_000, 10_000, 100_000],
        }
    }

    /// Those of a workload's flavours that the command line selects, in the order given.
    pub fn flavours(&self, offered: &[Flavour]) -> Vec<Flavour> {
        offered.iter().copied().filter(|f| self.flavour.map_or(true, |only| only == *f)).collect()
    }

    /// Runs `run` for the warm-up runs (results dropped), then for the measured runs.
    pub fn measure<T>(&self, mut run: impl FnMut() -> T) -> Vec<T> {
        for _ in 0..self.warmup {
            run();
        }
        (0..self.runs).map(|_| run()).collect()
    }
}

/// Runs `body` as a spawned task of `rt` and returns its output. Inside a task, waking another
/// task of a current-thread runtime only queues it; waking the `block_on` future would also
/// unpark the driver, which is not what the workloads measure.
pub fn in_task<F>(rt: &Runtime, body: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(async move { tokio::spawn(body).await.expect("the benchmark task panicked") })
}

thread_local! {
    static POLLS: Cell<u64> = const { Cell::new(0) };
}

/// The polls counted on this thread since the last `reset_polls`. Counted workloads run all
/// their counted futures on one thread, so a thread-local plain counter sees every poll.
pub fn polls() -> u64 {
    POLLS.with(Cell::get)
}

pub fn reset_polls() {
    POLLS.with(|p| p.set(0));
}

pub fn count_poll() {
    POLLS.with(|p| p.set(p.get() + 1));
}

pin_project_lite::pin_project! {
    /// A future that counts each of its polls (`polls()`).
    pub struct Counted<F> {
        #[pin]
        inner: F,
    }
}

impl<F> Counted<F> {
    pub fn new(inner: F) -> Self {
        Counted { inner }
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        count_poll();
        self.project().inner.poll(cx)
    }
}

/// Pending once after waking its own task, then ready: the cheapest possible yield to the
/// scheduler, with nothing deferred and no driver involved.
pub struct YieldOnce {
    yielded: bool,
}

impl YieldOnce {
    pub fn new() -> Self {
        YieldOnce { yielded: false }
    }
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The median; the mean of the middle two for an even count.
pub fn median(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty(), "the median of nothing");
    values.sort_by(|a, b| a.partial_cmp(b).expect("a NaN among the figures"));
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

pub fn print_header() {
    println!("workload,variant,N,ops_per_run,median_ns_per_op,min_ns_per_op,max_ns_per_op,polls_per_op,extra");
}

/// Prints one CSV row: the median, min and max over the runs of ns per op, and the median of
/// counted polls per op ("-" where nothing was counted).
pub fn report(workload: &str, variant: &str, n: u64, samples: &[Sample], extra: &str) {
    let per_op: Vec<f64> = samples.iter().map(Sample::ns_per_op).collect();
    let min = per_op.iter().copied().fold(f64::INFINITY, f64::min);
    let max = per_op.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let polls = if samples.iter().any(|s| s.polls != 0) {
        format!("{:.3}", median(samples.iter().map(|s| s.polls as f64 / s.ops as f64).collect()))
    } else {
        "-".to_string()
    };
    println!("{workload},{variant},{n},{},{:.1},{min:.1},{max:.1},{polls},{extra}", samples[0].ops, median(per_op));
}
