//! The step-size bias of generation on the classes' variance, predicted before a run (this project's derivation).
//!
//! Every integrator holds the score fixed over a step (SCIENCE.md §6). Near t = 0 the exact score of narrow classes
//! is stiff, −Γ_t⁻¹ x with Γ_t → C₀ = σ² I, so when h/σ² is not small the generated classes come out wider than the
//! model's: with U = I and 200 steps over T = 4, +1 % of variance at σ = 1, +8 % at σ = 0.5, +25 % at σ = 0.3.
//!
//! For Gaussian classes the bias is exact and cheap. Within a class the score is −Γ_t⁻¹(x − m_t) once the class is
//! decided (the tanh or softmax weights saturate), so the class covariance follows the integrator's linear recursion
//! V ← M_k V M_kᵀ + N_k N_kᵀ with M_k = L − K Γ_{t_k}⁻¹ (the step x ← L x + K S + N z of [`super::integrator`]).
//! With a reversible drift (Q = 0, A = U) and C₀ = σ² I every matrix is diagonal in U's eigenbasis, so each
//! eigenvalue u of U is a scalar recursion
//!
//!   v ← (L(u) − K(u)/Γ_t(u))² v + N(u)²,   Γ_t(u) = σ² e^{−2ut} + (1 − e^{−2ut})/u,
//!
//! started at the exact v = Γ_T(u) (so only the steps are measured, not the start at T) and compared at the end of
//! the grid with the model's Γ_{t_min}(u). O(steps) per distinct eigenvalue. The same holds along C₀'s eigenvectors
//! when U = c·I (u = c, σ² each eigenvalue of C₀): a linear manifold's C₀ = W Wᵀ, whose eigenvalue 0 off the data's
//! subspace is where a small t_min needs the most steps ([`Direction`]).
//!
//! With Q ≠ 0 the directions couple (a reversible stand-in is wrong by a factor of 2–3 with Q_opt), and with Q = 0 a
//! shared C₀ that U does not diagonalize couples them too: then the matrix recursion itself, M_k from the score's own
//! Γ_t⁻¹ and the step's own coefficients, for any mixture whose classes share C₀ (two or k classes, a linear
//! manifold: the means do not enter M), and the worst direction is the largest |λ − 1| of Γ_{t_min}^{−1/2} V
//! Γ_{t_min}^{−1/2}. Where the run takes the white step (the exponential integrator on a uniform grid), the
//! recursion follows the run's own chain in white coordinates instead, V_z ← G V_z Gᵀ + I (the same recursion in
//! exact arithmetic, at ~4 d³ a step rather than ~10 d³). It costs O(d³) per step, as much as the run's own
//! preparation, so it runs only up to d³ · steps ≤ 64³ · 400 on a uniform grid and 64³ · 200 on a refined one
//! ([`matrix_work`]); its suggested step count is first order in h (the bias shrinks at least as fast as h in every
//! case measured), not searched.
//!
//! For the probability-flow integrators the recursion leaves out what the class-splitting phase adds: the deterministic
//! flow does not forget it (Q_opt, κ = 100, σ = 0.3, 200 flow-exponential steps: predicted +86 %, measured +68 ± 3 %
//! with the full score, +82 % with the class held fixed); the stochastic integrators agree within Monte Carlo error.
//!
//! The empirical score is the exact score of the mixture of Diracs at the n training points, so its "classes" are
//! the points, with C₀ = 0: once a sample is captured by a point (the collapse regime, where an empirical-score run
//! ends), its spread about the point's E_t a follows the same recursions with σ = 0, and the prediction says so.
//!
//! Where the model's Γ_{t_min} is singular (σ = 0, or a manifold, at t_min = 0) there is no relative bias: both
//! recursions then give the generated variance as a fraction of the stationary one (1/u along u; U⁻¹ in the matrix
//! case, the largest eigenvalue of U V).
//!
//! Not estimated (no warning, said in the README): the matrix recursion past that size, and per-class
//! covariances (which no config builds: only the library's own `Mixture`). Nonlinear manifolds have no exact score
//! and run with the empirical one, which is covered.

use crate::config::{Scenario, ScoreKind};
use crate::data::mixture::{ClassCovariance, Mixture};
use crate::kernels::dense::{cholesky_in_place, gemm, gemm_nt_symmetric, matvec, spd_inverse_from_cholesky};
use crate::kernels::dot;
use crate::sampler::grid::{GridKind, TimeGrid};
use crate::sampler::integrator::{scalar_coefficients, Coefficient, Integrator, StepCoefficients};
use crate::sampler::whitened::{KernelPrecision, Whitening};
use crate::score::mixture::{MixturePath, MixtureScore};
use crate::score::Score;
use nalgebra::DVector;

/// A bias of the class variance above this fraction (5 %) is reported.
pub const WARN_FRACTION: f64 = 0.05;

/// The suggested step count brings the worst direction under this fraction (4 %), so the warning does not return.
const FIX_FRACTION: f64 = 0.04;

/// The most steps a suggestion may name: 10⁵ (50× the page's limit), so the search stays within ~10⁶ scalar steps.
const MAX_FIX_STEPS: usize = 100_000;

/// The largest d³ · steps for which the matrix recursion (Q ≠ 0) runs on a uniform grid: 64³ · 400. Measured natively
/// with Q_opt, κ = 100 (`cargo bench --bench step_bias`): at d = 64 and 400 steps the exponential integrator's
/// recursion (the run's own white chain) takes ~50 ms, Euler–Maruyama's ~60 ms, and its warning with the fix's
/// second prediction ~110 ms. About as much as the run's own per-step preparation, which it repeats.
pub const MATRIX_WORK: f64 = 64.0 * 64.0 * 64.0 * 400.0;

/// [`MATRIX_WORK`] on a refined grid, where every step has its own size and so its own coefficients (for a general U
/// the exponential integrator's Padé exponentials): 64³ · 200, ~200 ms at d = 64.
pub const MATRIX_WORK_REFINED: f64 = 64.0 * 64.0 * 64.0 * 200.0;

/// The limit on d³ · steps of the matrix recursion on `grid`.
pub fn matrix_work(grid: &TimeGrid) -> f64 {
    if grid.uniform_step().is_some() {
        MATRIX_WORK
    } else {
        MATRIX_WORK_REFINED
    }
}

