//! Budgets: the documented limits of every run kind, and an estimate of each run's memory and work made from the raw
//! config before anything is allocated, so no input can make the page's tab (or the CLI) run out of memory or spin
//! for hours.
//!
//! Two layers. Per-parameter limits (d, n, particles, steps, points, snapshots) are checked where each parameter is
//! validated; [`estimate`] repeats the size checks it needs (cheap, so a d of 10⁹ is a parameter error, not an
//! arithmetic overflow) and then adds up what the whole run costs. [`Estimate::check`] refuses a run whose memory or
//! work exceeds the budgets below with [`Error::Budget`]; every config's `run`/`validate` calls it before the first
//! allocation that grows with the input. The page calls [`estimate`] (through the wasm boundary) to show the memory
//! and time of a large run before starting it.
//!
//! | limit | value | where |
//! | --- | --- | --- |
//! | d | 1 … 4096 | [`crate::precision::MAX_DIM`] |
//! | n (training set) | 2 … 200 000, and n·d ≤ 2²⁶ | [`crate::config::scenario::MAX_N`], [`crate::data::training_set::MAX_ENTRIES`] |
//! | generated particles | 1 … 100 000, and particles·d ≤ 2²⁴ | [`crate::config::generate::MAX_PARTICLES`], [`crate::sampler::generate::MAX_BATCH_ENTRIES`] |
//! | generation steps | 1 … 10⁶ | [`crate::sampler::grid::MAX_STEPS`] |
//! | snapshot values | ≤ 2²⁴ | [`crate::sampler::generate::MAX_SNAPSHOT_ENTRIES`] |
//! | noising particles, steps | 1 … 2000 each | [`crate::noising::MAX_PARTICLES`], [`crate::noising::MAX_STEPS`] |
//! | relaxation curve points | 2 … 2000 | [`crate::relaxation::MAX_CURVE_POINTS`] |
//! | theory scan / curve points | 8 … 100 000 | [`crate::theory::grid::MAX_POINTS`] |
//! | sweep values | 1 … 512 | [`crate::config::theory::MAX_SWEEP_POINTS`] |
//! | **memory** (whole run) | 1 GiB | [`MEMORY_LIMIT_BYTES`] |
//! | **work** (whole run) | 2·10¹² flops | [`WORK_LIMIT_FLOPS`] |
//!
//! The estimates count the dominant terms only (the buffers that grow with the input, the O(d³) factorizations, the
//! O(particles·d²) or O(particles·n·d) step loops) with constants of the order of the kernels' real operation counts;
//! they are meant to be right within a factor of a few, which is what a budget and a progress estimate need.

use serde::Serialize;

use crate::config::{
    DataConfig, DriftConfig, ForwardConfig, GenerateConfig, PrecisionConfig, ProcessConfig, ScenarioConfig, ScoreKind,
    SweepConfig, TheoryConfig,
};
use crate::drift::Design;
use crate::error::{check_count, Error, Result};
use crate::precision::MAX_DIM;
use crate::sampler::generate::Projection;

/// Memory budget of one run: 1 GiB. A wasm32 instance can address 4 GiB, but a browser tab shares its memory with
/// the page, the canvases and the other Workers of a pool; 1 GiB leaves room for all of them on a phone-class device.
pub const MEMORY_LIMIT_BYTES: f64 = (1u64 << 30) as f64;

/// Work budget of one run: 2·10¹² floating-point operations, about a quarter of an hour in one Worker at
/// [`FLOPS_PER_SECOND`]. Past it a run is refused rather than left to spin.
pub const WORK_LIMIT_FLOPS: f64 = 2e12;

/// The sustained speed assumed for the time estimate: 2·10⁹ flop/s, what one wasm Worker reaches on the step loops
/// of the benchmark workloads on a laptop (native runs are a few times faster).
pub const FLOPS_PER_SECOND: f64 = 2e9;

/// Runs above this estimated time get the estimate shown before they start (the page's threshold for "large").
pub const LARGE_RUN_SECONDS: f64 = 2.0;

