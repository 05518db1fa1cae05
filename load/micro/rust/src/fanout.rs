//! Workload 10, fanout: 64 CPU-bound children spawned at once and joined in order; on two
//! workers the idle one should take half of them.

use std::time::Instant;

use crate::harness::{elapsed_ns, in_task, report, Flavour, Options, Sample, SplitMix64};

const CHILDREN: u64 = 64;

/// `steps` outputs of SplitMix64 seeded with `seed`, XOR-ed together.
fn spin(seed: u64, steps: u64) -> u64 {
    let mut rng = SplitMix64::with_seed(seed);
    (0..steps).fold(0, |acc, _| acc ^ rng.next())
}

async fn cpu_children(steps: u64) -> (Sample, Vec<u64>) {
    let t0 = Instant::now();
    let handles: Vec<_> = (0..CHILDREN).map(|c| tokio::spawn(async move { spin(c, steps) })).collect();
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await.expect("a child panicked"));
    }
    (Sample::new(elapsed_ns(t0), CHILDREN), results)
}

pub fn run(options: &Options) {
    let steps = options.size(1_000_000, 10_000) as u64;
    // Computed once on this thread, outside every timed region, to check the children's work.
    let expected: Vec<u64> = (0..CHILDREN).map(|c| spin(c, steps)).collect();
    for flavour in options.flavours(&[Flavour::CtEnableAll, Flavour::Mt2EnableAll]) {
        let rt = flavour.runtime();
        let samples = options.measure(|| {
            let (sample, results) = in_task(&rt, cpu_children(steps));
            assert_eq!(results, expected, "cpu_children: a child computed something else");
            sample
        });
        let variant = format!("cpu_children/{}", flavour.name());
        report("fanout", &variant, CHILDREN, &samples, &format!("op=one child of {steps} SplitMix64 steps"));
    }
}