/// A direction along which the class variance follows its own scalar recursion, or the matrix recursion's worst one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Direction {
    /// An eigenvector of U with eigenvalue `u`, the classes' covariance being C₀ = `s2`·I.
    OfU {
        /// The eigenvalue of U.
        u: f64,
        /// The class variance at t = 0, σ².
        s2: f64,
    },
    /// An eigenvector of C₀ with eigenvalue `s2`, the precision being U = `u`·I (a linear manifold's W Wᵀ: `s2` = 0
    /// off the data's subspace).
    OfC0 {
        /// The precision's scale c of U = c·I.
        u: f64,
        /// The eigenvalue of C₀ (the class variance there at t = 0).
        s2: f64,
    },
    /// The matrix recursion's worst direction, in the model's own metric (Q ≠ 0, or U and C₀ without a common
    /// eigenbasis).
    Worst,
}

impl Direction {
    /// The pair (u, s²) of a scalar direction.
    fn scalar(self) -> Option<(f64, f64)> {
        match self {
            Direction::OfU { u, s2 } | Direction::OfC0 { u, s2 } => Some((u, s2)),
            Direction::Worst => None,
        }
    }

    /// "along …" in words.
    fn along(self) -> String {
        match self {
            Direction::OfU { u, .. } => format!("along U's eigenvalue u = {}", short(u)),
            Direction::OfC0 { s2: 0.0, .. } => "off the data's subspace (C₀ = 0 there)".to_string(),
            Direction::OfC0 { s2, .. } => format!("along C₀'s eigenvalue {}", short(s2)),
            Direction::Worst => "along its worst direction".to_string(),
        }
    }
}

/// The predicted bias of the class variance along its worst direction.
#[derive(Clone, Debug, PartialEq)]
pub struct StepBias {
    /// Whether the "classes" are training points (the empirical score): the variance is a captured sample's about
    /// its point.
    pub captured: bool,
    /// The direction along which the bias is largest; for [`Direction::Worst`] (the matrix recursion) `exact` is 1
    /// (the model's own metric) and `steps_needed` first order.
    pub direction: Direction,
    /// The model's class variance Γ_{t_min} there.
    pub exact: f64,
    /// The variance the integrator generates there (infinite when the step is unstable).
    pub generated: f64,
    /// The end of the grid, t_min.
    pub t_min: f64,
    /// The fewest steps of the same grid (kind, T, t_min) that bring every direction within 4 %, if any up to 10⁵
    /// (the matrix recursion: the first-order count, steps · |bias| / 4 %).
    pub steps_needed: Option<usize>,
}

impl StepBias {
    /// The bias as a fraction of the model's variance (generated/exact − 1; where the model's variance is 0 (σ = 0 or
    /// off a manifold, at t_min = 0), the generated variance as a fraction of the stationary one, 1/u).
    pub fn fraction(&self) -> f64 {
        relative(self.generated, self.exact, self.direction.scalar().map_or(1.0, |(u, _)| u))
    }

    /// The warning shown above the plot and printed by the CLI.
    pub fn message(&self) -> String {
        let along = self.direction.along();
        let worst = self.direction == Direction::Worst;
        let (basis, variance) = if self.captured {
            (
                "samples captured by a training point (the collapse regime; each step holds the score fixed)",
                "the variance about the point",
            )
        } else {
            ("Gaussian classes (each step holds the score fixed)", "the class variance")
        };
        let what = if !self.generated.is_finite() {
            format!("the steps are unstable for this score {along} ({variance} grows without bound)")
        } else if worst && self.exact > 0.0 {
            format!("{variance} {along} ends {} the model's at t = {}", off(self.fraction()), short(self.t_min))
        } else if worst {
            format!(
                "the model has no variance along some direction at t = 0 (σ = 0, or off a manifold), but these steps \
                 leave {} of the stationary variance {along}",
                share(self.generated)
            )
        } else if self.exact > 0.0 {
            format!(
                "{variance} {along} ends {} the model's {} at t = {}",
                off(self.fraction()),
                short(self.exact),
                short(self.t_min)
            )
        } else if matches!(self.direction, Direction::OfC0 { .. }) {
            format!(
                "the data has no variance {along} at t = 0, but these steps leave a variance of {}",
                short(self.generated)
            )
        } else {
            format!(
                "the classes are points at t = 0 (σ = 0), but these steps leave them a variance of {} {along}",
                short(self.generated)
            )
        };
        let of = match (self.exact > 0.0, worst) {
            (true, _) => "",
            (false, true) => " of the stationary variance",
            (false, false) => " of the stationary variance 1/u",
        };
        let fix = match self.steps_needed {
            Some(n) if worst => format!("about {n} steps (first order in the step) bring it within 4\u{a0}%{of}"),
            Some(n) => format!("{n} steps bring it within 4\u{a0}%{of}"),
            None if worst => {
                "the steps are far too large for a first-order count: use several times as many".to_string()
            }
            None => "more than 10⁵ steps would be needed".to_string(),
        };
        format!("step-size bias, predicted for {basis}: {what}; {fix}")
    }
}

