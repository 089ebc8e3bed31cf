#![cfg(not(target_arch = "wasm32"))]
//! Generation checks of SCIENCE.md §6: Gaussian data is reproduced up to Monte Carlo error and a step-size error that
//! shrinks with h; integrators agree at small h; forks share their past; runs are deterministic and independent of
//! batch splitting and chunking.

use diffusion_regimes::data::mixture::{MeanDirection, Mixture};
use diffusion_regimes::drift::{optimal, Weights};
use diffusion_regimes::precision::Precision;
use diffusion_regimes::process::OuProcess;
use diffusion_regimes::sampler::generate::{Generator, Projection, SnapshotPlan, Start};
use diffusion_regimes::sampler::grid::TimeGrid;
use diffusion_regimes::sampler::integrator::{Coefficient, Integrator, StepCoefficients};
use diffusion_regimes::score::empirical::EmpiricalScore;
use diffusion_regimes::score::mixture::MixtureScore;
use diffusion_regimes::score::Score;
use nalgebra::{DMatrix, DVector};

fn optimal_process(d: usize, kappa: f64) -> OuProcess {
    let u = Precision::log_spaced(d, kappa, None).unwrap();
    let q = optimal(&u, &Weights::Linear).unwrap();
    OuProcess::new(u, q).unwrap()
}

fn sample_cov(x: &[f64], d: usize) -> DMatrix<f64> {
    let n = x.len() / d;
    let mut c = DMatrix::zeros(d, d);
    let mean = DVector::from_fn(d, |k, _| x.iter().skip(k).step_by(d).sum::<f64>() / n as f64);
    for row in x.chunks_exact(d) {
        let z = DVector::from_column_slice(row) - &mean;
        c += &z * z.transpose();
    }
    c / n as f64
}

fn coef_matrix(c: &Coefficient, d: usize) -> DMatrix<f64> {
    match c {
        Coefficient::Scalar(s) => DMatrix::identity(d, d) * *s,
        Coefficient::Matrix(m) => DMatrix::from_row_slice(d, d, m),
    }
}

/// The exact covariance of the discrete scheme for Gaussian data N(0, C): the score is linear, S = −Γ_t⁻¹ x, so
/// x' = (L − K Γ_t⁻¹) x + N z and Cov' = M Cov Mᵀ + N Nᵀ, starting from Γ_T (exact start). This isolates the step-size
/// error from the Monte Carlo error.
fn scheme_covariance(process: &OuProcess, c: &DMatrix<f64>, integrator: Integrator, grid: &TimeGrid) -> DMatrix<f64> {
    let d = c.nrows();
    let gamma = |t: f64| {
        let tr = process.transition(t);
        &tr.propagator * c * tr.propagator.transpose() + tr.noise_cov
    };
    let mut cov = gamma(grid.times()[0]);
    for k in 0..grid.steps() {
        let co = StepCoefficients::new(process, integrator, grid.step_size(k)).unwrap();
        let gi = gamma(grid.times()[k]).try_inverse().unwrap();
        let m = coef_matrix(&co.linear, d) - coef_matrix(&co.score, d) * gi;
        let n = co.noise.as_ref().map(|n| coef_matrix(n, d)).unwrap_or_else(|| DMatrix::zeros(d, d));
        cov = &m * cov * m.transpose() + &n * n.transpose();
    }
    cov
}

/// Largest |Ĉ − P|_ij in units of the standard error sqrt((P_ii P_jj + P_ij²)/N) of a Gaussian sample covariance
/// entry (Var(x_i x_j) = P_ii P_jj + P_ij² for centered Gaussians; the mean correction is O(1/N)).
fn max_z_score(c_hat: &DMatrix<f64>, p: &DMatrix<f64>, n: usize) -> f64 {
    let d = p.nrows();
    let mut z: f64 = 0.0;
    for i in 0..d {
        for j in 0..d {
            let se = ((p[(i, i)] * p[(j, j)] + p[(i, j)].powi(2)) / n as f64).sqrt();
            z = z.max((c_hat[(i, j)] - p[(i, j)]).abs() / se);
        }
    }
    z
}

fn rel_err(a: &DMatrix<f64>, c: &DMatrix<f64>) -> f64 {
    (a - c).amax() / c.amax()
}

