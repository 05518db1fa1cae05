//! Workload 3, spawn_throughput: N trivial tasks, from the first spawn until the last one's
//! completion is seen, either by joining every handle or by a shared countdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Notify;

use crate::harness::{elapsed_ns, in_task, report, Flavour, Options, Sample};

async fn joinhandles(n: usize) -> Sample {
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        handles.push(tokio::spawn(async move { i as u64 }));
    }
    let mut sum = 0u64;
    // Consumes the handles: the vector is freed inside the timed region too.
    for handle in handles {
        sum += handle.await.expect("a spawned task panicked");
    }
    let ns = elapsed_ns(t0);
    let n64 = n as u64;
    assert_eq!(sum, n64 * (n64 - 1) / 2, "joinhandles: wrong sum of the tasks' outputs");
    Sample::new(ns, n64)
}

async fn counter_notify(n: usize) -> Sample {
    let left = Arc::new(AtomicUsize::new(n));
    let done = Arc::new(Notify::new());
    let t0 = Instant::now();
    for _ in 0..n {
        let left = left.clone();
        let done = done.clone();
        // Detached: the handle is dropped at once.
        tokio::spawn(async move {
            if left.fetch_sub(1, Ordering::AcqRel) == 1 {
                done.notify_one();
            }
        });
    }
    // notify_one leaves a permit when nobody waits yet, so a last task that runs first is seen too.
    done.notified().await;
    Sample::new(elapsed_ns(t0), n as u64)
}

pub fn run(options: &Options) {
    let n = options.size(1_000_000, 10_000);
    for flavour in options.flavours(&Flavour::ALL) {
        let rt = flavour.runtime();
        let name = flavour.name();
        let samples = options.measure(|| in_task(&rt, joinhandles(n)));
        report(
            "spawn_throughput",
            &format!("joinhandles/{name}"),
            n as u64,
            &samples,
            "op=one task spawned+completed+joined",
        );
        let samples = options.measure(|| in_task(&rt, counter_notify(n)));
        report(
            "spawn_throughput",
            &format!("counter_notify/{name}"),
            n as u64,
            &samples,
            "op=one task spawned+completed",
        );
    }
}