/// Four significant digits, without trailing zeros (scientific notation outside [10⁻³, 10⁶)).
fn short(v: f64) -> String {
    let (mut a, mut mag) = (v.abs(), 0i32);
    while a >= 10.0 && mag < 6 {
        (a, mag) = (a / 10.0, mag + 1);
    }
    while a > 0.0 && a < 1.0 && mag > -4 {
        (a, mag) = (a * 10.0, mag - 1);
    }
    if !(-3..6).contains(&mag) {
        return format!("{v:.3e}");
    }
    let s = format!("{v:.*}", (3 - mag).max(0) as usize);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A relative bias in words, before "the model's": "+13 % off" up to ±1000 %, beyond it "at 41×" (+8.1e17 % reads as
/// nothing).
fn off(fraction: f64) -> String {
    if fraction.abs() <= 10.0 {
        format!("{:+.0}\u{a0}% off", 100.0 * fraction)
    } else {
        format!("at {}×", short(1.0 + fraction))
    }
}

/// A fraction in words: "7 %" up to 1000 %, beyond it "41×".
fn share(fraction: f64) -> String {
    if fraction.abs() <= 10.0 {
        format!("{:.0}\u{a0}%", 100.0 * fraction)
    } else {
        format!("{}×", short(fraction))
    }
}

fn relative(generated: f64, exact: f64, u: f64) -> f64 {
    if exact > 0.0 {
        generated / exact - 1.0
    } else {
        generated * u
    }
}

/// The model's class variance Γ_t(u) = σ² e^{−2ut} + (1 − e^{−2ut})/u along an eigenvalue u of U.
fn class_variance(u: f64, s2: f64, t: f64) -> f64 {
    s2 * libm::exp(-2.0 * u * t) - libm::expm1(-2.0 * u * t) / u
}

/// The class variance along u generated by `integrator` on `grid`, started exactly. The steps are the grid's own
/// (on a uniform grid exactly the run's h, not a difference of two grid times).
fn generated_variance(u: f64, s2: f64, grid: &TimeGrid, integrator: Integrator) -> f64 {
    let times = grid.times();
    let mut v = class_variance(u, s2, times[0]);
    for (j, &t) in times[..grid.steps()].iter().enumerate() {
        let (l, k, n) = scalar_coefficients(u, grid.step_size(j), integrator);
        let m = l - k / class_variance(u, s2, t);
        v = m * m * v + n.map_or(0.0, |n| n * n);
    }
    v
}

/// The grid of the same kind, T and t_min with `steps` steps.
fn regrid(grid: &TimeGrid, steps: usize) -> Option<TimeGrid> {
    let (t_max, t_min) = (grid.times()[0], *grid.times().last()?);
    let g = if grid.uniform_step().is_some() {
        TimeGrid::uniform(t_max, t_min, steps)
    } else {
        TimeGrid::refined(t_max, t_min, steps)
    };
    g.ok()
}

/// The bias of one direction's variance with `steps` steps, as a fraction (infinite when unstable).
fn bias_with(u: f64, s2: f64, grid: &TimeGrid, integrator: Integrator, steps: usize) -> f64 {
    let Some(g) = regrid(grid, steps) else { return f64::INFINITY };
    let end = *g.times().last().expect("a grid has two times");
    let v = generated_variance(u, s2, &g, integrator);
    if v.is_finite() {
        relative(v, class_variance(u, s2, end), u).abs()
    } else {
        f64::INFINITY
    }
}

/// The fewest steps (of the same grid) that bring direction u within [`FIX_FRACTION`]: doubling, then bisection.
fn steps_needed(u: f64, s2: f64, grid: &TimeGrid, integrator: Integrator) -> Option<usize> {
    let ok = |n: usize| bias_with(u, s2, grid, integrator, n) <= FIX_FRACTION;
    let mut hi = grid.steps().max(1);
    while !ok(hi) {
        if hi >= MAX_FIX_STEPS {
            return None;
        }
        hi = (hi * 2).min(MAX_FIX_STEPS);
    }
    let lo = grid.steps().min(hi / 2).max(1);
    if ok(lo) {
        return Some(lo);
    }
    // ok(hi) and not ok(lo): the fewest steps within it come right after the most that are not.
    Some(crate::budget::last_true(lo, hi, |n| !ok(n)) + 1)
}

/// The predicted step-size bias of a run, when it is over [`WARN_FRACTION`] and can be predicted (the analytic score
/// of Gaussian classes with C₀ = σ² I and a reversible drift; see the module docs).
///
/// ```
/// use diffusion_regimes::config::{ScenarioConfig, ScoreKind};
/// use diffusion_regimes::sampler::{grid::TimeGrid, integrator::Integrator, step_bias::step_bias};
/// let mut cfg: ScenarioConfig = serde_json::from_str(r#"{"process": {"d": 4}}"#).unwrap();
/// cfg.data = serde_json::from_str(r#"{"model": "two_class", "sigma": 0.3}"#).unwrap();
/// let grid = TimeGrid::uniform(4.0, 0.0, 200).unwrap();
/// let b = step_bias(&cfg.build().unwrap(), ScoreKind::Analytic, Integrator::EulerMaruyama, &grid).unwrap();
/// assert!((b.fraction() - 0.25).abs() < 0.01); // +25 % of variance at σ = 0.3
/// assert!(b.steps_needed.unwrap() > 1000);
/// ```
pub fn step_bias(scenario: &Scenario, score: ScoreKind, integrator: Integrator, grid: &TimeGrid) -> Option<StepBias> {
    let process = &scenario.process;
    let within = Within::of(scenario, score)?;
    // The empirical score is singular at t = 0 (its runs end at a t_min > 0): nothing to compare with there.
    if score == ScoreKind::Empirical && grid.times().last().is_none_or(|&t| t <= 0.0) {
        return None;
    }
    let us = process.precision().eigenvalues().as_slice();
    // The directions of the scalar recursion (Q = 0): U's eigenvectors when C₀ = σ² I, C₀'s when U = c·I (U's
    // eigenvalues come sorted, so U = c·I when the first equals the last). Otherwise the matrix recursion.
    let scalar_u = us.first().filter(|&&u| us.last() == Some(&u)).copied();
    let bias = match (within, scalar_u) {
        _ if process.q().iter().any(|&q| q != 0.0) => matrix_bias(scenario, &within, integrator, grid),
        (Within::Isotropic(s2), _) => {
            let mut dirs: Vec<Direction> = us.iter().map(|&u| Direction::OfU { u, s2 }).collect();
            // Repeated eigenvalues come out side by side (U = c·I: all of them): one recursion each.
            dirs.dedup();
            scalar_bias(&dirs, integrator, grid)
        }
        (Within::Matrix(c0), Some(u)) => {
            let mut s2: Vec<f64> =
                crate::kernels::decompose::symmetric_eigenvalues(c0.clone()).iter().copied().collect();
            s2.sort_by(f64::total_cmp);
            // Rounding splits repeated eigenvalues (a manifold's 0 and d/p) and leaves ±1e-16 for 0: one recursion per
            // cluster, and exactly 0 for the null directions.
            let scale = s2.last().copied().unwrap_or(0.0).max(0.0);
            s2.iter_mut().filter(|v| **v <= 1e-12 * scale).for_each(|v| *v = 0.0);
            s2.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * scale);
            let dirs: Vec<Direction> = s2.into_iter().map(|s2| Direction::OfC0 { u, s2 }).collect();
            scalar_bias(&dirs, integrator, grid)
        }
        (Within::Matrix(_), None) => matrix_bias(scenario, &within, integrator, grid),
    };
    bias.map(|b| StepBias { captured: score == ScoreKind::Empirical, ..b })
}

/// The covariance C₀ of each class about its mean at t = 0, shared by the classes.
#[derive(Clone, Copy, Debug)]
enum Within<'a> {
    /// C₀ = σ² I.
    Isotropic(f64),
    /// Any other shared C₀ (a linear manifold's W Wᵀ).
    Matrix(&'a nalgebra::DMatrix<f64>),
}

impl<'a> Within<'a> {
    /// The shared C₀ of `score`'s classes: the model's for the analytic score; 0 for the empirical score, which is
    /// the exact score of the mixture of Diracs at the training points (a captured sample's spread about its point
    /// follows the same recursions). `None` for per-class covariances and nonlinear manifolds.
    fn of(scenario: &'a Scenario, score: ScoreKind) -> Option<Within<'a>> {
        if score == ScoreKind::Empirical {
            return Some(Within::Isotropic(0.0));
        }

        let mixture = scenario.data.mixture()?;
        match (mixture.isotropic_variance(), mixture.covariances()) {
            (Some(s2), _) => Some(Within::Isotropic(s2)),
            (None, ClassCovariance::Shared(c0)) => Some(Within::Matrix(c0)),
            (None, ClassCovariance::PerClass(_)) => None,
        }
    }

    /// C₀ as a d × d matrix (the matrix recursion, d ≤ 64 there).
    fn matrix(self, d: usize) -> nalgebra::DMatrix<f64> {
        match self {
            Within::Isotropic(s2) => nalgebra::DMatrix::identity(d, d) * s2,
            Within::Matrix(c0) => c0.clone(),
        }
    }
}

/// The worst of the scalar directions `dirs`, with the fewest steps that bring every one of them within 4 %.
fn scalar_bias(dirs: &[Direction], integrator: Integrator, grid: &TimeGrid) -> Option<StepBias> {
    let t_min = *grid.times().last()?;
    // The directions over the threshold (the suggestion must cover them all), and the worst: the largest bias, the
    // stiffest direction among unstable ones.
    let mut over = Vec::new();
    let mut worst: Option<(f64, f64, Direction, f64, f64)> = None;
    let mut worst_bias = WARN_FRACTION;
    for &dir in dirs {
        let (u, s2) = dir.scalar()?;
        let generated = generated_variance(u, s2, grid, integrator);
        let exact = class_variance(u, s2, t_min);
        let bias = if generated.is_finite() { relative(generated, exact, u).abs() } else { f64::INFINITY };
        if bias > WARN_FRACTION {
            over.push((u, s2));
        }
        let stiffer = worst.is_some_and(|(w, ..)| u > w);
        if bias > worst_bias || (bias == worst_bias && stiffer) {
            (worst, worst_bias) = (Some((u, s2, dir, generated, exact)), bias);
        }
    }
    let (u, s2, direction, generated, exact) = worst?;
    // The search follows the worst direction; another one over the threshold may still be over 4 % at its answer,
    // so check those (a direction within 5 % at the run's step is taken to stay within 4 % at smaller steps).
    let mut steps = steps_needed(u, s2, grid, integrator);
    while let Some(n) = steps {
        if !over.iter().any(|&(v, s2)| bias_with(v, s2, grid, integrator, n) > FIX_FRACTION) {
            break;
        }
        steps = (n < MAX_FIX_STEPS).then(|| (n * 2).min(MAX_FIX_STEPS));
    }
    Some(StepBias { captured: false, direction, exact, generated, t_min, steps_needed: steps })
}

/// The class covariance the integrator generates at the end of the grid, and the model's Γ_{t_min} (both d × d,
/// row-major), by the matrix recursion of the module docs (any mixture whose classes share one covariance C₀; any
/// drift). `None` for per-class covariances, a failed step, or past [`matrix_work`].
///
/// Within a decided class the score is −Γ_t⁻¹(x − m_t) whatever the other classes' means, so M = L − K Γ_t⁻¹ is taken
/// from the score of the two-class mixture ½N(0, C₀) + ½N(0, C₀) with the same C₀, whose two-class form holds Γ_t⁻¹.
pub fn class_covariances(
    scenario: &Scenario,
    score: ScoreKind,
    integrator: Integrator,
    grid: &TimeGrid,
) -> Option<(Vec<f64>, Vec<f64>)> {
    covariances_within(&scenario.process, Within::of(scenario, score)?, integrator, grid)
}

/// [`class_covariances`] for classes of covariance `c0`.
fn covariances_within(
    process: &crate::process::OuProcess,
    c0: Within,
    integrator: Integrator,
    grid: &TimeGrid,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let d = process.dim();
    if (d as f64).powi(3) * grid.steps() as f64 > matrix_work(grid) {
        return None;
    }
    let within = Mixture::two_class(DVector::zeros(d), c0.matrix(d)).ok()?;
    let mut score = MixtureScore::with_path(process, &within, Some(MixturePath::TwoClassShared)).ok()?;
    let (mut end, mut mean) = (vec![0.0; d * d], vec![0.0; d]);
    score.two_class_moments(*grid.times().last()?, &mut end, &mut mean)?.ok()?;
    let v = white_covariances(process, &mut score, integrator, grid)
        .or_else(|| plain_covariances(process, &mut score, integrator, grid))?;
    Some((v, end))
}

/// [`covariances_within`] by V ← M V Mᵀ + N Nᵀ with M = L − K Γ_t⁻¹ from the score's Γ_t⁻¹ (any integrator, any grid).
fn plain_covariances(
    process: &crate::process::OuProcess,
    score: &mut MixtureScore,
    integrator: Integrator,
    grid: &TimeGrid,
) -> Option<Vec<f64>> {
    let d = process.dim();
    let times = grid.times();
    let (mut v, mut mean) = (vec![0.0; d * d], vec![0.0; d]);
    score.two_class_moments(times[0], &mut v, &mut mean)?.ok()?;
    let (mut m, mut kg, mut mv, mut nn) = (vec![0.0; d * d], vec![0.0; d], vec![0.0; d * d], vec![0.0; d * d]);
    let mut coef: Option<StepCoefficients> = None;
    // The run's own step sizes (`step_size`): on a uniform grid one h, so the coefficients are made once. A difference
    // of two grid times varies in its last bits from step to step and would remake them (the Padé exponentials of a
    // general U) at most steps.
    for (k, &t) in times[..grid.steps()].iter().enumerate() {
        let h = grid.step_size(k);
        if coef.as_ref().is_none_or(|c| c.h != h) {
            let c = StepCoefficients::new(process, integrator, h).ok()?;
            // N Nᵀ, once per step size.
            nn.fill(0.0);
            match &c.noise {
                Some(Coefficient::Scalar(n)) => (0..d).for_each(|i| nn[i * d + i] = n * n),
                Some(Coefficient::Matrix(n)) => gemm_nt_symmetric(d, d, n, n, &mut nn),
                None => {}
            }
            coef = Some(c);
        }
        let c = coef.as_ref()?;
        score.prepare(t).ok()?;
        // V ← M V Mᵀ + N Nᵀ with M = L − K Γ_t⁻¹.
        c.fused_parts(score.two_class_form()?, d, &mut m, &mut kg);
        gemm(d, d, d, 1.0, &m, &v, 0.0, &mut mv);
        gemm_nt_symmetric(d, d, &mv, &m, &mut v);
        v.iter_mut().zip(&nn).for_each(|(a, b)| *a += b);
        if !v.iter().all(|x| x.is_finite()) {
            break;
        }
    }
    Some(v)
}

/// [`covariances_within`] by the run's own white step ([`crate::sampler::whitened`]) where a run takes it (the
/// exponential integrator on a uniform grid, a full noise matrix N): in z = N⁻¹x the step is z ← G z + tanh(·) c + ξ,
/// so the class covariance follows V_z ← G V_z Gᵀ + I from the chain's own G, started at W_T = N⁻¹ Γ_T N⁻ᵀ, and
/// V = N V_z Nᵀ at the end. The same recursion in exact arithmetic as M = L − K Γ_t⁻¹ (G = N⁻¹ M N), at about 4 d³
/// multiply–adds a step (the chain's sandwich, one Cholesky factorization with d + 1 right-hand sides, two products)
/// against about 10 d³ for Γ_t, its inverse and M. `None` where a run does not take the white step, or where its chain
/// fails (then the run fails too; the caller tries the plain recursion).
fn white_covariances(
    process: &crate::process::OuProcess,
    score: &mut MixtureScore,
    integrator: Integrator,
    grid: &TimeGrid,
) -> Option<Vec<f64>> {
    if !crate::sampler::whitened::applies(integrator, grid) {
        return None;
    }
    let d = process.dim();
    let coef = StepCoefficients::new(process, integrator, grid.uniform_step()?).ok()?.hessenberg_noise();
    let max_rate = process.drift_eigenvalues().iter().map(|z| z.re).fold(f64::NEG_INFINITY, f64::max);
    let mut chain = Whitening::of(&coef, d, KernelPrecision::Double, max_rate)?;
    let times = grid.times();
    chain.prepare(0, times, score, d)?.ok()?;
    let (mut v, mut gv) = (chain.white_covariance().to_vec(), vec![0.0; d * d]);
    for k in 0..grid.steps() {
        chain.prepare(k, times, score, d)?.ok()?;
        let g = chain.step_matrix();
        gemm(d, d, d, 1.0, g, &v, 0.0, &mut gv);
        gemm_nt_symmetric(d, d, &gv, g, &mut v);
        (0..d).for_each(|i| v[i * d + i] += 1.0);
        if !v.iter().all(|x| x.is_finite()) {
            return Some(v);
        }
    }
    // V = N V_z Nᵀ.
    let n = chain.noise_matrix();
    gemm(d, d, d, 1.0, n, &v, 0.0, &mut gv);
    gemm_nt_symmetric(d, d, &gv, n, &mut v);
    Some(v)
}

/// Power iterations for the worst direction of the matrix recursion (each O(d²), below one step of the recursion).
const POWER_ITERATIONS: usize = 300;

/// The matrix recursion's bias (Q ≠ 0): the eigenvalue farthest from 1 of Γ⁻¹V (Γ = Γ_{t_min}), the generated
/// variance over the model's along the worst direction. Γ⁻¹V − I is self-adjoint in Γ's inner product, so power
/// iteration finds its eigenvalue of largest magnitude, read off by the Rayleigh quotient xᵀ(V − Γ)x / xᵀΓx.
fn matrix_bias(scenario: &Scenario, within: &Within, integrator: Integrator, grid: &TimeGrid) -> Option<StepBias> {
    let (v, end) = covariances_within(&scenario.process, *within, integrator, grid)?;
    let d = scenario.process.dim();
    let t_min = *grid.times().last()?;
    if !v.iter().all(|x| x.is_finite()) {
        return worst_bias(f64::INFINITY, 1.0, t_min, grid.steps());
    }
    let mut l = end.clone();
    if !cholesky_in_place(&mut l, d) {
        // Γ_{t_min} singular (σ = 0, or a manifold, at t_min = 0): no relative bias to speak of, so, as the scalar
        // recursion does, the generated variance as a fraction of the stationary one U⁻¹ along the worst direction,
        // the largest eigenvalue of U V (self-adjoint in U⁻¹'s inner product).
        let precision = scenario.process.precision().matrix().as_slice().to_vec(); // symmetric: rows = columns
        let stationary = scenario.process.stationary_cov().as_slice().to_vec();
        let fraction = worst_ratio(&v, &precision, &stationary, 0.0, d);
        return worst_bias(fraction, 0.0, t_min, grid.steps());
    }
    let (mut w, mut gi) = (vec![0.0; d * d], vec![0.0; d * d]);
    spd_inverse_from_cholesky(&l, d, &mut w, &mut gi);
    worst_bias(worst_ratio(&v, &gi, &end, 1.0, d), 1.0, t_min, grid.steps())
}

/// The generalized eigenvalue λ of V x = λ B x farthest from `shift`, for symmetric V and SPD B with inverse `b_inv`
/// (all d × d, row-major): power iteration on B⁻¹V − shift·I, self-adjoint in B's inner product, read off by the
/// Rayleigh quotient xᵀVx / xᵀBx.
fn worst_ratio(v: &[f64], b_inv: &[f64], b: &[f64], shift: f64, d: usize) -> f64 {
    let mut a = vec![0.0; d * d];
    gemm(d, d, d, 1.0, b_inv, v, 0.0, &mut a);
    (0..d).for_each(|i| a[i * d + i] -= shift);
    let mut x: Vec<f64> = (0..d).map(|i| 1.0 / (i + 1) as f64).collect();
    let mut y = vec![0.0; d];
    for _ in 0..POWER_ITERATIONS {
        matvec(&a, &x, &mut y);
        let norm = dot(&y, &y).sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            break;
        }
        x.iter_mut().zip(&y).for_each(|(xi, yi)| *xi = yi / norm);
    }
    matvec(v, &x, &mut y);
    let xv = dot(&x, &y);
    matvec(b, &x, &mut y);
    xv / dot(&x, &y)
}

/// The matrix recursion's [`StepBias`] from the generated variance along the worst direction in units of the model's
/// (`exact` = 1) or, where the model has none, of the stationary one (`exact` = 0); `None` within 5 %.
fn worst_bias(generated: f64, exact: f64, t_min: f64, steps: usize) -> Option<StepBias> {
    let bias = relative(generated, exact, 1.0).abs();
    if bias.is_nan() || bias <= WARN_FRACTION {
        return None;
    }
    // First order in h only where the bias is small enough to be in that regime (≤ 100 %); far beyond it (steps near
    // the stability limit) the count would be meaningless: κ = 1000, σ = 0.5, 200 exponential steps give +311 149 %,
    // yet 3200 steps give 2.3 %.
    let first_order = (steps as f64 * bias / FIX_FRACTION).ceil();
    let steps_needed = (bias <= 1.0 && first_order <= MAX_FIX_STEPS as f64).then_some(first_order as usize);
    Some(StepBias { captured: false, direction: Direction::Worst, exact, generated, t_min, steps_needed })
}

/// What removes a run's step warnings: an integrator, a grid kind and a step count, on a grid from the same T to the
/// same `t_min`. Serialized with the config names (`{"integrator": "exponential", "grid": "uniform", "steps": 700,
/// "t_min": 0}`) for the page, which sets t_min too when it moves to a refined grid from controls at t_min = 0 (a
/// measurement may end its runs at a positive t_min of its own).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct StepFix {
    /// The integrator (the exponential counterpart of an Euler integrator whose step is over the safe one).
    pub integrator: Integrator,
    /// The grid's kind: the run's own, or the grid refined in ln t when a uniform grid to a small t_min > 0 would
    /// need at least four times as many steps.
    pub grid: GridKind,
    /// The steps (the run's own when only the integrator changes).
    pub steps: usize,
    /// The end of the run's grid.
    pub t_min: f64,
}