/// Runs the Gaussian check at K and 2K steps; returns the measured relative covariance errors at h and h/2.
fn gaussian_check(process: &OuProcess, c: &DMatrix<f64>, integrator: Integrator, t_max: f64, k: usize) -> (f64, f64) {
    let d = c.nrows();
    let data = Mixture::gaussian(DVector::zeros(d), c.clone()).unwrap();
    let n = 100_000;
    let mut errs = Vec::new();
    let mut predicted = Vec::new();
    for steps in [k, 2 * k] {
        let grid = TimeGrid::uniform(t_max, 0.0, steps).unwrap();
        let score = MixtureScore::new(process, &data).unwrap();
        let mut g = Generator::new(process, score, grid.clone(), integrator).unwrap();
        let state = g.generate(n, 0, 17, Start::Exact).unwrap();
        let c_hat = sample_cov(state.positions(), d);
        let p = scheme_covariance(process, c, integrator, &grid);
        // The sampler reproduces its own discrete law: |Ĉ − P| ≤ 5 standard errors for every entry (fixed seed; the
        // chance of a 5σ deviation among ≤ 16 entries is below 10⁻⁵).
        let z = max_z_score(&c_hat, &p, n);
        assert!(z < 5.0, "{integrator:?} K={steps}: {z:.2} standard errors from the scheme's covariance");
        errs.push(rel_err(&c_hat, c));
        predicted.push(rel_err(&p, c));
    }
    eprintln!(
        "{integrator:?} d={d} K={k}: measured |Ĉ−C|/|C| = {:.4} at h, {:.4} at h/2 (scheme's exact: {:.4}, {:.4})",
        errs[0], errs[1], predicted[0], predicted[1]
    );
    // The step-size error is first order: halving h halves it (ratio 0.5 up to O(h) corrections).
    assert!(predicted[1] < 0.65 * predicted[0], "exact scheme errors {predicted:?}");
    // Monte Carlo: s.e. of an entry ≈ sqrt(2/N) ≈ 0.0045 relative; the bias at h is chosen ≥ 10 s.e., so the measured
    // error must shrink too.
    assert!(predicted[0] > 10.0 * (2.0 / n as f64).sqrt(), "the test needs a step error well above the noise");
    assert!(errs[1] < 0.8 * errs[0], "measured errors {errs:?}");
    (errs[0], errs[1])
}

#[test]
fn gaussian_data_is_reproduced_with_u_identity() {
    let process = OuProcess::reversible(Precision::scaled_identity(3, 1.0).unwrap());
    let c = DMatrix::from_row_slice(3, 3, &[1.0, 0.5, 0.0, 0.5, 2.0, 0.3, 0.0, 0.3, 0.5]);
    gaussian_check(&process, &c, Integrator::EulerMaruyama, 4.0, 20);
    gaussian_check(&process, &c, Integrator::Exponential, 4.0, 20);
}

#[test]
fn gaussian_data_is_reproduced_with_anisotropic_u_and_optimal_q() {
    let process = optimal_process(4, 10.0);
    assert!(process.q().norm() > 0.1);
    let c = DMatrix::from_fn(4, 4, |i, j| if i == j { 1.0 + 0.5 * i as f64 } else { 0.2 });
    // ‖A‖₂ ≈ 12 here; with the score frozen over a step, the exponential scheme is still only conditionally stable
    // (the score's own stiffness −Γ_t⁻¹ ≈ −U is not integrated exactly), so h = 0.1 and 0.05.
    gaussian_check(&process, &c, Integrator::Exponential, 4.0, 40);
}

fn two_class_generator(integrator: Integrator, steps: usize, t_max: f64) -> Generator<MixtureScore> {
    two_class_generator_on(integrator, TimeGrid::uniform(t_max, 0.0, steps).unwrap())
}

fn two_class_generator_on(integrator: Integrator, grid: TimeGrid) -> Generator<MixtureScore> {
    let process = optimal_process(3, 10.0);
    let data = Mixture::two_class_isotropic(3, 1.0, 0.7, MeanDirection::Fastest, Some(process.precision())).unwrap();
    let score = MixtureScore::new(&process, &data).unwrap();
    Generator::new(&process, score, grid, integrator).unwrap()
}

