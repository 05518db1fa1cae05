//! Workload 1, joinset_wake_one without a runtime: N pending children, one of them woken per
//! round, the set polled once by hand. `FuturesUnordered` gives each child a waker of its own;
//! the naive set gives them all the root waker and polls every child on every wake.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use futures::stream::{FuturesUnordered, Stream};

use crate::harness::{elapsed_ns, report, Options, Sample, SplitMix64};

/// What a child with id i waits for; reused by every child with that id.
#[derive(Default)]
struct Slot {
    ready: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

/// Ready with its id once its slot is ready; until then it keeps the latest waker in the slot.
struct Child<'a> {
    slot: &'a Slot,
    id: usize,
    polls: &'a Cell<u64>,
}

impl Future for Child<'_> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls.set(self.polls.get() + 1);
        if self.slot.ready.get() {
            return Poll::Ready(self.id);
        }
        let kept = match self.slot.waker.take() {
            Some(old) if old.will_wake(cx.waker()) => old,
            _ => cx.waker().clone(),
        };
        self.slot.waker.set(Some(kept));
        Poll::Pending
    }
}

/// The executor's own waker: it only raises a flag, which the driver loop reads once a round.
#[derive(Default)]
struct RootFlag {
    woken: AtomicBool,
}

impl Wake for RootFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
    }
}

/// Everything one run owns, so each run starts afresh.
struct Bed {
    slots: Vec<Slot>,
    polls: Cell<u64>,
    root: Arc<RootFlag>,
    waker: Waker,
}

impl Bed {
    fn new(n: usize) -> Self {
        let root = Arc::new(RootFlag::default());
        let waker = Waker::from(root.clone());
        Bed { slots: (0..n).map(|_| Slot::default()).collect(), polls: Cell::new(0), root, waker }
    }

    fn child(&self, id: usize) -> Child<'_> {
        Child { slot: &self.slots[id], id, polls: &self.polls }
    }

    /// Makes child `id` ready and wakes whatever waker it left.
    fn complete(&self, id: usize) {
        self.slots[id].ready.set(true);
        if let Some(waker) = self.slots[id].waker.take() {
            waker.wake();
        }
    }

    /// The executor's step before its poll: whether the root was woken since the last step.
    fn root_woken(&self) -> bool {
        self.root.woken.swap(false, Ordering::AcqRel)
    }
}

/// Setup and rounds of one run, and the root wakes seen in the rounds.
struct Run {
    setup: Sample,
    rounds: Sample,
    root_wakes: u64,
}

fn futures_unordered(n: usize, m: usize) -> Run {
    let bed = Bed::new(n);
    let mut cx = Context::from_waker(&bed.waker);

    let t0 = Instant::now();
    let mut set = FuturesUnordered::new();
    for id in 0..n {
        set.push(bed.child(id));
    }
    assert!(Pin::new(&mut set).poll_next(&mut cx).is_pending(), "a child completed before its slot was ready");
    let setup = Sample::counted(elapsed_ns(t0), n as u64, bed.polls.replace(0));

    let mut rng = SplitMix64::new();
    let mut root_wakes = 0;
    let t0 = Instant::now();
    for _ in 0..m {
        let i = rng.below(n);
        bed.complete(i);
        root_wakes += u64::from(bed.root_woken());
        match Pin::new(&mut set).poll_next(&mut cx) {
            Poll::Ready(Some(id)) if id == i => {}
            other => panic!("futures_unordered: woke child {i}, the set gave {other:?}"),
        }
        bed.slots[i].ready.set(false);
        // Not polled now: the set polls it in the next round, as it polls every pushed future.
        set.push(bed.child(i));
    }
    let rounds = Sample::counted(elapsed_ns(t0), m as u64, bed.polls.get());
    Run { setup, rounds, root_wakes }
}

/// One pass over every child in order; returns the id of the one that completed, if any.
fn poll_all(children: &mut [Option<Child<'_>>], cx: &mut Context<'_>) -> Option<usize> {
    let mut done = None;
    for entry in children.iter_mut() {
        if let Some(child) = entry {
            if let Poll::Ready(id) = Pin::new(child).poll(cx) {
                *entry = None;
                done = Some(id);
            }
        }
    }
    done
}

fn naive_poll_all(n: usize, m: usize) -> Run {
    let bed = Bed::new(n);
    let mut cx = Context::from_waker(&bed.waker);

    let t0 = Instant::now();
    let mut children: Vec<Option<Child<'_>>> = (0..n).map(|id| Some(bed.child(id))).collect();
    assert_eq!(poll_all(&mut children, &mut cx), None, "a child completed before its slot was ready");
    let setup = Sample::counted(elapsed_ns(t0), n as u64, bed.polls.replace(0));

    let mut rng = SplitMix64::new();
    let mut root_wakes = 0;
    let t0 = Instant::now();
    for _ in 0..m {
        let i = rng.below(n);
        bed.complete(i);
        root_wakes += u64::from(bed.root_woken());
        let done = poll_all(&mut children, &mut cx);
        assert_eq!(done, Some(i), "naive_poll_all: woke child {i}");
        bed.slots[i].ready.set(false);
        children[i] = Some(bed.child(i));
    }
    let rounds = Sample::counted(elapsed_ns(t0), m as u64, bed.polls.get());
    Run { setup, rounds, root_wakes }
}

fn report_runs(variant: &str, setup_variant: &str, n: usize, runs: &[Run]) {
    let rounds: Vec<Sample> = runs.iter().map(|r| r.rounds).collect();
    let setups: Vec<Sample> = runs.iter().map(|r| r.setup).collect();
    let wakes = crate::harness::median(runs.iter().map(|r| r.root_wakes as f64 / r.rounds.ops as f64).collect());
    report("joinset_wake_one", variant, n as u64, &rounds, &format!("root_wakes_per_round={wakes:.3}"));
    report("joinset_setup", setup_variant, n as u64, &setups, "op=one child");
}

pub fn run(options: &Options) {
    let m = options.size(100_000, 10_000);
    // The naive set costs N polls a round: its rounds are capped by a budget of child polls.
    let budget = options.size(100_000_000, 1_000_000);
    for n in options.joinset_sizes() {
        let runs = options.measure(|| futures_unordered(n, m));
        report_runs("futures_unordered_manual", "futures_unordered_push_plus_first_poll", n, &runs);
        let m_naive = (budget / n).clamp(1_000, 100_000);
        let runs = options.measure(|| naive_poll_all(n, m_naive));
        report_runs("naive_poll_all_manual", "naive_vec_build_plus_first_poll", n, &runs);
    }
}
