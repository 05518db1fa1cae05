//! Workload 9, broadcast: one sender, 16 receiving tasks, M values into a channel of capacity M
//! (so no receiver can fall behind and lose any).

use std::time::Instant;

use tokio::sync::broadcast;

use crate::harness::{elapsed_ns, in_task, report, Flavour, Options, Sample};

const RECEIVERS: usize = 16;

async fn sixteen_receivers(m: usize) -> Sample {
    let (tx, _) = broadcast::channel::<u64>(m);
    let handles: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let mut rx = tx.subscribe();
            tokio::spawn(async move {
                let mut sum = 0u64;
                for _ in 0..m {
                    sum = sum.wrapping_add(rx.recv().await.expect("no receiver lags at capacity M"));
                }
                sum
            })
        })
        .collect();
    let t0 = Instant::now();
    for v in 0..m as u64 {
        tx.send(v).expect("the receivers are alive");
    }
    let mut sums = Vec::with_capacity(RECEIVERS);
    for handle in handles {
        sums.push(handle.await.expect("a receiver panicked"));
    }
    let ns = elapsed_ns(t0);
    let m64 = m as u64;
    let expected = (0..m64).fold(0u64, u64::wrapping_add);
    assert!(sums.iter().all(|s| *s == expected), "16rx: a receiver's sum is wrong");
    Sample::new(ns, RECEIVERS as u64 * m64)
}

pub fn run(options: &Options) {
    let m = options.size(100_000, 1_000);
    for flavour in options.flavours(&[Flavour::CtEnableAll, Flavour::Mt2EnableAll]) {
        let rt = flavour.runtime();
        let samples = options.measure(|| in_task(&rt, sixteen_receivers(m)));
        let variant = format!("16rx/{}", flavour.name());
        report("broadcast", &variant, m as u64, &samples, "op=one message delivered to one receiver");
    }
}
