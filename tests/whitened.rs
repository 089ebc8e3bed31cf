//! The two-class step in white coordinates (`sampler::whitened`, z = N⁻¹ x) against the plain fused step: the same
//! Markov chain with the same random numbers, so a general-U run (W4's scenario: U log-spaced with κ = 100, Q_opt,
//! μ along the fastest direction, exponential integrator, uniform grid) must give the same particles to rounding,
//! whichever path runs; and the white path's numbers depend neither on the chunking nor on the particle range.
//! The white step's default mixed-precision product (f32 G z) must agree with its f64 reference far inside the Monte
//! Carlo error (SCIENCE.md §1's condition for f32 inside a kernel).
#![cfg(not(target_arch = "wasm32"))]

use diffusion_regimes::data::mixture::{MeanDirection, Mixture};
use diffusion_regimes::drift::{optimal, Weights};
use diffusion_regimes::precision::Precision;
use diffusion_regimes::process::OuProcess;
use diffusion_regimes::sampler::generate::{Generator, SnapshotPlan, Start};
use diffusion_regimes::sampler::grid::TimeGrid;
use diffusion_regimes::sampler::integrator::Integrator;
use diffusion_regimes::sampler::whitened::KernelPrecision;
use diffusion_regimes::score::mixture::MixtureScore;

const D: usize = 64;
const SEED: u64 = 11;

/// W4's generator (1000 steps from t = 10), with white coordinates allowed or not, and the white product's precision.
fn generator(white: bool, precision: KernelPrecision) -> Generator<MixtureScore> {
    let u = Precision::log_spaced(D, 100.0, None).unwrap();
    let q = optimal(&u, &Weights::Linear).unwrap();
    let process = OuProcess::new(u, q).unwrap();
    let data = Mixture::two_class_isotropic(D, 1.0, 1.0, MeanDirection::Fastest, Some(process.precision())).unwrap();
    let score = MixtureScore::new(&process, &data).unwrap();
    let mut g =
        Generator::new(&process, score, TimeGrid::uniform(10.0, 0.0, 1000).unwrap(), Integrator::Exponential).unwrap();
    if white {
        g.whiten();
    }
    g.set_white_precision(precision);
    g
}

/// Particles `first..first + count` after `steps` steps run in chunks of `chunk`, and the snapshot values.
fn run(white: bool, first: usize, count: usize, steps: usize, chunk: usize) -> (Vec<f64>, Vec<f64>) {
    run_in(KernelPrecision::Double, white, first, count, steps, chunk)
}

