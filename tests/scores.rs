#![cfg(not(target_arch = "wasm32"))]
//! Scores against independent references: finite differences of ln p_t, the mixture score with point components, and
//! the general paths against the fast paths.

use diffusion_regimes::data::mixture::{ClassCovariance, MeanDirection, Mixture};
use diffusion_regimes::data::training_set::TrainingSet;
use diffusion_regimes::precision::Precision;
use diffusion_regimes::process::OuProcess;
use diffusion_regimes::random::{stream, Purpose};
use diffusion_regimes::score::empirical::{EmpiricalScore, KernelPrecision, Nearest};
use diffusion_regimes::score::mixture::{score_at, MixturePath, MixtureScore};
use diffusion_regimes::score::Score;
use nalgebra::{DMatrix, DVector};

/// An anisotropic process with a nonzero antisymmetric Q, so that A is non-normal.
fn aniso_process(d: usize) -> OuProcess {
    let u = Precision::log_spaced(d, 10.0, Some(11)).unwrap();
    let mut s = stream(5, Purpose::Matrix, 9);
    let g = DMatrix::from_fn(d, d, |_, _| s.normal());
    OuProcess::new(u, (&g - g.transpose()) * 0.7).unwrap()
}

fn random_points(n: usize, d: usize, seed: u64, scale: f64) -> Vec<DVector<f64>> {
    let mut s = stream(seed, Purpose::Estimator, 0);
    (0..n).map(|_| DVector::from_fn(d, |_, _| scale * s.normal())).collect()
}

fn max_rel(a: &DVector<f64>, b: &DVector<f64>) -> f64 {
    (a - b).amax() / b.amax().max(1.0)
}

#[test]
fn general_mixture_score_is_the_gradient_of_ln_p_t() {
    let d = 3;
    let process = aniso_process(d);
    let means = random_points(3, d, 1, 1.5);
    let covs = vec![
        DMatrix::from_row_slice(3, 3, &[1.0, 0.3, 0.0, 0.3, 0.5, 0.1, 0.0, 0.1, 0.2]),
        DMatrix::identity(3, 3) * 0.3,
        DMatrix::zeros(3, 3), // a point mass at time 0 is a Gaussian at t > 0
    ];
    let data = Mixture::new(vec![0.2, 0.5, 0.3], means, ClassCovariance::PerClass(covs)).unwrap();
    let mut score = MixtureScore::new(&process, &data).unwrap();
    assert_eq!(score.path(), MixturePath::General);
    for &t in &[0.05, 0.4, 1.5] {
        let pt = data.at_time(&process, t).unwrap();
        for x in random_points(5, d, 2, 1.0) {
            let s = score_at(&mut score, t, &x).unwrap();
            // Central differences with step h: truncation error h² |∂³ ln p| / 6 and rounding ε|ln p|/h; h = 1e-5
            // balances them near 1e-9 for these O(1) curvatures, so 1e-6 relative is a safe bound.
            let h = 1e-5;
            let fd = DVector::from_fn(d, |k, _| {
                let mut xp = x.clone();
                let mut xm = x.clone();
                xp[k] += h;
                xm[k] -= h;
                (pt.log_density(&xp).unwrap() - pt.log_density(&xm).unwrap()) / (2.0 * h)
            });
            assert!(max_rel(&s, &fd) < 1e-6, "t={t}: {s} vs {fd}");
        }
    }
}

#[test]
fn shared_covariance_general_path_equals_one_factor_per_class() {
    // k classes with one covariance take one forward and one back substitution per particle (z_c = L⁻¹x − L⁻¹m_c);
    // the same mixture given as per-class covariances takes the per-class route: the scores agree to rounding.
    let d = 5;
    let process = aniso_process(d);
    let means = random_points(4, d, 7, 2.0);
    let c0 = DMatrix::from_fn(d, d, |i, j| if i == j { 0.6 } else { 0.05 });
    let weights = vec![0.1, 0.2, 0.3, 0.4];
    let shared = Mixture::new(weights.clone(), means.clone(), ClassCovariance::Shared(c0.clone())).unwrap();
    let per_class = Mixture::new(weights, means, ClassCovariance::PerClass(vec![c0; 4])).unwrap();
    let mut a = MixtureScore::new(&process, &shared).unwrap();
    let mut b = MixtureScore::new(&process, &per_class).unwrap();
    assert_eq!((a.path(), b.path()), (MixturePath::General, MixturePath::General));
    for &t in &[0.001, 0.3, 2.0] {
        for x in random_points(6, d, 8, 3.0) {
            let (sa, sb) = (score_at(&mut a, t, &x).unwrap(), score_at(&mut b, t, &x).unwrap());
            assert!(max_rel(&sa, &sb) < 1e-10, "t={t}: {sa} vs {sb}");
        }
    }
}

