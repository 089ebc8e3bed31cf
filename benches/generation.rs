//! Milliseconds per step of the generation workloads W1–W4 (`crate::workloads`), native.
//!
//! Each repeat sets a workload up (untimed), runs one warm-up step (buffers grow, caches fill), then times the
//! remaining steps; the median of the repeats is printed. Compare with `python3 /work/shared/peers/peer_numpy.py`.
//! Usage: `cargo bench --bench generation [W1 W2 ...]`.

// Timing is what a benchmark is for; the wasm32 ban on Instant (clippy.toml) protects the core, and benches are
// native-only.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;

use diffusion_regimes::workloads::{Workload, WorkloadId};

/// Timed repeats per workload (the median is reported).
const REPEATS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    for id in WorkloadId::ALL {
        let name = format!("{id:?}");
        if !args.is_empty() && !args.contains(&name) {
            continue;
        }
        let mut per_step = Vec::new();
        for _ in 0..REPEATS {
            let mut w = Workload::setup(id).expect("workload setup");
            w.run(1).expect("warm-up step");
            let timed = w.steps() - 1;
            let t0 = Instant::now();
            let p = w.run(timed).expect("workload run");
            let ms = t0.elapsed().as_secs_f64() * 1e3 / timed as f64;
            assert!(p.done, "the workload ran to the end");
            per_step.push(ms);
        }
        per_step.sort_by(f64::total_cmp);
        println!("{name} ms_per_step={:.3} (median of {REPEATS}; all: {per_step:.3?})", per_step[REPEATS / 2]);
    }
}