#[test]
fn euler_and_exponential_integrators_agree_at_small_steps() {
    // Driven by the same normals, the two schemes' paths differ by O(h) per unit time (additive noise: both are strong
    // order 1, and the exponential noise factor e^{Ah} chol(Σ_h) is √(2h)(I + O(h))). At steps ≤ 7·10⁻⁴ with ‖A‖₂ ≈ 12
    // the mean distance is a few 10⁻³ of the typical |x|; 0.02 leaves room while still failing for any O(1) mistake.
    // On the refined grid: on a uniform one (since 0.11.0) the exponential step's noise factor is rotated, N V, to
    // make the white step's propagator Hessenberg (`StepCoefficients::hessenberg_noise`), the same law but other
    // samples, so its paths no longer follow Euler's normal for normal (tests/whitened.rs checks the rotated factor).
    for (sde, flow) in
        [(Integrator::EulerMaruyama, Integrator::Exponential), (Integrator::FlowEuler, Integrator::FlowExponential)]
    {
        let grid = TimeGrid::refined(2.0, 1e-2, 8000).unwrap();
        assert!(grid.max_step() < 7.1e-4, "steps of {}", grid.max_step());
        let mut a = two_class_generator_on(sde, grid.clone());
        let mut b = two_class_generator_on(flow, grid);
        let xa = a.generate(500, 0, 3, Start::Stationary).unwrap();
        let xb = b.generate(500, 0, 3, Start::Stationary).unwrap();
        let diff: f64 = xa.positions().iter().zip(xb.positions()).map(|(u, v)| (u - v).abs()).sum();
        let size: f64 = xa.positions().iter().map(|u| u.abs()).sum();
        assert!(diff / size < 0.02, "{sde:?} vs {flow:?}: relative path difference {}", diff / size);
    }
}

#[test]
fn forks_share_the_past_and_differ_in_the_future() {
    let mut g = two_class_generator(Integrator::Exponential, 200, 4.0);
    let plan = SnapshotPlan {
        times: vec![4.0, 3.0, 2.0, 1.0, 0.0],
        particles: Some(vec![0, 5]),
        projection: Projection::Full,
    };
    let mut original = g.start(40, 0, 11, Start::Stationary, Some(&plan)).unwrap();
    let mut reference = g.start(40, 0, 11, Start::Stationary, Some(&plan)).unwrap();
    let at = g.run_until(&mut original, 2.0).unwrap();
    assert!((at.t - 2.0).abs() < 1e-12 && at.done);
    let mut clone = original.clone_with_noise(99);
    let mut clone_again = original.clone_with_noise(99);
    g.continue_to_end(&mut original).unwrap();
    g.continue_to_end(&mut clone).unwrap();
    g.continue_to_end(&mut clone_again).unwrap();
    g.continue_to_end(&mut reference).unwrap();
    // Forking does not perturb the original.
    assert_eq!(original.positions(), reference.positions());
    // Identical past: snapshots at t = 4, 3, 2 agree bit for bit; the future differs.
    let (so, sc) = (original.snapshots().unwrap(), clone.snapshots().unwrap());
    let per = so.particles.len() * so.width;
    assert_eq!(so.values[..3 * per], sc.values[..3 * per]);
    assert!(so.values[3 * per..].iter().zip(&sc.values[3 * per..]).all(|(a, b)| a != b));
    assert_ne!(original.positions(), clone.positions());
    // Clones with the same seed are the same clone.
    assert_eq!(clone.positions(), clone_again.positions());
}

fn run_split<S: Score + Clone>(g: &Generator<S>, sizes: &[usize], seed: u64, start: Start) -> Vec<f64> {
    let mut out = Vec::new();
    let mut first = 0;
    for &n in sizes {
        let mut g = g.clone();
        out.extend_from_slice(g.generate(n, first, seed, start).unwrap().positions());
        first += n as u64;
    }
    out
}

#[test]
fn runs_are_deterministic_and_independent_of_batch_splitting_and_chunking() {
    let process = optimal_process(5, 10.0);
    let data = Mixture::two_class_isotropic(5, 1.0, 0.5, MeanDirection::Ones, None).unwrap();
    let ts = data.sample(300, 4).unwrap();
    let iso = OuProcess::reversible(Precision::scaled_identity(5, 1.0).unwrap());
    let analytic = Generator::new(
        &process,
        MixtureScore::new(&process, &data).unwrap(),
        TimeGrid::uniform(3.0, 0.0, 30).unwrap(),
        Integrator::Exponential,
    )
    .unwrap();
    let empirical = Generator::new(
        &process,
        EmpiricalScore::new(&process, &ts).unwrap(),
        TimeGrid::refined(3.0, 1e-3, 30).unwrap(),
        Integrator::Exponential,
    )
    .unwrap();
    let empirical_iso = Generator::new(
        &iso,
        EmpiricalScore::new(&iso, &ts).unwrap(),
        TimeGrid::refined(3.0, 1e-3, 30).unwrap(),
        Integrator::EulerMaruyama,
    )
    .unwrap();
    // 37 particles = 18 + 19: neither part is a multiple of the kernels' 4-particle tiles.
    for start in [Start::Stationary, Start::Exact] {
        let whole = run_split(&analytic, &[37], 8, start);
        assert_eq!(whole, run_split(&analytic, &[37], 8, start));
        assert_eq!(whole, run_split(&analytic, &[18, 19], 8, start));
        assert_ne!(whole, run_split(&analytic, &[37], 9, start));
    }
    for g in [&empirical, &empirical_iso] {
        let whole = run_split(g, &[37], 8, Start::Exact);
        assert_eq!(whole, run_split(g, &[37], 8, Start::Exact));
        assert_eq!(whole, run_split(g, &[18, 19], 8, Start::Exact));
        assert_eq!(whole, run_split(g, &[1, 35, 1], 8, Start::Exact));
    }
    // Chunked runs (3 steps at a time, as the browser does) equal one-shot runs.
    let mut g = empirical.clone();
    let mut s = g.start(37, 0, 8, Start::Exact, None).unwrap();
    let mut chunks = 0;
    while !g.run_chunk(&mut s, 3, usize::MAX).unwrap().done {
        chunks += 1;
    }
    assert_eq!(chunks, 9);
    assert_eq!(s.positions(), &run_split(&empirical, &[37], 8, Start::Exact)[..]);
}

