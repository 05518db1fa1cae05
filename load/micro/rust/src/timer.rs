//! Workload 6, timer: N tasks that each sleep a random 0-100 ms (their total time, their
//! registration and their lateness), then the cost of creating, registering and cancelling N
//! sleeps inside one task.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::time::{sleep, Sleep};

use crate::harness::{elapsed_ns, in_task, median, report, Flavour, Options, Sample, SplitMix64};

const MAX_DELAY_US: u64 = 100_000;

fn draw_delays(n: usize) -> Vec<u64> {
    let mut rng = SplitMix64::new();
    (0..n).map(|_| rng.next() % (MAX_DELAY_US + 1)).collect()
}

/// What the sleeping tasks share with the benchmark task.
struct Shared {
    n: usize,
    t0: Instant,
    registered: AtomicUsize,
    reg_ns: AtomicU64,
    left: AtomicUsize,
    done: Notify,
    late_us: Mutex<Vec<u64>>,
}

pin_project_lite::pin_project! {
    /// Counts the task's first poll, after which its sleep is in the timer wheel; the last one
    /// counted stores the time from t0.
    struct FirstPoll<F> {
        #[pin]
        inner: F,
        polled: bool,
        shared: Arc<Shared>,
    }
}

impl<F: Future> Future for FirstPoll<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let me = self.project();
        let result = me.inner.poll(cx);
        if !*me.polled {
            *me.polled = true;
            if me.shared.registered.fetch_add(1, Ordering::AcqRel) + 1 == me.shared.n {
                me.shared.reg_ns.store(elapsed_ns(me.shared.t0), Ordering::Release);
            }
        }
        result
    }
}

async fn sleep_and_count_down(delay_us: u64, shared: Arc<Shared>) {
    // The deadline is set here, at the task's first poll.
    let sleep = sleep(Duration::from_micros(delay_us));
    tokio::pin!(sleep);
    (&mut sleep).await;
    let late = tokio::time::Instant::now().saturating_duration_since(sleep.deadline());
    shared.late_us.lock().expect("a sleeping task panicked").push(late.as_micros() as u64);
    if shared.left.fetch_sub(1, Ordering::AcqRel) == 1 {
        shared.done.notify_one();
    }
}

struct SpawnRun {
    total_ns: u64,
    reg_ns: u64,
    max_delay_us: u64,
    late_mean_us: f64,
    late_p50_us: u64,
    late_p99_us: u64,
    late_max_us: u64,
}

async fn spawn_sleeps(n: usize) -> SpawnRun {
    let delays = draw_delays(n);
    let shared = Arc::new(Shared {
        n,
        t0: Instant::now(),
        registered: AtomicUsize::new(0),
        reg_ns: AtomicU64::new(0),
        left: AtomicUsize::new(n),
        done: Notify::new(),
        late_us: Mutex::new(Vec::with_capacity(n)),
    });
    let t0 = shared.t0;
    for &d in &delays {
        let task = FirstPoll { inner: sleep_and_count_down(d, shared.clone()), polled: false, shared: shared.clone() };
        drop(tokio::spawn(task));
    }
    shared.done.notified().await;
    let total_ns = elapsed_ns(t0);
    let mut late = std::mem::take(&mut *shared.late_us.lock().expect("a sleeping task panicked"));
    assert_eq!(late.len(), n, "spawn_sleep_total: not every task woke");
    late.sort_unstable();
    SpawnRun {
        total_ns,
        reg_ns: shared.reg_ns.load(Ordering::Acquire),
        max_delay_us: delays.iter().copied().max().unwrap_or(0),
        late_mean_us: late.iter().sum::<u64>() as f64 / n as f64,
        late_p50_us: late[n / 2],
        late_p99_us: late[n * 99 / 100],
        late_max_us: late[n - 1],
    }
}

/// Creation, first poll (registration) and drop (cancellation) of N sleeps, each timed.
async fn register_sleeps(n: usize) -> [Sample; 3] {
    // 10 ms more than any drawn delay, so that none is due while they are registered.
    let delays: Vec<Duration> = draw_delays(n).into_iter().map(|d| Duration::from_micros(10_000 + d)).collect();
    let mut sleeps: Vec<Pin<Box<Sleep>>> = Vec::with_capacity(n);
    let t0 = Instant::now();
    for d in delays {
        sleeps.push(Box::pin(sleep(d)));
    }
    let create = Sample::new(elapsed_ns(t0), n as u64);

    let t0 = Instant::now();
    // A Sleep that returns Pending gives its coop budget back, so every one of them registers.
    let pending = futures::future::poll_fn(|cx| {
        Poll::Ready(sleeps.iter_mut().map(|s| s.as_mut().poll(cx)).filter(Poll::is_pending).count())
    })
    .await;
    let register = Sample::new(elapsed_ns(t0), n as u64);
    assert_eq!(pending, n, "sleep_first_poll_register: a sleep was due already");

    let t0 = Instant::now();
    drop(sleeps);
    let cancel = Sample::new(elapsed_ns(t0), n as u64);
    [create, register, cancel]
}

fn median_of(runs: &[SpawnRun], field: impl Fn(&SpawnRun) -> f64) -> f64 {
    median(runs.iter().map(field).collect())
}

pub fn run(options: &Options) {
    let n = options.size(100_000, 1_000);
    for flavour in options.flavours(&[Flavour::CtEnableAll]) {
        let rt = flavour.runtime();
        let name = flavour.name();
        let runs = options.measure(|| in_task(&rt, spawn_sleeps(n)));
        let max_delay_us = runs[0].max_delay_us;
        let beyond_max = median_of(&runs, |r| r.total_ns as f64 - (r.max_delay_us * 1_000) as f64) / 1e6;
        let beyond_100ms = median_of(&runs, |r| r.total_ns as f64 - 100e6) / 1e6;
        let extra = format!(
            "max_delay_us={max_delay_us};median_overhead_beyond_max_delay_ms={beyond_max:.3};\
             median_overhead_beyond_100ms_ms={beyond_100ms:.3};lateness_us(median over runs): \
             mean={:.1} p50={:.0} p99={:.0} max={:.0}",
            median_of(&runs, |r| r.late_mean_us),
            median_of(&runs, |r| r.late_p50_us as f64),
            median_of(&runs, |r| r.late_p99_us as f64),
            median_of(&runs, |r| r.late_max_us as f64),
        );
        let totals: Vec<Sample> = runs.iter().map(|r| Sample::new(r.total_ns, 1)).collect();
        report("timer", &format!("spawn_sleep_total/{name}"), n as u64, &totals, &extra);
        let registrations: Vec<Sample> = runs.iter().map(|r| Sample::new(r.reg_ns, n as u64)).collect();
        report(
            "timer",
            &format!("spawn_plus_first_poll_until_all_registered/{name}"),
            n as u64,
            &registrations,
            "op=one task spawned+sleep registered",
        );

        let phases = options.measure(|| in_task(&rt, register_sleeps(n)));
        let [create, register, cancel] = [0, 1, 2].map(|k| phases.iter().map(|p| p[k]).collect::<Vec<Sample>>());
        report("timer", &format!("sleep_create_boxed/{name}"), n as u64, &create, "op=Box::pin(sleep(d))");
        report(
            "timer",
            &format!("sleep_first_poll_register/{name}"),
            n as u64,
            &register,
            "op=first poll of a Sleep (wheel insert)",
        );
        report(
            "timer",
            &format!("sleep_drop_cancel/{name}"),
            n as u64,
            &cancel,
            "op=drop of a registered Sleep (wheel remove+free)",
        );
    }
}
