//! Milliseconds per step of the workloads W1–W4 and the cloning workload (`crate::workloads`), natively, on one
//! thread or split over threads by particle ranges, and the theory benchmark's evaluation.
//!
//! Each repeat sets the workload up (untimed; with threads, every thread builds its own range, as each Worker of the
//! page's pool does), runs one warm-up step (buffers grow, caches fill), then times the remaining steps; the median of
//! the repeats is printed. The checksum (one running sum of all final coordinates in
//! global particle order, clones after originals)
//! must not depend on the thread count, nor differ from the browser's.
//!
//! Usage: `cargo bench --bench generation -- [W1 W2 W3 W4 Cloning Theory] [--threads N] [--repeats R] [--json]`.
//! With `--json` each result is one JSON line (read by scripts/bench.mjs).

// Timing and threads are what a benchmark is for; the wasm32 bans (clippy.toml) protect the core, and benches are
// native-only.
#![allow(clippy::disallowed_methods)]

use std::sync::Barrier;
use std::time::Instant;

use diffusion_regimes::theory::sweep::{evaluate, TheoryOptions};
use diffusion_regimes::workloads::{theory_input, Workload, WorkloadId};

/// Splits `total` particles into `parts` contiguous ranges of whole blocks of four (the kernels' register tile; the
/// last range takes the partial block), the first ranges one block larger, and below 8 blocks per range in single
/// particles, as www/pool.js's `splitRange` does.
fn split(total: usize, parts: usize) -> Vec<(usize, usize)> {
    let align = if total >= 8 * 4 * parts { 4 } else { 1 };
    let blocks = total.div_ceil(align);
    let (base, extra) = (blocks / parts, blocks % parts);
    let mut first = 0;
    (0..parts)
        .map(|i| {
            let count = ((base + usize::from(i < extra)) * align).min(total - first);
            let r = (first, count);
            first += count;
            r
        })
        .collect()
}

/// One timed run of a workload on `threads` threads: (ms per step, checksum).
fn run_once(id: WorkloadId, threads: usize) -> (f64, f64) {
    let ranges = split(id.particles(), threads);
    let barrier = Barrier::new(threads + 1);
    let mut steps = 0;
    let (ms, parts) = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(first, count)| {
                let barrier = &barrier;
                scope.spawn(move || {
                    let mut w = Workload::setup_range(id, first, count).expect("workload setup");
                    w.run(1).expect("warm-up step");
                    barrier.wait();
                    let p = w.run(usize::MAX).expect("workload run");
                    assert!(p.done, "the workload ran to the end");
                    w
                })
            })
            .collect();
        barrier.wait();
        let t0 = Instant::now();
        let parts: Vec<Workload> = handles.into_iter().map(|h| h.join().expect("bench thread")).collect();
        (t0.elapsed().as_secs_f64() * 1e3, parts)
    });
    // One running sum in global order (originals, then clones), so it does not depend on the split.
    let mut sum = 0.0;
    for w in &parts {
        steps = w.steps();
        w.state().positions().iter().for_each(|v| sum += v);
    }
    for w in &parts {
        if let Some(c) = w.clones() {
            c.positions().iter().for_each(|v| sum += v);
        }
    }
    (ms / (steps - 1) as f64, sum)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).map(|v| v.parse());
    let threads: usize = value("--threads").map(|r| r.expect("--threads N")).unwrap_or(1);
    let repeats: usize = value("--repeats").map(|r| r.expect("--repeats R")).unwrap_or(3);
    let json = args.iter().any(|a| a == "--json");
    let names: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with('-') && (*i == 0 || !args[i - 1].starts_with("--")))
        .map(|(_, a)| a)
        .collect();
    let wanted = |n: &str| names.is_empty() || names.iter().any(|a| a.eq_ignore_ascii_case(n));
    for id in WorkloadId::ALL {
        let name = format!("{id:?}");
        if !wanted(&name) {
            continue;
        }
        let runs: Vec<(f64, f64)> = (0..repeats).map(|_| run_once(id, threads)).collect();
        let checksum = runs[0].1;
        assert!(runs.iter().all(|r| r.1 == checksum), "{name}: checksum differs between repeats");
        let all: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let ms = median(all.clone());
        let gflops = id.flops_per_step(id.particles()).map(|f| f / (ms * 1e6));
        if json {
            println!(
                "{{\"workload\":\"{name}\",\"threads\":{threads},\"ms\":{ms},\"all\":{all:?},\"checksum\":{checksum:?},\"gflops\":{}}}",
                gflops.map_or("null".into(), |g| g.to_string())
            );
        } else {
            println!("{name} threads={threads} ms_per_step={ms:.3} (median of {repeats}; all: {all:.3?}) checksum={checksum:?}");
        }
    }
    if wanted("Theory") {
        let input = theory_input().expect("theory input");
        let opts = TheoryOptions::default();
        let all: Vec<f64> = (0..repeats.max(5))
            .map(|_| {
                let t0 = Instant::now();
                evaluate(&input, &opts).expect("theory evaluation");
                t0.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let ms = median(all.clone());
        if json {
            println!("{{\"workload\":\"Theory\",\"threads\":1,\"ms\":{ms},\"all\":{all:?},\"checksum\":null,\"gflops\":null}}");
        } else {
            println!("Theory ms_per_evaluation={ms:.3} (median; all: {all:.3?})");
        }
    }
}
