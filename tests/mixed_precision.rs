//! The mixed-precision kernel (f32 products, f64 softmax; `kernels::mixed`) against the all-f64 kernel, as SCIENCE.md
//! requires before f32 is used inside a simulation kernel: generation runs with the empirical score down to
//! t_min = 10⁻³ (where the softmax is nearly one-hot, α = e^{−t}/s_t ≈ 500, and |x|² − 2x·a + |a|² cancels worst), same
//! seed, once with each kernel. Every statistic of the generated samples and of the nearest-neighbour report must
//! differ between the two by well under one Monte Carlo standard error (we require a quarter), and almost every
//! particle must end on the same training point.
#![cfg(not(target_arch = "wasm32"))]

use diffusion_regimes::data::mixture::{MeanDirection, Mixture};
use diffusion_regimes::precision::Precision;
use diffusion_regimes::process::OuProcess;
use diffusion_regimes::random::{stream, Purpose};
use diffusion_regimes::sampler::generate::{Generator, Start};
use diffusion_regimes::sampler::grid::TimeGrid;
use diffusion_regimes::sampler::integrator::Integrator;
use diffusion_regimes::score::empirical::{EmpiricalScore, KernelPrecision, Nearest};
use diffusion_regimes::score::Score;
use nalgebra::DMatrix;

const T_MIN: f64 = 1e-3;

struct Run {
    x: Vec<f64>,
    nearest: Vec<Nearest>,
}

fn run(process: &OuProcess, d: usize, n: usize, particles: usize, precision: KernelPrecision) -> Run {
    let data = Mixture::two_class_isotropic(d, 1.0, 1.0, MeanDirection::Ones, None).unwrap().sample(n, 11).unwrap();
    let score = EmpiricalScore::with_options(process, &data, true, precision).unwrap();
    assert_eq!(score.precision(), precision);
    let grid = TimeGrid::refined(6.0, T_MIN, 150).unwrap();
    let mut g = Generator::new(process, score, grid, Integrator::EulerMaruyama).unwrap();
    let state = g.generate(particles, 0, 2024, Start::Stationary).unwrap();
    let x = state.positions().to_vec();
    // The nearest-neighbour report of the final samples, by the score of the same run.
    let s = g.score_mut();
    s.prepare(T_MIN).unwrap();
    let mut out = vec![0.0; x.len()];
    let mut nearest = vec![Nearest::default(); particles];
    s.evaluate_with_nearest(&x, &mut out, Some(&mut nearest));
    Run { x, nearest }
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64;
    (m, var.sqrt())
}

/// Per-particle statistics: projection on the class direction, its sign, |x|²/d, nearest squared distance / d, the
/// ratio of nearest to second-nearest distance, and whether that ratio is below ½ (collapsed).
fn statistics(r: &Run, d: usize) -> Vec<(&'static str, Vec<f64>)> {
    let proj: Vec<f64> = r.x.chunks_exact(d).map(|x| x.iter().sum::<f64>() / (d as f64).sqrt()).collect();
    let ratio: Vec<f64> = r.nearest.iter().map(|n| n.d2 / n.d2_second).collect();
    vec![
        ("x·μ̂", proj.clone()),
        ("class +", proj.iter().map(|p| (*p > 0.0) as u8 as f64).collect()),
        ("|x|²/d", r.x.chunks_exact(d).map(|x| x.iter().map(|v| v * v).sum::<f64>() / d as f64).collect()),
        ("d2/d", r.nearest.iter().map(|n| n.d2 / d as f64).collect()),
        ("d2/d2'", ratio.clone()),
        ("collapsed", ratio.iter().map(|q| (*q < 0.5) as u8 as f64).collect()),
    ]
}

fn compare(name: &str, a: &Run, b: &Run, d: usize) {
    let (sa, sb) = (statistics(a, d), statistics(b, d));
    for ((stat, va), (_, vb)) in sa.iter().zip(&sb) {
        let ((ma, _), (mb, sd)) = (mean_sd(va), mean_sd(vb));
        let se = sd / (vb.len() as f64).sqrt();
        println!("{name} {stat}: mixed {ma:.6}, f64 {mb:.6}, difference {:.2e}, s.e. {se:.2e}", ma - mb);
        assert!((ma - mb).abs() <= 0.25 * se.max(1e-12), "{name} {stat}: mixed {ma} vs f64 {mb}, s.e. {se}");
    }
    let same = a.nearest.iter().zip(&b.nearest).filter(|(p, q)| p.index == q.index).count();
    println!("{name}: {same} of {} particles end nearest to the same training point", a.nearest.len());
    assert!(same as f64 >= 0.95 * a.nearest.len() as f64, "{name}: only {same} same nearest points");
    let max_dx = a.x.iter().zip(&b.x).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
    println!("{name}: largest coordinate difference {max_dx:.2e}");
}

#[test]
fn mixed_precision_generation_agrees_with_f64_isotropic() {
    // W2's setting at a smaller size: U = I, two-class data, Euler–Maruyama down to t = 10⁻³.
    let d = 64;
    let p = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
    let a = run(&p, d, 300, 400, KernelPrecision::Mixed);
    let b = run(&p, d, 300, 400, KernelPrecision::Double);
    compare("U = I", &a, &b, d);
}

#[test]
fn mixed_precision_generation_agrees_with_f64_whitened() {
    // The general path (whitened keys, recomputed and rounded to f32 every step): anisotropic U and a rotation Q.
    let d = 16;
    let u = Precision::log_spaced(d, 10.0, Some(3)).unwrap();
    let mut s = stream(5, Purpose::Matrix, 9);
    let g = DMatrix::from_fn(d, d, |_, _| s.normal());
    let p = OuProcess::new(u, (&g - g.transpose()) * 0.3).unwrap();
    let a = run(&p, d, 200, 300, KernelPrecision::Mixed);
    let b = run(&p, d, 200, 300, KernelPrecision::Double);
    compare("anisotropic", &a, &b, d);
}