/// A refined grid needs at most this fraction of a uniform grid's steps to be suggested instead (a change of the time
/// points is worth it only for a large saving).
const REFINED_GAIN: usize = 4;

/// A run's step warnings: the Euler step over 0.1/‖A‖₂ ([`Integrator::step_warning`]) and the step-size bias
/// ([`step_bias`]), joined by "; ", with what removes them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepWarning {
    /// The warnings, in words.
    pub text: String,
    /// What removes them, when known: over the safe Euler step, the exponential integrator with the steps that bring
    /// its bias within 4 %; otherwise the steps that bring the bias within 4 %. `None` when no step count up to
    /// 10⁵ is known to (a bias far outside the first-order regime of the matrix recursion).
    pub fix: Option<StepFix>,
}

/// The steps that bring the predicted bias of `integrator` within 4 % (the grid's own when it is within 5 % already or
/// not predicted), `None` when none is known.
fn steps_for(scenario: &Scenario, score: ScoreKind, integrator: Integrator, grid: &TimeGrid) -> Option<usize> {
    match step_bias(scenario, score, integrator, grid) {
        None => Some(grid.steps()),
        Some(b) => b.steps_needed,
    }
}

/// The step warnings of a generation run, if any (see [`StepWarning`]).
pub fn step_warning(
    scenario: &Scenario,
    score: ScoreKind,
    integrator: Integrator,
    grid: &TimeGrid,
) -> Option<StepWarning> {
    let euler = integrator.step_warning(&scenario.process, grid.max_step());
    let bias = step_bias(scenario, score, integrator, grid);
    // The fix costs up to two more predictions: only for a run with a warning.
    let warned = euler.is_some() || bias.is_some();
    let fix = warned.then(|| step_fix(scenario, score, integrator, grid, euler.is_some(), bias.as_ref())).flatten();
    let mut text = match (euler, bias) {
        (None, None) => return None,
        (Some(e), None) => e,
        (None, Some(b)) => b.message(),
        (Some(e), Some(b)) => format!("{e}; {}", b.message()),
    };
    let kind = grid_kind(grid);
    // Say a fix that changes more than the step count (the page offers it as a button, the CLI has only these words).
    if let Some(f) = fix.filter(|f| f.grid != kind || f.integrator != integrator) {
        let mut how = Vec::new();
        if f.integrator != integrator {
            how.push(if f.integrator.is_stochastic() {
                "the exponential integrator"
            } else {
                "the exponential probability-flow integrator"
            });
        }
        if f.grid != kind {
            how.push("the grid refined in ln t");
        }
        text.push_str(&format!("; {} needs {} steps", how.join(" on "), f.steps));
    }
    Some(StepWarning { text, fix })
}

