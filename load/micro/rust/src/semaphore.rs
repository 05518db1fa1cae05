//! Workload 8, semaphore: 16 tasks take turns at a one-permit semaphore, each K times, yielding
//! once while they hold it, so the others queue up and every release hands the permit on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;

use crate::harness::{elapsed_ns, in_task, report, Flavour, Options, Sample, YieldOnce};

const TASKS: usize = 16;

async fn one_permit(k: u64) -> Sample {
    let semaphore = Arc::new(Semaphore::new(1));
    let inside = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let (semaphore, inside) = (semaphore.clone(), inside.clone());
            tokio::spawn(async move {
                for _ in 0..k {
                    let permit = semaphore.acquire().await.expect("the semaphore is never closed");
                    inside.fetch_add(1, Ordering::Relaxed);
                    YieldOnce::new().await;
                    drop(permit);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("a task panicked");
    }
    let ns = elapsed_ns(t0);
    let ops = TASKS as u64 * k;
    assert_eq!(inside.load(Ordering::Relaxed), ops, "one_permit_16tasks: an acquire went missing");
    Sample::new(ns, ops)
}

pub fn run(options: &Options) {
    let k = options.size(100_000, 1_000) as u64;
    for flavour in options.flavours(&[Flavour::CtEnableAll, Flavour::Mt2EnableAll]) {
        let rt = flavour.runtime();
        let samples = options.measure(|| in_task(&rt, one_permit(k)));
        let variant = format!("one_permit_16tasks/{}", flavour.name());
        report("semaphore", &variant, TASKS as u64, &samples, "op=one acquire+release");
    }
}