/// Bytes of one f64.
const F64: f64 = 8.0;

/// Operation count of one dense O(d³) factorization or product, in units of d³ (an eigendecomposition is ~9 d³,
/// a Padé-13 matrix exponential ~ 20 d³ with squaring): one constant for all of them, deliberately on the high side.
const CUBIC: f64 = 20.0;

/// The estimated cost of one run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// Peak memory of the run's buffers, bytes.
    pub memory_bytes: f64,
    /// Floating-point operations.
    pub work_flops: f64,
    /// Estimated wall time in one Worker, seconds (`work_flops / FLOPS_PER_SECOND`).
    pub seconds: f64,
    /// Whether the page should show the estimate before running (seconds above [`LARGE_RUN_SECONDS`]).
    pub large: bool,
    /// Whether the run fits both budgets ([`Estimate::check`] succeeds).
    pub within_budget: bool,
}

impl Estimate {
    /// An estimate from its memory (bytes) and work (floating-point operations).
    pub fn new(memory_bytes: f64, work_flops: f64) -> Self {
        let seconds = work_flops / FLOPS_PER_SECOND;
        // Non-finite sums (impossible after the size checks, but cheap to guard) count as over budget.
        let within_budget = memory_bytes.is_finite()
            && work_flops.is_finite()
            && memory_bytes <= MEMORY_LIMIT_BYTES
            && work_flops <= WORK_LIMIT_FLOPS;
        Estimate { memory_bytes, work_flops, seconds, large: seconds > LARGE_RUN_SECONDS, within_budget }
    }

    fn plus(self, other: Estimate) -> Self {
        Estimate::new(self.memory_bytes.max(other.memory_bytes), self.work_flops + other.work_flops)
    }

    /// Refuses a run over either budget.
    ///
    /// # Errors
    /// [`Error::Budget`] naming `memory` or `work`, with what the run needs and the limit.
    pub fn check(&self) -> Result<()> {
        if !(self.memory_bytes.is_finite() && self.memory_bytes <= MEMORY_LIMIT_BYTES) {
            return Err(Error::Budget {
                budget: "memory".into(),
                needed: format!("about {}", mib(self.memory_bytes)),
                limit: mib(MEMORY_LIMIT_BYTES),
            });
        }
        if !(self.work_flops.is_finite() && self.work_flops <= WORK_LIMIT_FLOPS) {
            return Err(Error::Budget {
                budget: "work".into(),
                needed: format!("about {:.1e} flops (~{:.0} s)", self.work_flops, self.seconds),
                limit: format!("{WORK_LIMIT_FLOPS:.0e} flops (~{:.0} s)", WORK_LIMIT_FLOPS / FLOPS_PER_SECOND),
            });
        }
        Ok(())
    }
}

fn mib(bytes: f64) -> String {
    format!("{:.0} MiB", bytes / (1u64 << 20) as f64)
}