/// The kind of a grid (uniform grids have one step size).
fn grid_kind(grid: &TimeGrid) -> GridKind {
    if grid.uniform_step().is_some() {
        GridKind::Uniform
    } else {
        GridKind::Refined
    }
}

/// What removes the warnings of a run that has some: over the safe Euler step (`unsafe_euler`) the exponential
/// integrator with the steps its own bias needs, otherwise the steps of the run's `bias`; and on a uniform grid to a
/// small t_min > 0 the grid refined in ln t instead when it needs at most a quarter of those steps.
fn step_fix(
    scenario: &Scenario,
    score: ScoreKind,
    integrator: Integrator,
    grid: &TimeGrid,
    unsafe_euler: bool,
    bias: Option<&StepBias>,
) -> Option<StepFix> {
    let kind = grid_kind(grid);
    let fixed = if unsafe_euler { integrator.exponential() } else { integrator };
    let steps = if unsafe_euler { steps_for(scenario, score, fixed, grid) } else { bias.and_then(|b| b.steps_needed) };
    let t_min = *grid.times().last()?;
    let fix = steps.map(|steps| StepFix { integrator: fixed, grid: kind, steps, t_min });
    // On a uniform grid to a small t_min > 0 the last steps are the stiff ones: the grid refined in ln t may need far
    // fewer (a linear manifold at t_min = 0.001: 253 steps instead of 51 338). Its first steps are longer, so an
    // Euler integrator must stay within the safe step there.
    let refined = (kind == GridKind::Uniform && fix.is_none_or(|f| f.steps > grid.steps()))
        .then(|| TimeGrid::refined(grid.times()[0], t_min, grid.steps()).ok())
        .flatten()
        .filter(|r| fixed.step_warning(&scenario.process, r.max_step()).is_none())
        .and_then(|r| steps_for(scenario, score, fixed, &r))
        .map(|steps| StepFix { integrator: fixed, grid: GridKind::Refined, steps, t_min });
    match (fix, refined) {
        (Some(f), Some(r)) if REFINED_GAIN * r.steps > f.steps => Some(f),
        (f, r) => r.or(f),
    }
}