#[test]
fn invalid_runs_are_refused_with_the_parameter_named() {
    let mut g = two_class_generator(Integrator::EulerMaruyama, 10, 1.0);
    let e = g.start(0, 0, 1, Start::Stationary, None).unwrap_err();
    assert!(e.to_string().contains("invalid particles = 0"), "{e}");
    let plan = SnapshotPlan { times: vec![0.5], particles: Some(vec![7]), projection: Projection::Full };
    assert!(g.start(5, 0, 1, Start::Stationary, Some(&plan)).unwrap_err().to_string().contains("snapshot particle"));
    // Euler with h ≫ 0.1/‖A‖₂ is allowed but warned about.
    assert!(g.step_warning().is_some());
    assert!(two_class_generator(Integrator::Exponential, 10, 1.0).step_warning().is_none());
}

#[test]
fn snapshots_record_projections_at_grid_times() {
    let mut g = two_class_generator(Integrator::Exponential, 50, 5.0);
    let mu = g.score().data().means()[0].as_slice().to_vec();
    let plan = SnapshotPlan {
        times: vec![5.0, 2.52, 0.0],
        particles: None,
        projection: Projection::Directions(vec![mu.clone()]),
    };
    let mut s = g.start(9, 0, 2, Start::Stationary, Some(&plan)).unwrap();
    g.continue_to_end(&mut s).unwrap();
    let snaps = s.snapshots().unwrap();
    assert_eq!(snaps.times, vec![5.0, 2.5, 0.0]);
    let last = &snaps.values[2 * 9..3 * 9];
    for (p, v) in last.iter().enumerate() {
        let x = &s.positions()[p * 3..(p + 1) * 3];
        assert_eq!(*v, diffusion_regimes::kernels::dot(&mu, x));
    }
}

/// The step-size bias that `step_bias` predicts before a run is the one generation produces (SCIENCE.md §6: "a
/// step-size error that shrinks as h does"): two classes of s.d. σ = 0.3, U = I, 200 steps over T = 4, started
/// exactly; the within-class variance of 4000 samples (all d = 8 coordinates about their class mean) against the
/// predicted +25 % (Euler–Maruyama) and +26 % (exponential), within 4 standard errors, and far from the model's 0.09.
#[test]
fn the_predicted_step_size_bias_is_the_one_generation_produces() {
    use diffusion_regimes::config::{from_json, GenerateConfig, ScoreKind};
    use diffusion_regimes::sampler::step_bias::step_bias;
    for integrator in ["euler_maruyama", "exponential"] {
        let cfg: GenerateConfig = from_json(&format!(
            r#"{{"scenario": {{"process": {{"d": 8}}, "data": {{"model": "two_class", "sigma": 0.3, "m_tilde": 3}}}},
                "sampler": {{"score": "analytic", "integrator": "{integrator}", "particles": 4000, "start": "exact",
                             "grid": {{"t_max": 4, "t_min": 0, "steps": 200, "kind": "uniform"}}}},
                "seed": 3}}"#
        ))
        .unwrap();
        let scenario = cfg.validate().unwrap();
        let grid = TimeGrid::from_spec(&cfg.sampler.grid).unwrap();
        let predicted = step_bias(&scenario, ScoreKind::Analytic, cfg.sampler.integrator, &grid).unwrap();
        assert!(predicted.fraction() > 0.24 && predicted.fraction() < 0.27, "{integrator}: {predicted:?}");
        let run = diffusion_regimes::generation::run(&cfg).unwrap();
        let means = scenario.data.mixture().unwrap().means();
        let (mut sum, mut count) = (0.0, 0usize);
        for (x, &c) in run.samples.chunks_exact(8).zip(&run.classes) {
            for (xk, mk) in x.iter().zip(means[c as usize].iter()) {
                sum += (xk - mk) * (xk - mk);
                count += 1;
            }
        }
        let measured = sum / count as f64;
        let se = measured * (2.0 / count as f64).sqrt();
        assert!(
            (measured - predicted.generated).abs() < 4.0 * se,
            "{integrator}: measured {measured} ± {se}, predicted {}",
            predicted.generated
        );
        assert!(measured - predicted.exact > 10.0 * se, "{integrator}: the bias is resolved");
    }
}

