//! Workload 5, yield_many: the benchmark task, alone on its runtime, yields M times, through
//! tokio's `yield_now` (which defers its wake until the driver has been polled) or through a
//! future that wakes itself and returns Pending once.

use std::time::Instant;

use crate::harness::{elapsed_ns, in_task, polls, report, Counted, Flavour, Options, Sample, YieldOnce};

async fn tokio_yield_now(m: u64) -> Sample {
    let p0 = polls();
    let t0 = Instant::now();
    for _ in 0..m {
        tokio::task::yield_now().await;
    }
    Sample::counted(elapsed_ns(t0), m, polls() - p0)
}

async fn self_wake_by_ref(m: u64) -> Sample {
    let p0 = polls();
    let t0 = Instant::now();
    for _ in 0..m {
        YieldOnce::new().await;
    }
    Sample::counted(elapsed_ns(t0), m, polls() - p0)
}

pub fn run(options: &Options) {
    let m = options.size(10_000_000, 100_000) as u64;
    for flavour in options.flavours(&[Flavour::CtEnableAll, Flavour::CtNoDrivers]) {
        let rt = flavour.runtime();
        let name = flavour.name();
        let samples = options.measure(|| in_task(&rt, Counted::new(tokio_yield_now(m))));
        report("yield_many", &format!("tokio_yield_now/{name}"), 1, &samples, "op=one yield");
        let samples = options.measure(|| in_task(&rt, Counted::new(self_wake_by_ref(m))));
        report("yield_many", &format!("self_wake_by_ref/{name}"), 1, &samples, "op=one yield");
    }
}