/// [`run`] with the white product in `precision`.
fn run_in(
    precision: KernelPrecision,
    white: bool,
    first: usize,
    count: usize,
    steps: usize,
    chunk: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut g = generator(white, precision);
    let plan: SnapshotPlan =
        serde_json::from_str(r#"{"times": [10.0, 7.0, 5.0], "particles": null, "projection": "full"}"#).unwrap();
    let mut s = g.start(count, first as u64, SEED, Start::Stationary, Some(&plan)).unwrap();
    while s.step() < steps {
        g.run_chunk(&mut s, chunk, steps).unwrap();
    }
    (s.positions().to_vec(), s.snapshots().unwrap().values.clone())
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

#[test]
fn white_coordinates_give_the_plain_step_to_rounding() {
    // 600 of the 1000 steps go from t = 10 to t = 4, through the speciation window of the run; snapshots at 7 and 5.
    let (plain, plain_snap) = run(false, 0, 64, 600, 600);
    let (white, white_snap) = run(true, 0, 64, 600, 600);
    let scale = max_abs(&plain);
    assert!(scale > 1.0, "particles have grown: scale {scale}");
    let worst = plain.iter().zip(&white).map(|(a, b)| (a - b).abs()).fold(0.0f64, f64::max);
    assert!(worst <= 1e-9 * scale, "white vs plain: largest difference {worst:e} at scale {scale}");
    let worst_snap = plain_snap.iter().zip(&white_snap).map(|(a, b)| (a - b).abs()).fold(0.0f64, f64::max);
    assert!(worst_snap <= 1e-9 * max_abs(&plain_snap), "snapshots: {worst_snap:e}");
    // The paths really differ (the white one ran): rounding differs somewhere.
    assert!(plain != white, "the white path did not run (bit-identical results)");
}

#[test]
fn the_white_path_depends_neither_on_chunks_nor_on_ranges() {
    // Bits, so the snapshots not yet reached (NaN) compare equal too. 350 steps: past the snapshot at t = 7.
    let bits = |(x, s): (Vec<f64>, Vec<f64>)| {
        (x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), s.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
    };
    for p in [KernelPrecision::Double, KernelPrecision::Mixed] {
        let whole = bits(run_in(p, true, 0, 64, 350, 350));
        assert_eq!(whole, bits(run_in(p, true, 0, 64, 350, 1)), "{p:?}: chunks of 1 step");
        assert_eq!(whole, bits(run_in(p, true, 0, 64, 350, 7)), "{p:?}: chunks of 7 steps");
        // Particles 0..30 and 30..64 run separately (as two pool Workers would), concatenated: 30 is not a multiple of
        // the f32 kernel's 4-particle register tile, so rows move between the tile and the remainder path.
        let (a, _) = bits(run_in(p, true, 0, 30, 350, 13));
        let (b, _) = bits(run_in(p, true, 30, 34, 350, 350));
        assert_eq!([a, b].concat(), whole.0, "{p:?}: ranges 0..30 and 30..64");
    }
}

#[test]
fn the_f32_product_agrees_with_f64_far_inside_the_monte_carlo_error() {
    // The whole W4 run (1000 steps to t = 0) with 256 particles, same seed and noise, f32 vs f64 product.
    let (n, steps) = (256, 1000);
    let (double, double_snap) = run_in(KernelPrecision::Double, true, 0, n, steps, steps);
    let (mixed, mixed_snap) = run_in(KernelPrecision::Mixed, true, 0, n, steps, steps);
    assert!(double != mixed, "the f32 product did not run (bit-identical results)");
    // Pathwise: every coordinate of every particle, and the snapshots, within 1e-4 of the scale. The f32 rounding is
    // ~d·2⁻²⁴ ≈ 4e-6 of a step's products and the step contracts, so ~1e-6 is expected; a sum without the f64
    // widening, or G rounded to half precision, breaks this bound.
    let scale = max_abs(&double);
    let worst = double.iter().zip(&mixed).map(|(a, b)| (a - b).abs()).fold(0.0f64, f64::max);
    assert!(worst <= 1e-4 * scale, "f32 vs f64 product: largest difference {worst:e} at scale {scale}");
    let worst_snap = double_snap.iter().zip(&mixed_snap).map(|(a, b)| (a - b).abs()).fold(0.0f64, f64::max);
    assert!(worst_snap <= 1e-4 * max_abs(&double_snap), "snapshots: {worst_snap:e}");
    // Against the Monte Carlo error of what a user measures: the mean of each coordinate over the particles moves by
    // less than 1e-3 of its standard error (s/√n), and the class split (sign along μ, the last coordinate) is the same.
    let d = D;
    for j in 0..d {
        let col = |x: &[f64]| x.chunks_exact(d).map(|r| r[j]).collect::<Vec<_>>();
        let (a, b) = (col(&double), col(&mixed));
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (ma, mb) = (mean(&a), mean(&b));
        let sd = (a.iter().map(|v| (v - ma) * (v - ma)).sum::<f64>() / (n - 1) as f64).sqrt();
        let se = sd / (n as f64).sqrt();
        assert!((ma - mb).abs() < 1e-3 * se, "coordinate {j}: means {ma} vs {mb}, standard error {se:e}");
    }
    let classes = |x: &[f64]| x.chunks_exact(d).map(|r| r[d - 1] > 0.0).collect::<Vec<_>>();
    assert_eq!(classes(&double), classes(&mixed), "a particle changed class");
}

/// The plain and white (f64) paths over a whole run of 1000 steps to t = 0.01 for `process`, 64 particles.
fn whole_run(process: &OuProcess, white: bool) -> Vec<f64> {
    let data = Mixture::two_class_isotropic(D, 1.0, 1.0, MeanDirection::Fastest, Some(process.precision())).unwrap();
    let score = MixtureScore::new(process, &data).unwrap();
    let mut g =
        Generator::new(process, score, TimeGrid::uniform(10.0, 0.0, 1000).unwrap(), Integrator::Exponential).unwrap();
    if white {
        g.whiten();
    }
    g.set_white_precision(KernelPrecision::Double);
    g.generate(64, 0, SEED, Start::Stationary).unwrap().positions().to_vec()
}

#[test]
fn the_chain_of_w_holds_over_whole_runs_and_fast_modes() {
    // The white step continues W_t = N⁻¹ Γ_t N⁻ᵀ by W ← P W Pᵀ − I, which amplifies rounding along the fast modes,
    // and computes it afresh every `period` steps. Reversible U (κ = 100, modes up to rate 10: a fresh W every 34
    // steps) and W4's Q_opt (rates near Tr U/d: every 64 steps), all the way down to t = 0.01 where Γ_t is smallest.
    // Measured: 4e-12 and 2e-11 of the scale (10.5). Without the fresh starts the Q_opt run fails outright: W stops
    // being positive definite on the way to t = 0.
    let u = Precision::log_spaced(D, 100.0, None).unwrap();
    for (name, process) in [
        ("reversible", OuProcess::reversible(u.clone())),
        ("Q_opt", OuProcess::new(u.clone(), optimal(&u, &Weights::Linear).unwrap()).unwrap()),
    ] {
        let (plain, white) = (whole_run(&process, false), whole_run(&process, true));
        let scale = max_abs(&plain);
        let worst = plain.iter().zip(&white).map(|(a, b)| (a - b).abs()).fold(0.0f64, f64::max);
        assert!(worst <= 1e-9 * scale, "{name}: white vs plain differ by {worst:e} at scale {scale}");
        assert!(plain != white, "{name}: the white path did not run");
    }
}

#[test]
fn the_rotated_noise_factor_keeps_the_noise_law_and_makes_the_propagator_hessenberg() {
    // W4's step (and the smallest dimensions): N → N V (V orthogonal) must keep N Nᵀ, and the kept propagator must be
    // N'⁻¹ L N' with exact zeros below its subdiagonal (the white chain's kernels skip them).
    for d in [2, 3, D] {
        rotated_noise_factor_in(d);
    }
}

fn rotated_noise_factor_in(d: usize) {
    use diffusion_regimes::sampler::integrator::{Coefficient, StepCoefficients};
    let u = Precision::log_spaced(d, 100.0, None).unwrap();
    let q = optimal(&u, &Weights::Linear).unwrap();
    let process = OuProcess::new(u, q).unwrap();
    let plain = StepCoefficients::new(&process, Integrator::Exponential, 0.01).unwrap();
    let rotated = plain.clone().hessenberg_noise();
    let (Some(Coefficient::Matrix(n0)), Some(Coefficient::Matrix(n1)), Coefficient::Matrix(l)) =
        (&plain.noise, &rotated.noise, &rotated.linear)
    else {
        panic!("W4's step has matrix coefficients")
    };
    assert!(plain.propagator.is_none());
    let p = rotated.propagator.as_ref().expect("a propagator");
    let m = |v: &[f64]| nalgebra::DMatrix::from_row_slice(d, d, v);
    let (n0, n1, l, p) = (m(n0), m(n1), m(l), m(p));
    if d > 2 {
        assert!((&n0 - &n1).norm() > 0.1 * n0.norm(), "d = {d}: the factor was not rotated");
    }
    let cov = (&n0 * n0.transpose()).norm();
    let dcov = (&n0 * n0.transpose() - &n1 * n1.transpose()).norm();
    assert!(dcov <= 1e-14 * cov, "d = {d}: N Nᵀ moved by {dcov:e} of {cov:e}");
    let want = n1.clone().try_inverse().unwrap() * l * &n1;
    assert!((&want - &p).norm() <= 1e-12 * want.norm(), "d = {d}: propagator off by {:e}", (&want - &p).norm());
    for i in 0..d {
        for j in 0..i.saturating_sub(1) {
            assert_eq!(p[(i, j)], 0.0, "P[{i}][{j}] below the subdiagonal");
        }
    }
    // Without a matrix noise (the flow) nothing changes.
    let flow = StepCoefficients::new(&process, Integrator::FlowExponential, 0.01).unwrap();
    assert_eq!(flow.clone().hessenberg_noise(), flow);
}