/// What the step-size bias prediction covers: a reversible anisotropic U (each eigenvalue its own recursion, the worst
/// one named); Q ≠ 0 by the matrix recursion up to d³ · steps ≤ 64³ · 400 on a uniform grid (past it, no prediction
/// rather than a slow one); not the empirical score.
#[test]
fn what_the_step_size_bias_prediction_covers() {
    use diffusion_regimes::config::{ScenarioConfig, ScoreKind};
    use diffusion_regimes::sampler::step_bias::{step_bias, Direction};
    let grid = TimeGrid::uniform(4.0, 0.0, 200).unwrap();
    let scenario_d = |d: usize, drift: &str| {
        let cfg: ScenarioConfig = serde_json::from_str(&format!(
            r#"{{"process": {{"d": {d}, "precision": {{"kind": "log_spaced", "kappa": 100}}, "drift": {{"design": "{drift}"}}}},
                "data": {{"model": "two_class", "sigma": 0.3}}}}"#
        ))
        .unwrap();
        cfg.build().unwrap()
    };
    let scenario = |drift: &str| scenario_d(8, drift);
    let b = step_bias(&scenario("none"), ScoreKind::Analytic, Integrator::Exponential, &grid).unwrap();
    // u ∈ [0.1, 10]: the stiffest direction (u = 10, h u = 0.2) is the worst.
    assert!(matches!(b.direction, Direction::OfU { u, .. } if (u - 10.0).abs() < 1e-9), "{b:?}");
    assert!(b.message().contains("u = 10 "), "{}", b.message());
    let q = step_bias(&scenario("optimal"), ScoreKind::Analytic, Integrator::Exponential, &grid).unwrap();
    assert!(
        q.direction == Direction::Worst && q.message().contains("along its worst direction ends +74\u{a0}%"),
        "{}",
        q.message()
    );
    assert!(q.message().contains("about 3703 steps (first order in the step)"), "{}", q.message());
    // Near the stability limit the bias is far outside the first-order regime: no count rather than a wrong one
    // (κ = 1000, σ = 0.5: +311 149 % with 200 steps, yet 3200 steps give 2.3 %).
    let stiff: ScenarioConfig = serde_json::from_str(
        r#"{"process": {"d": 8, "precision": {"kind": "log_spaced", "kappa": 1000}, "drift": {"design": "optimal"}},
            "data": {"model": "two_class", "sigma": 0.5}}"#,
    )
    .unwrap();
    let far = step_bias(&stiff.build().unwrap(), ScoreKind::Analytic, Integrator::Exponential, &grid).unwrap();
    assert!(far.fraction() > 1000.0 && far.steps_needed.is_none(), "{far:?}");
    assert!(
        far.message().ends_with("far too large for a first-order count: use several times as many"),
        "{}",
        far.message()
    );
    // d = 128 with 200 steps: 4× the matrix recursion's work limit; d = 64 with 400 steps, at it.
    assert!(step_bias(&scenario_d(128, "optimal"), ScoreKind::Analytic, Integrator::Exponential, &grid).is_none());
    let at_limit = TimeGrid::uniform(4.0, 0.0, 400).unwrap();
    let b64 = step_bias(&scenario_d(64, "optimal"), ScoreKind::Analytic, Integrator::Exponential, &at_limit).unwrap();
    assert!(b64.direction == Direction::Worst && b64.fraction() > 0.05, "{b64:?}");
    // The empirical score: its points are classes of variance 0, for runs that end at a t_min > 0 (it is singular
    // at 0, where its runs are refused).
    assert!(step_bias(&scenario("none"), ScoreKind::Empirical, Integrator::Exponential, &grid).is_none());
    let to_small_t = TimeGrid::uniform(4.0, 0.01, 200).unwrap();
    let e = step_bias(&scenario("none"), ScoreKind::Empirical, Integrator::Exponential, &to_small_t).unwrap();
    assert!(e.captured && e.message().contains("samples captured by a training point"), "{}", e.message());
}