/// A symmetric two-class mixture in d = 4 with a shared, correlated covariance (the two-class fast path's data).
fn correlated_two_class() -> Mixture {
    let c0 = DMatrix::from_fn(4, 4, |i, j| if i == j { 0.8 } else { 0.1 });
    Mixture::two_class(DVector::from_vec(vec![1.0, -2.0, 0.5, 0.0]), c0).unwrap()
}

#[test]
fn two_class_fast_path_equals_general_path() {
    let d = 4;
    let (process, data) = (aniso_process(d), correlated_two_class());
    let mut fast = MixtureScore::new(&process, &data).unwrap();
    assert_eq!(fast.path(), MixturePath::TwoClassShared);
    let mut general = MixtureScore::with_path(&process, &data, Some(MixturePath::General)).unwrap();
    for &t in &[0.01, 0.3, 2.0] {
        for x in random_points(6, d, 3, 2.0) {
            let a = score_at(&mut fast, t, &x).unwrap();
            let b = score_at(&mut general, t, &x).unwrap();
            assert!(max_rel(&a, &b) < 1e-10, "t={t}: {a} vs {b}");
        }
    }
}

#[test]
fn two_class_moments_are_the_covariance_and_mean_behind_the_score() {
    // What the white step continues from (Score::two_class_moments): Γ_t with Γ_t B = I for the score's B = Γ_t⁻¹,
    // and m_t with B m_t = ±g; at t = 0.001 from Van Loan's form (t‖A‖₁ < 0.5), later from the propagator cache.
    let d = 4;
    let (process, data) = (aniso_process(d), correlated_two_class());
    let mut score = MixtureScore::new(&process, &data).unwrap();
    let (mut gamma, mut mean) = (vec![0.0; d * d], vec![0.0; d]);
    for &t in &[0.001, 0.3, 2.0] {
        score.two_class_moments(t, &mut gamma, &mut mean).expect("a two-class score").unwrap();
        score.prepare(t).unwrap();
        let (b, g) = score.two_class_form().unwrap();
        let (gm, bm) = (DMatrix::from_row_slice(d, d, &gamma), DMatrix::from_row_slice(d, d, b));
        assert!((&gm * &bm - DMatrix::identity(d, d)).amax() < 1e-12, "t={t}: Γ_t B ≠ I");
        let bmean = &bm * DVector::from_column_slice(&mean);
        let g = DVector::from_column_slice(g);
        assert!((&bmean - &g).amax().min((&bmean + &g).amax()) < 1e-12 * g.amax().max(1.0), "t={t}: B m_t ≠ ±g");
    }
    // A score without the two-class form has no moments to give.
    let ts = TrainingSet::from_points(d, vec![1.0, 0.0, 0.0, 0.0], vec![0]).unwrap();
    assert!(EmpiricalScore::new(&process, &ts).unwrap().two_class_moments(0.3, &mut gamma, &mut mean).is_none());
}

#[test]
fn biroli_path_equals_tanh_form_and_general_path() {
    let d = 5;
    let process = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
    let data = Mixture::two_class_isotropic(d, 1.3, 0.7, MeanDirection::Random { seed: 4 }, None).unwrap();
    let mu = data.means()[0].clone();
    let mut biroli = MixtureScore::new(&process, &data).unwrap();
    assert_eq!(biroli.path(), MixturePath::Biroli);
    let mut two = MixtureScore::with_path(&process, &data, Some(MixturePath::TwoClassShared)).unwrap();
    let mut general = MixtureScore::with_path(&process, &data, Some(MixturePath::General)).unwrap();
    for &t in &[0.001f64, 0.5, 3.0] {
        // Biroli et al. (2024): S = −x/Γ_t + (m_t/Γ_t) tanh(m_t·x/Γ_t), Γ_t = σ²e^{−2t} + Δ_t, m_t = e^{−t}μ.
        let gamma = 0.49 * (-2.0 * t).exp() + 1.0 - (-2.0 * t).exp();
        let mt = &mu * (-t).exp();
        for x in random_points(4, d, 6, 2.0) {
            let closed = -&x / gamma + &mt / gamma * (mt.dot(&x) / gamma).tanh();
            let a = score_at(&mut biroli, t, &x).unwrap();
            assert!(max_rel(&a, &closed) < 1e-12, "t={t}: {a} vs {closed}");
            assert!(max_rel(&score_at(&mut two, t, &x).unwrap(), &closed) < 1e-10);
            assert!(max_rel(&score_at(&mut general, t, &x).unwrap(), &closed) < 1e-10);
        }
    }
}

/// The empirical law as a mixture of point masses (C_c = 0) with equal weights.
fn point_mixture(ts: &TrainingSet) -> Mixture {
    let d = ts.dim();
    let means = (0..ts.len()).map(|i| DVector::from_column_slice(ts.point(i))).collect();
    Mixture::new(vec![1.0; ts.len()], means, ClassCovariance::Shared(DMatrix::zeros(d, d))).unwrap()
}