/// A run config of any kind, for [`estimate`].
#[derive(Clone, Copy, Debug)]
pub enum RunConfig<'a> {
    /// A noising run.
    Forward(&'a ForwardConfig),
    /// A relaxation report.
    Drift(&'a DriftConfig),
    /// A theory evaluation.
    Theory(&'a TheoryConfig),
    /// A theory sweep.
    Sweep(&'a SweepConfig),
    /// A generation run.
    Generate(&'a GenerateConfig),
}

/// Estimates the memory and work of a run from its raw config, checking the size parameters it reads (d, n,
/// particles, steps, points) against their limits first.
///
/// ```
/// use diffusion_regimes::budget::{estimate, RunConfig};
/// use diffusion_regimes::config::{from_json, DriftConfig};
/// let cfg: DriftConfig = from_json(r#"{"process": {"d": 4096, "drift": {"design": "optimal"}}}"#).unwrap();
/// let e = estimate(RunConfig::Drift(&cfg)).unwrap();
/// assert!(!e.within_budget && e.check().is_err());
/// ```
///
/// # Errors
/// [`Error::Param`] for a size parameter outside its limit (see the module table).
pub fn estimate(run: RunConfig<'_>) -> Result<Estimate> {
    match run {
        RunConfig::Forward(c) => forward(c),
        RunConfig::Drift(c) => drift(c),
        RunConfig::Theory(c) => theory(&c.scenario, c.options.scan.points, c.options.curve_points),
        RunConfig::Sweep(c) => sweep(c),
        RunConfig::Generate(c) => generate(c),
    }
}

/// Memory and work of building U, Q and A = (I+Q)U (eigendecomposition of U, the design, the spectrum of A).
fn process(p: &ProcessConfig) -> Result<Estimate> {
    let d = check_count("d", p.d, 1, MAX_DIM)? as f64;
    let d3 = d * d * d;
    // The LNP construction diagonalizes a shrinking block once per basis vector. Each block is diagonal but for one
    // row and column, so its QR sweeps converge in a few passes and the tridiagonal reduction (4m³/3) dominates:
    // Σ_m 4m³/3 ≈ d⁴/3, counted as d⁴/2 (measured: d = 512 natively in about 6 s with the relaxation report).
    let design = match p.drift {
        Design::Optimal { .. } | Design::Scaled { .. } => 0.5 * d3 * d,
        _ => 0.0,
    };
    let basis = match p.precision {
        PrecisionConfig::LogSpaced { basis_seed: Some(_), .. } => CUBIC * d3,
        _ => 0.0,
    };
    // U, its eigenvectors, Q, A and two temporaries of the decompositions are alive at once.
    Ok(Estimate::new(6.0 * d * d * F64, 3.0 * CUBIC * d3 + design + basis))
}

/// Whether the process is U = c·I with Q = 0, where the step loop is O(d) per particle (see `crate::isotropic`).
fn isotropic(p: &ProcessConfig) -> bool {
    matches!(p.precision, PrecisionConfig::Identity { .. }) && matches!(p.drift, Design::None)
}

fn forward(c: &ForwardConfig) -> Result<Estimate> {
    let build = process(&c.process)?;
    let particles = check_count("particles", c.particles, 1, crate::noising::MAX_PARTICLES)? as f64;
    let steps = check_count("steps", c.steps, 1, crate::noising::MAX_STEPS)? as f64;
    let d = c.process.d as f64;
    // Projections particles × (steps+1), and per step one E_h x and one L_h z mat-vec per particle (2 d² each), or
    // for U = c·I and Q = 0 a scalar step (d normals and 3d flops per particle).
    let memory = particles * (steps + 1.0) * F64;
    let per_particle = if isotropic(&c.process) { 8.0 * d } else { 4.0 * d * d };
    let work = particles * steps * per_particle + 3.0 * steps * d;
    Ok(build.plus(Estimate::new(memory, work)))
}

fn drift(c: &DriftConfig) -> Result<Estimate> {
    let build = process(&c.process)?;
    let points = check_count("points", c.points, 2, crate::relaxation::MAX_CURVE_POINTS)? as f64;
    let d = c.process.d as f64;
    // Per curve point one d × d product along the grid, the Gram matrix (half a product) and its eigenvalues (a
    // tridiagonal reduction, 4d³/3), with an exponential every 16 points (`OuProcess::propagator_norm_curve`).
    Ok(build.plus(Estimate::new(points * 2.0 * F64, points * (3.0 + CUBIC / 16.0) * d * d * d)))
}

/// Memory and work of the scenario's data model (means and covariances; the manifold's embedding).
fn data(s: &ScenarioConfig) -> Result<Estimate> {
    let d = s.process.d as f64;
    let classes = match &s.data {
        DataConfig::TwoClass(_) | DataConfig::Manifold(_) => 2.0,
        DataConfig::KClass(k) => check_count("data.k", k.k, 2, crate::config::data::MAX_CLASSES)? as f64,
    };
    Ok(Estimate::new((classes + 4.0) * d * d * F64, classes * CUBIC * d * d * d))
}

/// Work of GVM's GLM replica formula for the manifold t_C (a d-independent fixed-point and root search over
/// Gauss–Hermite integrals), measured natively (tanh ~1 s, relu ~0.1 s, sign ~0.03 s) and scaled to the
/// [`FLOPS_PER_SECOND`] of a Worker; the linear (identity) case is a closed form.
fn glm(s: &ScenarioConfig) -> f64 {
    use crate::data::manifold::{Activation, Embedding};
    match &s.data {
        DataConfig::Manifold(m) if m.embedding == Embedding::Gaussian && isotropic(&s.process) => match m.phi {
            Activation::Tanh => 5e9,
            Activation::Relu => 5e8,
            Activation::Sign => 1e8,
            Activation::Identity => 0.0,
        },
        _ => 0.0,
    }
}

fn theory(s: &ScenarioConfig, scan_points: usize, curve_points: usize) -> Result<Estimate> {
    let build = process(&s.process)?.plus(data(s)?).plus(Estimate::new(0.0, glm(s)));
    check_count("n", s.n, 2, crate::config::scenario::MAX_N)?;
    let scan =
        check_count("scan points", scan_points, crate::theory::grid::MIN_POINTS, crate::theory::grid::MAX_POINTS)?;
    let curve =
        check_count("curve_points", curve_points, crate::theory::grid::MIN_POINTS, crate::theory::grid::MAX_POINTS)?;
    let d = s.process.d as f64;
    // Each scan or curve point factors Γ_t (d³/3) and solves with it, the moments coming from the drift's modal form
    // in O(d²): counted as d³/2 per point. Root refinement adds about 60 evaluations per bracket, budgeted as 200
    // points. Measured natively (default options, 800 points): 0.47 s at d = 256 and 1.9 s at d = 384 with U = I,
    // 0.72 s at d = 256 with Q_opt; this count at the budget's 2 GFLOP/s gives 3.4, 11 and 3.4 s.
    let points = (scan + curve) as f64 + 200.0;
    Ok(build.plus(Estimate::new(points * 4.0 * F64 + 8.0 * d * d * F64, points * 0.5 * d * d * d)))
}

fn sweep(c: &SweepConfig) -> Result<Estimate> {
    check_count("values (number of sweep points)", c.values.len(), 1, crate::config::theory::MAX_SWEEP_POINTS)?;
    let mut total = Estimate::new(0.0, 0.0);
    for &v in &c.values {
        // A value that does not apply is a per-value message of the sweep, costing nothing.
        if let Ok(s) = c.scenario_at(v) {
            total = total.plus(theory(&s, c.scan.points, crate::theory::grid::MIN_POINTS)?);
        }
    }
    Ok(total)
}

/// The estimate of a generation run with the exact two-class score that records one projection per particle and
/// grid time (the page's Trajectories view, whose config is an adapter at the boundary).
///
/// # Errors
/// [`Error::Param`] for d, particles or steps out of range.
pub fn trajectories(p: &ProcessConfig, particles: usize, steps: usize) -> Result<Estimate> {
    let build = process(p)?;
    let d = p.d as f64;
    let np = check_count("particles", particles, 1, crate::config::generate::MAX_PARTICLES)? as f64;
    let steps = check_count("steps", steps, 1, crate::sampler::grid::MAX_STEPS)? as f64;
    let per_particle_linear = if isotropic(p) { 8.0 * d } else { 4.0 * d * d };
    let memory = 5.0 * np * d * F64 + (steps + 1.0) * np * F64;
    Ok(build.plus(Estimate::new(memory, steps * np * 3.0 * per_particle_linear)))
}

fn generate(c: &GenerateConfig) -> Result<Estimate> {
    let s = &c.scenario;
    let build = process(&s.process)?.plus(data(s)?);
    let d = s.process.d as f64;
    let particles = check_count("sampler.particles", c.sampler.particles, 1, crate::config::generate::MAX_PARTICLES)?;
    let steps = check_count("sampler.grid.steps", c.sampler.grid.steps, 1, crate::sampler::grid::MAX_STEPS)? as f64;
    let np = particles as f64;
    let n = check_count("n", s.n, 2, crate::config::scenario::MAX_N)? as f64;
    let classes = match &s.data {
        DataConfig::KClass(k) => k.k as f64,
        _ => 2.0,
    };
    // Positions, noise, score and scratch buffers, and the white coordinates of the general-U two-class step
    // (five particles × d arrays), and one random stream per particle.
    let mut memory = 5.0 * np * d * F64 + 32.0 * np;
    let per_particle_linear = if isotropic(&s.process) { 8.0 * d } else { 4.0 * d * d };
    let mut work = steps * np * per_particle_linear;
    match c.sampler.score {
        // Two classes with a shared covariance and a general U (the two-class and manifold models): the score folds
        // into the step's linear map, so a step is one d × d product and the correlated noise (4d² in all; runs in
        // white coordinates do half); otherwise each class adds its own products.
        ScoreKind::Analytic if classes == 2.0 && !isotropic(&s.process) => {}
        ScoreKind::Analytic => work += steps * np * classes * per_particle_linear,
        ScoreKind::Empirical => {
            // The training set, its whitened copy, the logits of one tile; per step two n × d products per particle
            // (logits and weighted sum), and re-whitening the set (n d²) when U is not isotropic.
            memory += 2.0 * n * d * F64 + np * F64;
            work += steps * np * n * 4.0 * d;
            if !isotropic(&s.process) {
                work += steps * n * 2.0 * d * d;
            }
        }
    }
    if let Some(plan) = &c.snapshots {
        let recorded = plan.particles.as_ref().map_or(np, |p| p.len() as f64);
        let width = match &plan.projection {
            Projection::Full => d,
            Projection::Coordinates(cs) => cs.len() as f64,
            Projection::Directions(vs) => vs.len() as f64,
        };
        let values = plan.times.len() as f64 * recorded * width;
        memory += values * F64;
        work += values * d;
    }
    Ok(build.plus(Estimate::new(memory, work)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_json;

    #[test]
    fn small_runs_fit_and_large_ones_are_refused_naming_the_budget() {
        let small: ForwardConfig =
            from_json(r#"{"process": {"d": 16}, "t_max": 3, "steps": 30, "particles": 20, "seed": 7}"#).unwrap();
        let e = estimate(RunConfig::Forward(&small)).unwrap();
        assert!(e.within_budget && !e.large && e.check().is_ok(), "{e:?}");
        // The largest empirical run the per-parameter limits allow: 100 000 particles × 200 000 points × d = 64
        // for 10⁶ steps is ~10²¹ flops.
        let big: GenerateConfig = from_json(
            r#"{"scenario": {"process": {"d": 64}, "n": 200000},
                "sampler": {"score": "empirical", "grid": {"t_max": 5, "t_min": 0.001, "steps": 1000000,
                "kind": "refined"}, "particles": 100000}, "seed": 1}"#,
        )
        .unwrap();
        let e = estimate(RunConfig::Generate(&big)).unwrap();
        let Err(Error::Budget { budget, .. }) = e.check() else { panic!("{e:?} was not refused") };
        assert_eq!(budget, "work");
        assert!(matches!(big.validate(), Err(Error::Budget { .. })));
    }

    #[test]
    fn size_parameters_are_parameter_errors_before_any_arithmetic() {
        let cfg: DriftConfig = from_json(r#"{"process": {"d": 18446744073709551615}}"#).unwrap();
        let e = estimate(RunConfig::Drift(&cfg)).unwrap_err();
        assert!(e.to_string().contains("invalid d"), "{e}");
    }

    #[test]
    fn memory_budget_is_named() {
        let e = Estimate::new(2.0 * MEMORY_LIMIT_BYTES, 1.0);
        let msg = e.check().unwrap_err().to_string();
        assert!(msg.contains("memory budget of 1024 MiB") && msg.contains("2048 MiB"), "{msg}");
    }
}