/// With Q ≠ 0 the class covariance that `class_covariances` predicts (the matrix recursion) is the one generation
/// produces: Q_opt, κ = 100, d = 8, σ = 0.3, exponential integrator, 200 steps over T = 4 (predicted +74 % along the
/// worst direction, +13 % at σ = 1); along that direction (fixed before sampling), 4000 samples within 4 standard
/// errors of the prediction and far from the model.
#[test]
fn with_q_opt_the_predicted_class_covariance_is_the_generated_one() {
    use diffusion_regimes::config::ScoreKind;
    use diffusion_regimes::sampler::step_bias::{class_covariances, step_bias};
    let cfg = qopt_two_classes(0.3, 5);
    let scenario = cfg.validate().unwrap();
    let grid = TimeGrid::from_spec(&cfg.sampler.grid).unwrap();
    let bias = step_bias(&scenario, ScoreKind::Analytic, cfg.sampler.integrator, &grid).unwrap();
    assert!((bias.fraction() - 0.7405).abs() < 1e-3, "{bias:?}");
    let (v, end) = class_covariances(&scenario, ScoreKind::Analytic, cfg.sampler.integrator, &grid).unwrap();
    let (v, end) = (DMatrix::from_row_slice(8, 8, &v), DMatrix::from_row_slice(8, 8, &end));
    // The worst direction e in the model's metric: Γ_end = L Lᵀ, e the top eigenvector of L⁻¹ V L⁻ᵀ; y = L⁻ᵀ e.
    let l = end.clone().cholesky().unwrap().l();
    let s = l.solve_lower_triangular(&l.solve_lower_triangular(&v).unwrap().transpose()).unwrap();
    let eig = nalgebra::SymmetricEigen::new((&s + s.transpose()) * 0.5);
    let top = eig.eigenvalues.imax();
    let y = l.transpose().solve_upper_triangular(&eig.eigenvectors.column(top).into_owned()).unwrap();
    let (measured, n) = variance_along(&cfg, y.as_slice());
    // yᵀ Γ_end y = 1: `measured` is the generated variance in units of the model's.
    let predicted = eig.eigenvalues[top];
    let se = predicted * (2.0 / n).sqrt();
    assert!((measured - predicted).abs() < 4.0 * se, "measured {measured}, predicted {predicted} ± {se}");
    assert!(measured - 1.0 > 10.0 * se);
}

/// The scalar recursion along C₀'s eigenvectors (U = c·I, a linear manifold's C₀ = W Wᵀ) predicts the variance
/// generation leaves off the data's subspace: d = 16, β = 0.5 (p = 8), U = I, Euler–Maruyama, 200 steps from T = 4 to
/// t_min = 0.1, where the model's variance off the subspace is 1 − e^{−0.2} = 0.1813 and the prediction +11 % (0.2013).
/// 4000 samples projected on the 8 null directions of C₀ (the class means lie in the subspace): 32 000 squares,
/// relative s.e. √(2/32 000) ≈ 0.8 % of the variance (the directions' projections are independent for this isotropic
/// recursion); within 4 s.e. of the prediction and far from the model.
#[test]
fn off_a_linear_manifold_the_predicted_step_size_bias_is_the_generated_one() {
    use diffusion_regimes::config::{from_json, GenerateConfig, ScoreKind};
    use diffusion_regimes::data::mixture::ClassCovariance;
    use diffusion_regimes::sampler::step_bias::{step_bias, Direction};
    let cfg: GenerateConfig = from_json(
        r#"{"scenario": {"process": {"d": 16},
                         "data": {"model": "manifold", "beta": 0.5, "phi": "identity", "embedding": "orthonormal"}},
            "sampler": {"score": "analytic", "integrator": "euler_maruyama", "particles": 4000, "start": "exact",
                        "grid": {"t_max": 4, "t_min": 0.1, "steps": 200, "kind": "uniform"}},
            "seed": 7}"#,
    )
    .unwrap();
    let scenario = cfg.validate().unwrap();
    let grid = TimeGrid::from_spec(&cfg.sampler.grid).unwrap();
    let bias = step_bias(&scenario, ScoreKind::Analytic, cfg.sampler.integrator, &grid).unwrap();
    assert_eq!(bias.direction, Direction::OfC0 { u: 1.0, s2: 0.0 }, "{bias:?}");
    assert!((bias.exact - (1.0 - (-0.2f64).exp())).abs() < 1e-12);
    assert!((bias.fraction() - 0.12).abs() < 0.01, "{bias:?}");
    let ClassCovariance::Shared(c0) = scenario.data.mixture().unwrap().covariances() else { panic!("shared C₀") };
    let eig = nalgebra::SymmetricEigen::new(c0.clone());
    let null: Vec<DVector<f64>> =
        (0..16).filter(|&i| eig.eigenvalues[i].abs() < 1e-9).map(|i| eig.eigenvectors.column(i).into_owned()).collect();
    assert_eq!(null.len(), 8);
    let run = diffusion_regimes::generation::run(&cfg).unwrap();
    let (mut sum, mut count) = (0.0, 0usize);
    for x in run.samples.chunks_exact(16) {
        for v in &null {
            let z: f64 = x.iter().zip(v.iter()).map(|(a, b)| a * b).sum();
            sum += z * z;
            count += 1;
        }
    }
    let measured = sum / count as f64;
    let se = measured * (2.0 / count as f64).sqrt();
    assert!((measured - bias.generated).abs() < 4.0 * se, "measured {measured} ± {se}, predicted {}", bias.generated);
    assert!(measured - bias.exact > 10.0 * se, "the bias is resolved: measured {measured} ± {se}, predicted {bias:?}");
}

