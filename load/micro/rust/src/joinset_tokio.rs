//! Workload 2, joinset_wake_one on a runtime: N spawned children in a `JoinSet`, each parked on
//! a oneshot channel; each round sends on one channel, joins the child that completes and spawns
//! its replacement.

use std::time::Instant;

use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::harness::{elapsed_ns, in_task, polls, report, reset_polls, Counted, Flavour, Options, Sample, SplitMix64};

fn spawn_child(set: &mut JoinSet<usize>, id: usize) -> oneshot::Sender<()> {
    let (tx, rx) = oneshot::channel::<()>();
    set.spawn(Counted::new(async move {
        // A closed channel completes the child too: only the benchmark's own send matters.
        let _ = rx.await;
        id
    }));
    tx
}

async fn one_run(n: usize, m: usize) -> (Sample, Sample) {
    let mut set = JoinSet::new();
    let mut senders: Vec<Option<oneshot::Sender<()>>> = Vec::with_capacity(n);

    reset_polls();
    let t0 = Instant::now();
    for id in 0..n {
        senders.push(Some(spawn_child(&mut set, id)));
    }
    // Every child is parked on its channel once it has been polled.
    while polls() < n as u64 {
        tokio::task::yield_now().await;
    }
    let setup = Sample::counted(elapsed_ns(t0), n as u64, polls());

    let mut rng = SplitMix64::new();
    reset_polls();
    let t0 = Instant::now();
    for _ in 0..m {
        let i = rng.below(n);
        let tx = senders[i].take().expect("every slot holds a sender between rounds");
        tx.send(()).expect("the child's receiver is alive");
        match set.join_next().await {
            Some(Ok(id)) if id == i => {}
            other => panic!("joinset_oneshot: woke child {i}, joined {other:?}"),
        }
        senders[i] = Some(spawn_child(&mut set, i));
    }
    let rounds = Sample::counted(elapsed_ns(t0), m as u64, polls());
    set.shutdown().await;
    (setup, rounds)
}

pub fn run(options: &Options) {
    let m = options.size(100_000, 10_000);
    for flavour in options.flavours(&[Flavour::CtEnableAll, Flavour::CtNoDrivers]) {
        for n in options.joinset_sizes() {
            let rt = flavour.runtime();
            let runs = options.measure(|| in_task(&rt, one_run(n, m)));
            let (setups, rounds): (Vec<Sample>, Vec<Sample>) = runs.into_iter().unzip();
            let name = flavour.name();
            report("joinset_wake_one", &format!("tokio_joinset_oneshot/{name}"), n as u64, &rounds, "");
            report(
                "joinset_setup",
                &format!("tokio_joinset_spawn_plus_first_poll/{name}"),
                n as u64,
                &setups,
                "op=one child",
            );
        }
    }
}
