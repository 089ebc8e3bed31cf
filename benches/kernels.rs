//! GFLOP/s of the empirical score's fused softmax pass, all-f64 ([`attend`]) against mixed precision
//! ([`attend_mixed`]), at W2's and W3's sizes (d = 64, n = 1000 and d = 256, n = 4000), one particle tile of 32 at a
//! time, on one thread. Two regimes of the isotropic logits α x·a − β|a|²: early (t = 3, every weight alive, one
//! `exp` per key) and late (t = 10⁻³, nearly one-hot: almost every weight below the cutoff).
//!
//! Each figure is the *fastest* of many calls (a call is a few milliseconds), so that the other processes of a
//! shared machine, which inflate the mean, do not hide a kernel change.
//!
//! Usage: `cargo bench --bench kernels`.

// Timing is what a benchmark is for.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;

use diffusion_regimes::kernels::mixed::{attend_mixed, round_keys, transpose_tiles_f32, MixedScratch};
use diffusion_regimes::kernels::{attend, dot, tiled_len, transpose_tiles, TopTwo, TILE_K, TILE_P};
use diffusion_regimes::random::{stream, Purpose};

fn fastest(calls: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..calls)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    for (name, d, n) in [("W2", 64, 1000), ("W3", 256, 4000)] {
        let mut rng = stream(1, Purpose::Estimator, 0);
        // Two-class points ±1 + N(0, 1) per coordinate.
        let keys: Vec<f64> = (0..n)
            .flat_map(|i| {
                let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
                (0..d).map(|_| sign + rng.normal()).collect::<Vec<_>>()
            })
            .collect();
        let ksq: Vec<f64> = keys.chunks_exact(d).map(|k| dot(k, k)).collect();
        let mut kt = vec![0.0; tiled_len(n, d)];
        transpose_tiles(&keys, d, &mut kt);
        let (mut k32, mut kt32) = (vec![0.0f32; n * d], vec![0.0f32; tiled_len(n, d)]);
        round_keys(&keys, &mut k32);
        transpose_tiles_f32(&keys, d, &mut kt32);
        for (regime, t) in [("early", 3.0f64), ("late", 1e-3)] {
            let (e, s) = ((-t).exp(), 1.0 - (-2.0 * t).exp());
            let (alpha, beta) = (e / s, e * e / (2.0 * s));
            // Particles near noised training points: x = e a_k + √s z.
            let q: Vec<f64> = (0..TILE_P)
                .flat_map(|p| {
                    keys[p * 7 * d..(p * 7 + 1) * d].iter().map(|a| e * a + s.sqrt() * rng.normal()).collect::<Vec<_>>()
                })
                .collect();
            let mut out = vec![0.0; TILE_P * d];
            let mut top = vec![TopTwo::default(); TILE_P];
            let mut buf = vec![0.0; TILE_P * TILE_K];
            let mut scratch = MixedScratch::new(d);
            let flops = 4.0 * (TILE_P * n * d) as f64;
            let calls = (2e9 / flops) as usize + 5;
            let t64 = fastest(calls, || attend(&q, &keys, &kt, &ksq, d, alpha, beta, &mut out, &mut top, &mut buf));
            let t32 = fastest(calls, || {
                attend_mixed(&q, &k32, &kt32, &ksq, d, alpha, beta, &mut out, &mut top, &mut scratch)
            });
            println!(
                "{name} {regime:5} f64 {:6.2} GFLOP/s  mixed {:6.2} GFLOP/s  speed-up {:.2}",
                flops / t64 * 1e-9,
                flops / t32 * 1e-9,
                t64 / t32
            );
        }
    }
}
