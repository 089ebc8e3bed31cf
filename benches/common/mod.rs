//! What the native benches share (each bench is its own crate; `mod common;` includes this file).

use std::time::Instant;

/// Median wall time of `repeats` runs of `f`, in milliseconds.
pub fn median_ms(repeats: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[repeats / 2]
}
