//! Workload 4, ping_pong: M round trips between the benchmark task (A) and a spawned task (B),
//! through two one-slot channels or two `Notify`s; A's and B's polls are counted.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, Notify};

use crate::harness::{elapsed_ns, in_task, polls, report, Counted, Flavour, Options, Sample};

async fn mpsc_cap1(m: u64) -> Sample {
    let (tx_ab, mut rx_ab) = mpsc::channel::<u64>(1);
    let (tx_ba, mut rx_ba) = mpsc::channel::<u64>(1);
    let b = tokio::spawn(Counted::new(async move {
        while let Some(v) = rx_ab.recv().await {
            if tx_ba.send(v).await.is_err() {
                break;
            }
        }
    }));
    let p0 = polls();
    let t0 = Instant::now();
    for i in 0..m {
        tx_ab.send(i).await.expect("B is alive");
        let v = rx_ba.recv().await;
        assert_eq!(v, Some(i), "mpsc_cap1: B sent back something else");
    }
    let ns = elapsed_ns(t0);
    let counted = polls() - p0;
    drop(tx_ab);
    b.await.expect("B panicked");
    Sample::counted(ns, m, counted)
}

async fn notify(m: u64) -> Sample {
    let to_b = Arc::new(Notify::new());
    let to_a = Arc::new(Notify::new());
    let b = {
        let (to_b, to_a) = (to_b.clone(), to_a.clone());
        tokio::spawn(Counted::new(async move {
            for _ in 0..m {
                to_b.notified().await;
                to_a.notify_one();
            }
        }))
    };
    let p0 = polls();
    let t0 = Instant::now();
    for _ in 0..m {
        to_b.notify_one();
        to_a.notified().await;
    }
    let ns = elapsed_ns(t0);
    let counted = polls() - p0;
    b.await.expect("B panicked");
    Sample::counted(ns, m, counted)
}

pub fn run(options: &Options) {
    let m = options.size(1_000_000, 10_000) as u64;
    let extra = "op=one round trip; polls=task polls of A+B";
    for flavour in options.flavours(&[Flavour::CtEnableAll, Flavour::CtNoDrivers]) {
        let rt = flavour.runtime();
        let name = flavour.name();
        // A is the benchmark task itself, so its polls are counted by wrapping all of it.
        let samples = options.measure(|| in_task(&rt, Counted::new(mpsc_cap1(m))));
        report("ping_pong", &format!("mpsc_cap1/{name}"), 2, &samples, extra);
        let samples = options.measure(|| in_task(&rt, Counted::new(notify(m))));
        report("ping_pong", &format!("notify/{name}"), 2, &samples, extra);
    }
}