/// The k-class model's classes share C₀ = σ² I, so with Q ≠ 0 the matrix recursion applies as for two classes, with
/// the same covariance (the means do not enter it): Q_opt, κ = 100, d = 8, σ = 0.3 gives the two-class +74 %.
#[test]
fn the_k_class_model_gets_the_two_class_prediction_with_q() {
    use diffusion_regimes::config::{ScenarioConfig, ScoreKind};
    use diffusion_regimes::sampler::step_bias::step_bias;
    let grid = TimeGrid::uniform(4.0, 0.0, 200).unwrap();
    let bias = |data: &str| {
        let cfg: ScenarioConfig = serde_json::from_str(&format!(
            r#"{{"process": {{"d": 8, "precision": {{"kind": "log_spaced", "kappa": 100}}, "drift": {{"design": "optimal"}}}},
                "data": {data}}}"#
        ))
        .unwrap();
        step_bias(&cfg.build().unwrap(), ScoreKind::Analytic, Integrator::Exponential, &grid).unwrap().fraction()
    };
    let two = bias(r#"{"model": "two_class", "sigma": 0.3}"#);
    let k = bias(r#"{"model": "k_class", "k": 4, "sigma": 0.3}"#);
    assert!((two - 0.7405).abs() < 1e-3 && (k - two).abs() < 1e-9, "two classes {two}, k classes {k}");
}

/// The empirical score's training points are classes of variance 0, so a captured sample's spread about its point
/// (e^{−t} a at t_min, U = I) follows the scalar recursion with σ = 0. n = 20 points in d = 8 (α = ln 20 / 8 = 0.37,
/// every sample captured well before t = 0.01), Euler–Maruyama, 200 uniform steps from T = 4 to t_min = 0.01 (h = 0.02
/// against the model's Σ_{0.01} = 0.0198): 4000 samples' squared distances per coordinate to e^{−0.01} a of their
/// nearest point, 32 000 squares, relative s.e. √(2/32 000) ≈ 0.8 %, within 4 s.e. of the prediction and far from
/// the model.
#[test]
fn a_captured_sample_spreads_about_its_training_point_as_predicted() {
    use diffusion_regimes::config::{from_json, GenerateConfig, ScoreKind};
    use diffusion_regimes::sampler::step_bias::{step_bias, Direction};
    let cfg: GenerateConfig = from_json(
        r#"{"scenario": {"process": {"d": 8}, "n": 20},
            "sampler": {"score": "empirical", "integrator": "euler_maruyama", "particles": 4000,
                        "grid": {"t_max": 4, "t_min": 0.01, "steps": 200, "kind": "uniform"}},
            "seed": 11}"#,
    )
    .unwrap();
    let scenario = cfg.validate().unwrap();
    let grid = TimeGrid::from_spec(&cfg.sampler.grid).unwrap();
    let bias = step_bias(&scenario, ScoreKind::Empirical, cfg.sampler.integrator, &grid).unwrap();
    assert!(bias.captured && bias.direction == Direction::OfU { u: 1.0, s2: 0.0 }, "{bias:?}");
    assert!((bias.exact - (1.0 - (-0.02f64).exp())).abs() < 1e-12, "{bias:?}");
    let run = diffusion_regimes::generation::run(&cfg).unwrap();
    let points = scenario.training_set(diffusion_regimes::generation::training_seed(cfg.seed)).unwrap();
    let shrink = (-0.01f64).exp();
    let (mut sum, mut count) = (0.0, 0usize);
    for (x, &i) in run.samples.chunks_exact(8).zip(run.nearest.as_ref().unwrap()) {
        for (xk, ak) in x.iter().zip(points.point(i as usize)) {
            sum += (xk - shrink * ak) * (xk - shrink * ak);
            count += 1;
        }
    }
    let measured = sum / count as f64;
    let se = measured * (2.0 / count as f64).sqrt();
    println!(
        "spread about the point: measured {measured:.5} ± {se:.5}, predicted {:.5}, model {:.5}",
        bias.generated, bias.exact
    );
    assert!(
        (measured - bias.generated).abs() < 4.0 * se,
        "measured {measured} ± {se}, predicted {} (model {})",
        bias.generated,
        bias.exact
    );
    assert!(measured - bias.exact > 10.0 * se, "the bias is resolved: measured {measured} ± {se}, {bias:?}");
}