fn eval(score: &mut impl Score, t: f64, xs: &[f64]) -> Vec<f64> {
    score.prepare(t).unwrap();
    let mut out = vec![0.0; xs.len()];
    score.evaluate(xs, &mut out);
    out
}

/// Tolerance of the empirical score against an exact reference, relative to the score's scale: f64 rounding for the
/// all-f64 pass; for the mixed pass, the f32 products' error α·(d + 2)·2⁻²⁴·|x||a| in a logit (kernels::mixed).
fn tolerance(precision: KernelPrecision) -> f64 {
    match precision {
        KernelPrecision::Double => 1e-9,
        KernelPrecision::Mixed => 3e-5,
    }
}

#[test]
fn empirical_score_equals_mixture_score_of_point_masses() {
    let d = 3;
    let process = aniso_process(d);
    let base = Mixture::two_class_isotropic(d, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
    let ts = base.sample(40, 3).unwrap();
    for precision in [KernelPrecision::Double, KernelPrecision::Mixed] {
        let mut emp = EmpiricalScore::with_options(&process, &ts, true, precision).unwrap();
        assert!(!emp.is_isotropic());
        let mut mix = MixtureScore::new(&process, &point_mixture(&ts)).unwrap();
        let xs: Vec<f64> =
            random_points(37, d, 8, 1.5).iter().flat_map(|v| v.iter().cloned().collect::<Vec<_>>()).collect();
        for &t in &[0.02, 0.3, 2.0] {
            let a = eval(&mut emp, t, &xs);
            let b = eval(&mut mix, t, &xs);
            let scale = b.iter().fold(1.0f64, |m, x| m.max(x.abs()));
            let err = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            assert!(err < tolerance(precision) * scale, "{precision:?} t={t}: error {err} at scale {scale}");
        }
    }
}

#[test]
fn empirical_fast_path_equals_whitened_path_and_reports_nearest() {
    for c in [1.0, 2.5] {
        let d = 6;
        let process = OuProcess::reversible(Precision::scaled_identity(d, c).unwrap());
        let base = Mixture::two_class_isotropic(d, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
        let ts = base.sample(150, 5).unwrap();
        for precision in [KernelPrecision::Double, KernelPrecision::Mixed] {
            let mut fast = EmpiricalScore::with_options(&process, &ts, true, precision).unwrap();
            let mut slow = EmpiricalScore::with_options(&process, &ts, false, precision).unwrap();
            assert!(fast.is_isotropic() && !slow.is_isotropic());
            let np = 70;
            let xs: Vec<f64> =
                random_points(np, d, 9, 1.5).iter().flat_map(|v| v.iter().cloned().collect::<Vec<_>>()).collect();
            for &t in &[0.005, 0.2, 1.0, 4.0] {
                fast.prepare(t).unwrap();
                slow.prepare(t).unwrap();
                let (mut a, mut b) = (vec![0.0; np * d], vec![0.0; np * d]);
                let (mut na, mut nb) = (vec![Nearest::default(); np], vec![Nearest::default(); np]);
                fast.evaluate_with_nearest(&xs, &mut a, Some(&mut na));
                slow.evaluate_with_nearest(&xs, &mut b, Some(&mut nb));
                let scale = b.iter().fold(1.0f64, |m, x| m.max(x.abs()));
                let err = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
                assert!(err < tolerance(precision) * scale, "{precision:?} c={c} t={t}: {err} at scale {scale}");
                // Brute-force nearest point in the Σ_t metric: Σ_t = s_t I, E_t = e^{−ct} I.
                let (e, s) = ((-c * t).exp(), -(-2.0 * c * t).exp_m1() / c);
                for p in 0..np {
                    let x = &xs[p * d..(p + 1) * d];
                    let mut dist: Vec<(f64, usize)> = (0..ts.len())
                        .map(|i| (x.iter().zip(ts.point(i)).map(|(xk, ak)| (xk - e * ak).powi(2)).sum::<f64>() / s, i))
                        .collect();
                    dist.sort_by(|u, v| u.0.total_cmp(&v.0));
                    for n in [na[p], nb[p]] {
                        assert_eq!(n.index, dist[0].1);
                        assert!((n.d2 - dist[0].0).abs() < 1e-8 * dist[0].0.max(1.0), "{} vs {}", n.d2, dist[0].0);
                        assert!((n.d2_second - dist[1].0).abs() < 1e-8 * dist[1].0.max(1.0));
                    }
                }
            }
        }
    }
}

#[test]
fn empirical_score_rejects_t_zero() {
    let process = OuProcess::reversible(Precision::scaled_identity(2, 1.0).unwrap());
    let ts = TrainingSet::from_points(2, vec![1.0, 2.0], vec![0]).unwrap();
    let mut s = EmpiricalScore::new(&process, &ts).unwrap();
    let e = s.prepare(0.0).unwrap_err();
    assert!(e.to_string().contains("invalid t = 0"), "{e}");
}