/// One fix for the warnings of several runs sharing an integrator and a grid (a measurement's settings): the
/// exponential integrator if any of them needs it, and the most steps any of them needs. `None` when one of the
/// warnings has no fix. (A setting whose fix keeps the Euler integrator had its steps counted for it; with the
/// exponential one its bias is about the same at steps that small.)
pub fn combined_fix(warnings: &[StepWarning]) -> Option<StepFix> {
    let fixes: Vec<StepFix> = warnings.iter().map(|w| w.fix).collect::<Option<_>>()?;
    let first = fixes.first()?;
    let integrator = fixes.iter().map(|f| f.integrator).find(|i| i.is_exponential()).unwrap_or(first.integrator);
    // The settings share the run's grid: a refined grid only if every setting's fix has it (else its step counts
    // are not comparable).
    if fixes.iter().any(|f| f.grid != first.grid) {
        return None;
    }
    let steps = fixes.iter().map(|f| f.steps).max()?;
    Some(StepFix { integrator, grid: first.grid, steps, t_min: first.t_min })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scalar recursion with U = I, σ = 0.3: Euler–Maruyama over T = 4 in 200 steps gives +25.0 % (the README's
    /// measured +27 % ± 2 %), 1000 steps +4.5 %.
    #[test]
    fn narrow_classes_are_generated_wider_and_more_steps_shrink_the_bias() {
        let g = |n| TimeGrid::uniform(4.0, 0.0, n).unwrap();
        let b200 = generated_variance(1.0, 0.09, &g(200), Integrator::EulerMaruyama) / 0.09 - 1.0;
        let b1000 = generated_variance(1.0, 0.09, &g(1000), Integrator::EulerMaruyama) / 0.09 - 1.0;
        assert!((b200 - 0.250).abs() < 1e-3, "{b200}");
        assert!((b1000 - 0.045).abs() < 1e-3, "{b1000}");
        // σ = 1 with U = I: Γ_t = 1 for every t, the score is −x, and the bias is Euler's own, +1 %.
        let b1 = generated_variance(1.0, 1.0, &g(200), Integrator::EulerMaruyama) - 1.0;
        assert!((b1 - 0.0101).abs() < 1e-4, "{b1}");
    }

    /// On a uniform grid the recursion takes the run's h at every step: T = 4 in 200 steps has grid times whose
    /// differences are not h in their last bits, and the prediction is bit for bit the recursion with h itself.
    #[test]
    fn the_recursion_takes_the_runs_own_step_not_a_difference_of_grid_times() {
        let grid = TimeGrid::uniform(4.0, 0.0, 200).unwrap();
        let h = grid.uniform_step().unwrap();
        let t = grid.times();
        assert!(t.windows(2).any(|w| w[0] - w[1] != h), "the grid's differences are all exactly h");
        for integrator in [Integrator::EulerMaruyama, Integrator::Exponential, Integrator::FlowEuler] {
            let (l, k, n) = scalar_coefficients(2.0, h, integrator);
            let mut v = class_variance(2.0, 0.09, t[0]);
            for &tk in &t[..200] {
                let m = l - k / class_variance(2.0, 0.09, tk);
                v = m * m * v + n.map_or(0.0, |n| n * n);
            }
            assert_eq!(generated_variance(2.0, 0.09, &grid, integrator).to_bits(), v.to_bits(), "{integrator:?}");
        }
    }

    #[test]
    fn a_bias_is_said_in_percent_up_to_a_thousand_and_as_a_factor_beyond() {
        assert_eq!(off(0.13), "+13\u{a0}% off");
        assert_eq!(off(-0.19), "-19\u{a0}% off");
        assert_eq!(off(10.0), "+1000\u{a0}% off");
        assert_eq!(off(40.0), "at 41×");
        assert_eq!(off(8.09e15), "at 8.090e15×");
    }

    /// The fix answers every warning: over the safe Euler step it is the exponential integrator (with the steps its
    /// own bias needs), otherwise the steps of the bias; several runs take the switch if any needs it and the most
    /// steps.
    #[test]
    fn the_fix_switches_an_unsafe_euler_step_to_the_exponential_integrator() {
        let scenario = |json: &str| {
            let cfg: crate::config::ScenarioConfig = serde_json::from_str(json).unwrap();
            cfg.build().unwrap()
        };
        let grid = TimeGrid::uniform(4.0, 0.0, 200).unwrap();
        // Q_opt, κ = 100, d = 8, σ = 1: ‖A‖₂ ≈ 70, so h = 0.02 is over 0.1/‖A‖₂; exponential steps leave +13 %.
        let qopt = scenario(
            r#"{"process": {"d": 8, "precision": {"kind": "log_spaced", "kappa": 100}, "drift": {"design": "optimal"}}}"#,
        );
        let w = step_warning(&qopt, ScoreKind::Analytic, Integrator::EulerMaruyama, &grid).unwrap();
        assert!(w.text.starts_with("step 2.000e-2 exceeds the safe Euler step"), "{}", w.text);
        assert!(w.text.ends_with("; the exponential integrator needs 668 steps"), "{}", w.text);
        assert_eq!(
            w.fix,
            Some(StepFix { integrator: Integrator::Exponential, grid: GridKind::Uniform, steps: 668, t_min: 0.0 })
        );
        // The flow's exponential steps leave +107 %, past the first-order count: no fix rather than half of one.
        let flow = step_warning(&qopt, ScoreKind::Analytic, Integrator::FlowEuler, &grid).unwrap();
        assert_eq!(flow.fix, None);
        let flow = step_warning(
            &qopt,
            ScoreKind::Analytic,
            Integrator::FlowEuler,
            &TimeGrid::uniform(4.0, 0.0, 1000).unwrap(),
        );
        assert_eq!(flow.unwrap().fix.map(|f| f.integrator), Some(Integrator::FlowExponential));
        // U = I, σ = 0.3: a safe Euler step, a +25 % bias: more Euler steps.
        let narrow = scenario(r#"{"process": {"d": 4}, "data": {"model": "two_class", "sigma": 0.3}}"#);
        let v = step_warning(&narrow, ScoreKind::Analytic, Integrator::EulerMaruyama, &grid).unwrap();
        let steps = v.fix.unwrap().steps;
        assert_eq!(
            v.fix,
            Some(StepFix { integrator: Integrator::EulerMaruyama, grid: GridKind::Uniform, steps, t_min: 0.0 })
        );
        assert!(steps > 1000, "{steps}");
        let both = combined_fix(&[v.clone(), w.clone()]).unwrap();
        assert_eq!(both, StepFix { integrator: Integrator::Exponential, grid: GridKind::Uniform, steps, t_min: 0.0 });
        // One warning without a fix: no fix for the set.
        assert_eq!(combined_fix(&[v, StepWarning { text: "x".into(), fix: None }]), None);
        assert_eq!(combined_fix(&[]), None);
    }

    /// Off a linear manifold at t_min = 0.001 a uniform grid needs 5·10⁴ steps; the grid refined in ln t, whose last
    /// steps are short, a few hundred: the fix switches the grid. With t_min = 0 there is no refined grid.
    #[test]
    fn a_small_t_min_gets_the_refined_grid_when_it_needs_far_fewer_steps() {
        let cfg: crate::config::ScenarioConfig = serde_json::from_str(
            r#"{"process": {"d": 16}, "data": {"model": "manifold", "beta": 0.5, "phi": "identity", "embedding": "orthonormal"}}"#,
        )
        .unwrap();
        let scenario = cfg.build().unwrap();
        let uniform = TimeGrid::uniform(4.0, 0.001, 200).unwrap();
        let w = step_warning(&scenario, ScoreKind::Analytic, Integrator::EulerMaruyama, &uniform).unwrap();
        assert!(w.text.contains("off the data's subspace"), "{}", w.text);
        assert!(w.text.ends_with(&format!("; the grid refined in ln t needs {} steps", w.fix.unwrap().steps)));
        let fix = w.fix.unwrap();
        assert_eq!((fix.integrator, fix.grid), (Integrator::EulerMaruyama, GridKind::Refined), "{fix:?}");
        assert!(fix.steps > 200 && fix.steps < 400, "{fix:?}");
        // The refined grid with those steps is within 4 %, and the uniform grid's own count is over four times as many.
        let refined = TimeGrid::refined(4.0, 0.001, fix.steps).unwrap();
        assert!(step_bias(&scenario, ScoreKind::Analytic, Integrator::EulerMaruyama, &refined).is_none());
        let bias = step_bias(&scenario, ScoreKind::Analytic, Integrator::EulerMaruyama, &uniform).unwrap();
        assert!(bias.steps_needed.unwrap() > REFINED_GAIN * fix.steps, "{bias:?}");
    }

    /// Where the model has no variance at t_min = 0 (σ = 0), the matrix recursion measures the generated variance in
    /// units of the stationary one, as the scalar recursion does: with Q = 0 both give the same worst fraction.
    #[test]
    fn with_point_classes_the_matrix_recursion_agrees_with_the_scalar_one() {
        let cfg: crate::config::ScenarioConfig = serde_json::from_str(
            r#"{"process": {"d": 6, "precision": {"kind": "log_spaced", "kappa": 10}},
                "data": {"model": "two_class", "sigma": 0}}"#,
        )
        .unwrap();
        let scenario = cfg.build().unwrap();
        let grid = TimeGrid::uniform(4.0, 0.0, 50).unwrap();
        let scalar = step_bias(&scenario, ScoreKind::Analytic, Integrator::EulerMaruyama, &grid).unwrap();
        let matrix = matrix_bias(&scenario, &Within::Isotropic(0.0), Integrator::EulerMaruyama, &grid).unwrap();
        assert_eq!((scalar.exact, matrix.exact), (0.0, 0.0));
        assert!((scalar.fraction() - matrix.fraction()).abs() < 1e-9 * scalar.fraction(), "{scalar:?} {matrix:?}");
        assert!(
            matrix.message().contains("of the stationary variance along its worst direction"),
            "{}",
            matrix.message()
        );
    }

    /// The white recursion (V_z ← G V_z Gᵀ + I from the run's own chain) is the plain one (V ← M V Mᵀ + N Nᵀ) in
    /// other coordinates: with Q_opt, κ = 100 they agree to 1e-9 of the largest entry, for classes of variance 0.25,
    /// 1 and 0 (Γ_t singular at t = 0, which neither recursion reaches), on a grid to t_min = 0 and one to 0.01;
    /// a grid that a run does not take in white coordinates (refined) or an integrator (Euler) has no white recursion.
    #[test]
    fn the_white_recursion_is_the_plain_one_in_other_coordinates() {
        let process = |d: usize| {
            let cfg: crate::config::ScenarioConfig = serde_json::from_str(&format!(
                r#"{{"process": {{"d": {d}, "precision": {{"kind": "log_spaced", "kappa": 100}}, "drift": {{"design": "optimal"}}}}}}"#
            ))
            .unwrap();
            cfg.build().unwrap().process
        };
        for (d, s2, t_min) in [(8, 0.25, 0.0), (12, 1.0, 0.01), (8, 0.0, 0.0)] {
            let p = process(d);
            let within = Mixture::two_class(DVector::zeros(d), Within::Isotropic(s2).matrix(d)).unwrap();
            let mut score = MixtureScore::with_path(&p, &within, Some(MixturePath::TwoClassShared)).unwrap();
            let grid = TimeGrid::uniform(4.0, t_min, 300).unwrap();
            let white = white_covariances(&p, &mut score, Integrator::Exponential, &grid).expect("a white recursion");
            let plain = plain_covariances(&p, &mut score, Integrator::Exponential, &grid).unwrap();
            let scale = plain.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let gap = white.iter().zip(&plain).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(gap <= 1e-9 * scale, "d = {d}, σ² = {s2}: {gap:e} of {scale}");
            let refined = TimeGrid::refined(4.0, 0.01, 100).unwrap();
            assert!(white_covariances(&p, &mut score, Integrator::Exponential, &refined).is_none());
            assert!(white_covariances(&p, &mut score, Integrator::EulerMaruyama, &grid).is_none());
        }
    }

    #[test]
    fn numbers_are_said_with_four_significant_digits() {
        let said: Vec<String> = [1.0, 0.09, 0.123456, 1234.5678, 0.0, 1e-5, 3e7].map(short).into();
        assert_eq!(said, ["1", "0.09", "0.1235", "1235", "0", "1.000e-5", "3.000e7"]);
    }

    #[test]
    fn the_suggested_step_count_is_the_fewest_within_four_percent() {
        let grid = TimeGrid::uniform(4.0, 0.0, 200).unwrap();
        let n = steps_needed(1.0, 0.09, &grid, Integrator::Exponential).unwrap();
        assert!(bias_with(1.0, 0.09, &grid, Integrator::Exponential, n) <= FIX_FRACTION);
        assert!(bias_with(1.0, 0.09, &grid, Integrator::Exponential, n - 1) > FIX_FRACTION);
    }

    #[test]
    fn the_flow_has_no_noise_term_and_a_stiff_step_is_reported_unstable() {
        // Probability flow, U = I, σ = 1: Γ_t = 1 and the step is x ← (1 + h − h) x = x, exact.
        let g = TimeGrid::uniform(4.0, 0.0, 10).unwrap();
        let v = generated_variance(1.0, 1.0, &g, Integrator::FlowEuler);
        assert!((v - 1.0).abs() < 1e-12, "{v}");
        // Euler–Maruyama with h u = 4: |1 + hu − 2h u| = 3 per step.
        let v = generated_variance(100.0, 0.01, &g, Integrator::EulerMaruyama);
        assert!(v > 1e10, "{v}");
    }
}
