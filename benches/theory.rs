//! Benchmarks of the theory (native only): one full evaluation at d = 64, a 64-point sweep, one GLM t_C with tanh.
//! Run with `cargo bench --bench theory`; prints the median of several repeats in milliseconds.

// Benches are native-only: Instant::now is banned in the core because it panics on wasm32, not here.
#![allow(clippy::disallowed_methods)]

mod common;

use common::median_ms;
use diffusion_regimes::drift::{Design, Weights};
use diffusion_regimes::precision::Precision;
use diffusion_regimes::process::OuProcess;
use diffusion_regimes::theory::grid::ScanRange;
use diffusion_regimes::theory::manifold::{glm_collapse_time, GlmOptions, Nonlinearity};
use diffusion_regimes::theory::sweep::{evaluate, sweep, TheoryInput, TheoryOptions};
use nalgebra::{DMatrix, DVector};

const D: usize = 64;

/// The workload of the issues: U log-spaced with κ = 100, Q = γ·Q_opt (LNP, λ_k = k), μ = √d along the fastest
/// eigenvector, C₀ = I, n = 20000.
fn input(gamma: f64) -> TheoryInput {
    let p = Precision::log_spaced(D, 100.0, None).unwrap();
    let q = Design::Scaled { gamma, weights: Weights::Linear }.build(&p).unwrap();
    let mu: DVector<f64> = p.fastest() * (D as f64).sqrt();
    let process = OuProcess::new(p, q).unwrap();
    TheoryInput::two_class(process, &mu, &DMatrix::identity(D, D), 20000).unwrap()
}

fn main() {
    let inp = input(1.0);
    let opts = TheoryOptions::default();
    let report = evaluate(&inp, &opts).unwrap();
    let ms = median_ms(7, || {
        evaluate(&inp, &opts).unwrap();
    });
    println!(
        "(a) full evaluation, d = {D}: t_S = {:.6}, t_C = {:.6}, {} curve points: {ms:.1} ms",
        report.t_s.unwrap(),
        report.t_c.unwrap(),
        report.curve_t.len()
    );

    let gammas: Vec<f64> = (0..64).map(|k| k as f64 / 32.0).collect();
    let ms = median_ms(3, || {
        sweep(&gammas, |g| Ok(input(g)), &ScanRange::default()).unwrap();
    });
    println!("(b) 64-point γ sweep, d = {D}: {ms:.0} ms ({:.1} ms per value)", ms / 64.0);

    let o = GlmOptions::default();
    let tc = glm_collapse_time(Nonlinearity::Tanh, 0.1, 0.5, &o).unwrap();
    let ms = median_ms(3, || {
        glm_collapse_time(Nonlinearity::Tanh, 0.1, 0.5, &o).unwrap();
    });
    println!("(c) GLM t_C, tanh, α = 0.1, β = 0.5: t_C = {tc:.6}: {ms:.0} ms");
}