/// Point classes (σ = 0) with Q_opt: at t_min = 0 the model has no class variance, so the matrix recursion gives the
/// generated variance as a fraction of the stationary one, λ_max(U V) (+212 % of U⁻¹ along the worst direction with
/// 200 exponential steps, d = 8, κ = 100). Along that direction (fixed before sampling, w = U^{1/2} e with e the top
/// eigenvector of U^{1/2} V U^{1/2}, so wᵀ U⁻¹ w = 1), 4000 samples' variance about their class mean within 4 s.e.
#[test]
fn point_classes_with_q_opt_spread_as_the_matrix_recursion_predicts() {
    use diffusion_regimes::config::ScoreKind;
    use diffusion_regimes::sampler::step_bias::{class_covariances, step_bias};
    let cfg = qopt_two_classes(0.0, 9);
    let scenario = cfg.validate().unwrap();
    let grid = TimeGrid::from_spec(&cfg.sampler.grid).unwrap();
    let bias = step_bias(&scenario, ScoreKind::Analytic, cfg.sampler.integrator, &grid).unwrap();
    assert_eq!(bias.exact, 0.0, "{bias:?}");
    let (v, _) = class_covariances(&scenario, ScoreKind::Analytic, cfg.sampler.integrator, &grid).unwrap();
    let v = DMatrix::from_row_slice(8, 8, &v);
    let u = scenario.process.precision().matrix().clone();
    let eig_u = nalgebra::SymmetricEigen::new(u.clone());
    let u_half = &eig_u.eigenvectors
        * DMatrix::from_diagonal(&eig_u.eigenvalues.map(f64::sqrt))
        * eig_u.eigenvectors.transpose();
    let s = &u_half * &v * &u_half;
    let eig = nalgebra::SymmetricEigen::new((&s + s.transpose()) * 0.5);
    let top = eig.eigenvalues.imax();
    let predicted = eig.eigenvalues[top];
    assert!((predicted - bias.generated).abs() < 1e-6 * predicted, "{predicted} vs {bias:?}");
    let w = &u_half * eig.eigenvectors.column(top);
    let (measured, n) = variance_along(&cfg, w.as_slice());
    let se = predicted * (2.0 / n).sqrt();
    println!("point classes, worst direction: measured {measured:.4}, predicted {predicted:.4} ± {se:.4} (of the stationary variance)");
    assert!((measured - predicted).abs() < 4.0 * se, "measured {measured}, predicted {predicted} ± {se}");
}

/// The runs of the matrix recursion's checks: Q_opt, κ = 100, d = 8, two classes at m̃ = 3 of s.d. `sigma`, 4000
/// samples started exactly, 200 exponential steps from T = 4 to 0.
fn qopt_two_classes(sigma: f64, seed: u64) -> diffusion_regimes::config::GenerateConfig {
    diffusion_regimes::config::from_json(&format!(
        r#"{{"scenario": {{"process": {{"d": 8, "precision": {{"kind": "log_spaced", "kappa": 100}},
                                       "drift": {{"design": "optimal"}}}},
                          "data": {{"model": "two_class", "sigma": {sigma}, "m_tilde": 3}}}},
             "sampler": {{"score": "analytic", "integrator": "exponential", "particles": 4000, "start": "exact",
                          "grid": {{"t_max": 4, "t_min": 0, "steps": 200, "kind": "uniform"}}}},
             "seed": {seed}}}"#
    ))
    .unwrap()
}

/// Runs `cfg` and returns the mean of (wᵀ(x − m_c))² over its samples x (m_c the mean of each sample's class) and
/// the sample count.
fn variance_along(cfg: &diffusion_regimes::config::GenerateConfig, w: &[f64]) -> (f64, f64) {
    let scenario = cfg.validate().unwrap();
    let means = scenario.data.mixture().unwrap().means();
    let run = diffusion_regimes::generation::run(cfg).unwrap();
    let n = run.classes.len() as f64;
    let d = w.len();
    let measured = run
        .samples
        .chunks_exact(d)
        .zip(&run.classes)
        .map(|(x, &c)| {
            let z: f64 = x.iter().zip(means[c as usize].iter()).zip(w).map(|((xk, mk), wk)| (xk - mk) * wk).sum();
            z * z / n
        })
        .sum();
    (measured, n)
}
