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
//! | **work** (whole run) | 1000 s in one Worker on the reference machine | [`WORK_LIMIT_SECONDS`] |
//!
//! The work is counted in seconds: each kind of operation (a coordinate of an O(d) step, a multiply–add of the
//! batched products, of a per-particle mat-vec, of the empirical score, a d³ of dense preparation, ...) has its cost
//! measured in one wasm Worker on the reference machine (the benchmark machine of ARCHITECTURE.md, "Performance"),
//! in [`cost`]. `make bench` prints the estimate beside the measured time of a set of page runs, so the constants can
//! be checked after any change to a kernel. The counts are those of the dominant terms (the step loops, the
//! per-step preparations, building the process, the theory), so an estimate is meant to be right within a factor of
//! two on the reference machine, and scales with a machine's speed elsewhere. The budget is in the same reference
//! seconds, so whether a run is refused depends on its config only, never on the machine.

use serde::Serialize;

use crate::config::{
    DataConfig, DriftConfig, ForwardConfig, GenerateConfig, PrecisionConfig, ProcessConfig, ScenarioConfig, ScoreKind,
    SweepConfig, TheoryConfig,
};
use crate::drift::Design;
use crate::error::{check_count, Error, Result};
use crate::precision::MAX_DIM;
use crate::sampler::generate::Projection;
use crate::sampler::grid::TimeGrid;
use crate::sampler::integrator::Integrator;

/// Memory budget of one run: 1 GiB. A wasm32 instance can address 4 GiB, but a browser tab shares its memory with
/// the page, the canvases and the other Workers of a pool; 1 GiB leaves room for all of them on a phone-class device.
pub const MEMORY_LIMIT_BYTES: f64 = (1u64 << 30) as f64;

/// Work budget of one run: 1000 s (about a quarter of an hour) in one Worker on the reference machine, as estimated
/// with [`cost`]. Past it a run is refused rather than left to spin.
pub const WORK_LIMIT_SECONDS: f64 = 1000.0;

/// Runs above this estimated time (one Worker) get the estimate highlighted before they start (the page's "large").
pub const LARGE_RUN_SECONDS: f64 = 2.0;

/// Bytes of one f64.
const F64: f64 = 8.0;

/// Measured costs, in seconds per unit of work, in one wasm Worker (Chromium, `+simd128`) on the reference machine
/// (the 2-core AMD EPYC of ARCHITECTURE.md's "Performance", 2026-11-24). Each constant says where it was measured;
/// native code runs at 0.9–1.5× these speeds (the benchmark's "1W / 1T" column).
pub mod cost {
    /// One coordinate of one particle's step where the step is O(d) per particle (U = c·I with the two-class score,
    /// the forward process with U = c·I): a normal draw, the score and the update. Trajectories at d = 64 and
    /// d = 512: 4.4 and 4.6 ns; W1: 3.9 ns.
    pub const COORD: f64 = 4.5e-9;
    /// One multiply–add of the batched d × d products (register-tiled, f64) of a generation step with the two-class
    /// score and a general U on the plain step (two products per particle; the white step has its own constants
    /// below), and of the forward process' general-U step (two). Measured 0.02–0.03 ns natively with AVX2 (Euler–
    /// Maruyama at d = 32–128: per-particle time of 1000 vs 2000 particles, less the coordinates' part) and 0.07 ns
    /// in a Worker (f64x2; forward at d = 128).
    pub const GEMM_MAC: f64 = 0.07e-9;
    /// One multiply–add of the white two-class step's product G z (in f32, `dots_mixed`), and ...
    /// measured 0.044–0.05 ns natively at d = 64 and 256 (per-particle time of 1000 vs 2000 and 512 vs 1024
    /// particles, less the coordinates' part below).
    pub const WHITE_MAC: f64 = 0.05e-9;
    /// ... one coordinate of that step: a normal draw, g̃ᵀz, the tanh term and the update (W4's profile: ~0.19 ms of
    /// its 0.42 ms for 64 000 coordinates).
    pub const WHITE_COORD: f64 = 3e-9;
    /// The white step's preparation per step (the chain of W, one Cholesky factorization with d + 1 right-hand
    /// sides), in units of [`CUBE`]·d³: measured 0.23–0.24 ns·d³ natively at d = 128 and 256.
    pub const WHITE_PREPARATION: f64 = 0.6;
    /// One multiply–add of a per-particle triangular solve: the k-class mixture score (one forward and one back
    /// substitution per particle, d² multiply–adds in all). Measured 0.42 ns natively (k = 4 classes, d = 64).
    pub const MATVEC_MAC: f64 = 0.4e-9;
    /// The empirical score per particle, training point and coordinate is [`EMPIRICAL_BASE`] + [`EMPIRICAL_PER_D`]/d
    /// (mixed-precision logits, softmax and weighted sum) in a batch of many particles. W2 (d = 64): 0.157 ns; W3
    /// (d = 256): 0.101 ns; Trajectories runs: 0.146 and 0.107 ns. A batch of p particles costs
    /// (1 + [`EMPIRICAL_SMALL_BATCH`]/p) times more per particle (the training set is streamed once per step
    /// whatever p): 8 tracked trajectories at d = 256, n = 20000 take 0.49 ns per unit natively.
    pub const EMPIRICAL_BASE: f64 = 0.09e-9;
    /// See [`EMPIRICAL_BASE`].
    pub const EMPIRICAL_SMALL_BATCH: f64 = 32.0;
    /// The entropy estimator crit(t) per sample, training point and coordinate (a streamed log-sum-exp in f64):
    /// measured 0.31 ns natively (d = 256, n = 20000, 200 samples).
    pub const ENTROPY_UNIT: f64 = 0.35e-9;
    /// See [`EMPIRICAL_BASE`].
    pub const EMPIRICAL_PER_D: f64 = 4e-9;
    /// One multiply–add of re-whitening the training set at a new time (general U with the empirical score: n·d² per
    /// step). Measured ~0.4 ns (d = 64, n = 3000).
    pub const WHITEN_MAC: f64 = 0.4e-9;
    /// One d³ of dense per-step preparation (a general U: the score's moments at t and their factorization, the
    /// whitening of the two-class step). Measured 0.45–0.65 ns·d³ per step at d = 64–256.
    pub const CUBE: f64 = 0.5e-9;
    /// Step coefficients for a step size not seen before (a refined grid below t = 1 with a general U), in units of
    /// [`CUBE`]·d³: the exponential integrators' block-wise exponentials (`linalg::expm_phi1`, and
    /// `linalg::expm_van_loan` for small steps) and Σ_h's Cholesky factor. Measured in a Worker as the difference
    /// between a refined and a uniform grid of 8 particles, per new step size: 4.8, 4.0 and 3.9 ns·d³ at d = 64, 128
    /// and 256 (natively 3.5–4.6 ns·d³) ...
    pub const NEW_STEP_EXPONENTIAL: f64 = 9.0;
    /// ... and Euler's (2 ns·d³ natively).
    pub const NEW_STEP_EULER: f64 = 3.0;
    /// One step of the step-size bias prediction's matrix recursion before a run (`crate::sampler::step_bias`), in
    /// units of [`CUBE`]·d³: measured natively with Q_opt at d = 64 and 400 uniform steps, 0.46 ns·d³ in the run's
    /// white chain (exponential integrator) and 0.57 ns·d³ from Γ_t⁻¹ (Euler–Maruyama); a refined grid adds its new
    /// step sizes' coefficients ([`NEW_STEP_EXPONENTIAL`], [`NEW_STEP_EULER`]).
    pub const BIAS_PREDICTION: f64 = 1.2;
    /// Building a general process (U's eigenvectors, A's spectrum), in units of [`CUBE`]·d³: measured 1.0–1.3
    /// ns·d³ natively at d = 128–512 (A's eigenvalues by the eigenvalue-only iteration).
    pub const BUILD: f64 = 3.0;
    /// Building the process of U = c·I (still with d × d matrices), in units of [`CUBE`]·d³: measured 0.3 ns·d³
    /// natively at d = 2048.
    pub const BUILD_ISOTROPIC: f64 = 1.5;
    /// Building Q_opt (the LNP construction: U's eigenvectors carried through the basis, then seven d × d products),
    /// in units of [`CUBE`]·d³: measured 0.77–1.08 ns·d³ natively at d = 64–1024.
    pub const LNP: f64 = 2.5;
    /// One time point of the theory (Γ_t's factorization and solves), per d³: the benchmark's theory evaluation
    /// (833 factorizations at d = 64) takes 14.3 ms in a Worker, 0.065 ns·d³ each.
    pub const THEORY_POINT: f64 = 0.065e-9;
    /// One point of the relaxation report's ‖E_t‖₂ curve (a chained product, the Gram matrix and its eigenvalues),
    /// per d³.
    pub const NORM_POINT: f64 = 3e-9;
}

/// The estimated cost of one run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// Peak memory of the run's buffers, bytes.
    pub memory_bytes: f64,
    /// Estimated wall time in one Worker on the reference machine, seconds ([`cost`]).
    pub seconds: f64,
    /// The part of [`Estimate::seconds`] that divides among the Workers of a pool (the per-particle work of a
    /// generation or a measurement); the rest (building the process, per-step preparation, the theory) each Worker
    /// does in full. With w Workers the run takes about `seconds − split_seconds + split_seconds / w`.
    pub split_seconds: f64,
    /// Whether the page should highlight the estimate before running (seconds above [`LARGE_RUN_SECONDS`]).
    pub large: bool,
    /// Whether the run fits both budgets ([`Estimate::check`] succeeds).
    pub within_budget: bool,
}

impl Estimate {
    /// An estimate from its memory (bytes) and work (seconds in one Worker, of which `split_seconds` divide among
    /// the Workers of a pool).
    pub fn new(memory_bytes: f64, seconds: f64, split_seconds: f64) -> Self {
        // Non-finite sums (impossible after the size checks, but cheap to guard) count as over budget.
        let within_budget = memory_bytes.is_finite()
            && seconds.is_finite()
            && memory_bytes <= MEMORY_LIMIT_BYTES
            && seconds <= WORK_LIMIT_SECONDS;
        Estimate { memory_bytes, seconds, split_seconds, large: seconds > LARGE_RUN_SECONDS, within_budget }
    }

    /// Work that every Worker does in full (no per-particle part).
    fn serial(memory_bytes: f64, seconds: f64) -> Self {
        Estimate::new(memory_bytes, seconds, 0.0)
    }

    /// Two parts of one run: the larger memory, the summed work.
    fn plus(self, other: Estimate) -> Self {
        Estimate::new(
            self.memory_bytes.max(other.memory_bytes),
            self.seconds + other.seconds,
            self.split_seconds + other.split_seconds,
        )
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
        if !(self.seconds.is_finite() && self.seconds <= WORK_LIMIT_SECONDS) {
            return Err(Error::Budget {
                budget: "work".into(),
                needed: format!("about {} in one Worker", duration(self.seconds)),
                limit: format!("{} in one Worker on the reference machine", duration(WORK_LIMIT_SECONDS)),
            });
        }
        Ok(())
    }
}

fn mib(bytes: f64) -> String {
    format!("{:.0} MiB", bytes / (1u64 << 20) as f64)
}

/// A duration in words: seconds up to 100, then minutes, hours or days (e.g. "3.5e4 days" past a century of days).
fn duration(seconds: f64) -> String {
    match seconds {
        s if !s.is_finite() => "an unbounded time".into(),
        s if s < 100.0 => format!("{s:.0} s"),
        s if s < 6000.0 => format!("{:.0} min", s / 60.0),
        s if s < 2.0 * 86400.0 => format!("{:.0} h", s / 3600.0),
        s if s < 1e5 * 86400.0 => format!("{:.0} days", s / 86400.0),
        s => format!("{:.1e} days", s / 86400.0),
    }
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

/// The boundary of a monotone predicate by bisection: given `pred(lo)` and not `pred(hi)` (lo < hi), the largest v in
/// [lo, hi) with `pred(v)`. Used for the largest count that fits the budgets (the CLI's refusals) and the fewest steps
/// within a bias (`crate::sampler::step_bias`).
///
/// ```
/// assert_eq!(diffusion_regimes::budget::last_true(1, 100, |v| v * v <= 50), 7);
/// ```
pub fn last_true(mut lo: usize, mut hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
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

/// Memory and work of building U, Q and A = (I+Q)U (eigendecomposition of U, the design, the spectrum of A). The
/// process is built with d × d matrices even for U = c·I (the O(d) shortcut is the step loop's); measured natively
/// at d = 1024: 20 matrices alive at once for U = I, 66 for a log-spaced U in a generation run (process, step
/// coefficients, score).
fn process(p: &ProcessConfig) -> Result<Estimate> {
    let d = check_count("d", p.d, 1, MAX_DIM)? as f64;
    let (d2, d3) = (d * d, d * d * d);
    if isotropic(p) {
        return Ok(Estimate::serial(20.0 * d2 * F64, cost::BUILD_ISOTROPIC * cost::CUBE * d3));
    }
    // The LNP construction: O(d²) for the basis, O(d³) for the products.
    let design = match p.drift {
        Design::Optimal { .. } | Design::Scaled { .. } => cost::LNP * cost::CUBE * d3,
        _ => 0.0,
    };
    Ok(Estimate::serial(40.0 * d2 * F64, cost::BUILD * cost::CUBE * d3 + design))
}

/// Whether the process is U = c·I with Q = 0, where the step loop is O(d) per particle (see `crate::isotropic`).
fn isotropic(p: &ProcessConfig) -> bool {
    matches!(p.precision, PrecisionConfig::Identity { .. }) && matches!(p.drift, Design::None)
}

/// How a generation step evaluates its score, as far as its cost goes (the paths of `crate::score::mixture` and
/// `crate::score::empirical`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum StepKind {
    /// O(d) per particle: U = c·I with Biroli's two classes ±μ and C₀ = σ²I.
    Scalar,
    /// Two classes with a shared covariance under a general U, or manifold data: the score folds into the step's
    /// linear map, `products` batched d × d products per particle (2 on the plain step, 1 on the white one).
    TwoClass {
        /// d × d products per particle and step.
        products: f64,
    },
    /// A general mixture (k classes with a shared covariance): a forward and a back substitution per particle.
    Mixture {
        /// Number of classes.
        classes: f64,
    },
    /// The empirical score of n training points, on `batch` particles at a time.
    Empirical {
        /// Training points.
        n: f64,
        /// Particles stepped together (the run's).
        batch: f64,
    },
}

impl StepKind {
    /// The step of a scenario's config with `score`; `white` when the run takes the white two-class step.
    fn of(s: &ScenarioConfig, score: ScoreKind, white: bool, batch: f64) -> Self {
        match (score, &s.data) {
            (ScoreKind::Empirical, _) => StepKind::Empirical { n: s.n as f64, batch },
            (ScoreKind::Analytic, DataConfig::TwoClass(_)) if isotropic(&s.process) => StepKind::Scalar,
            (ScoreKind::Analytic, DataConfig::TwoClass(_) | DataConfig::Manifold(_)) => {
                StepKind::TwoClass { products: if white { 1.0 } else { 2.0 } }
            }
            (ScoreKind::Analytic, DataConfig::KClass(k)) => StepKind::Mixture { classes: k.k as f64 },
        }
    }

    /// Seconds per particle and step in d dimensions (`iso`: U = c·I and Q = 0).
    pub(crate) fn particle_step(self, d: f64, iso: bool) -> f64 {
        let noise = d * cost::COORD;
        match self {
            StepKind::Scalar => noise,
            // The white step (one f32 product) or the plain one (two f64 products).
            StepKind::TwoClass { products: 1.0 } => d * d * cost::WHITE_MAC + d * cost::WHITE_COORD,
            StepKind::TwoClass { products } => products * d * d * cost::GEMM_MAC + noise,
            // One forward and one back substitution (the covariance is shared), then per class a difference, a
            // squared norm and a weighted sum.
            StepKind::Mixture { classes } => {
                d * d * cost::MATVEC_MAC
                    + classes * d * cost::COORD / 2.0
                    + noise
                    + if iso { 0.0 } else { d * d * cost::GEMM_MAC }
            }
            StepKind::Empirical { n, batch } => {
                n * (d * cost::EMPIRICAL_BASE + cost::EMPIRICAL_PER_D) * (1.0 + cost::EMPIRICAL_SMALL_BATCH / batch)
                    + noise
                    + if iso { 0.0 } else { 2.0 * d * d * cost::GEMM_MAC }
            }
        }
    }

    /// Seconds per step that do not depend on the particles: the score's preparation at a new time.
    pub(crate) fn preparation(self, d: f64, iso: bool) -> f64 {
        let cube = cost::CUBE * d * d * d;
        match self {
            StepKind::Scalar => 0.0,
            StepKind::TwoClass { products: 1.0 } => cost::WHITE_PREPARATION * cube,
            StepKind::TwoClass { .. } => cube,
            // The classes' moments from the transition at t (Van Loan's block exponential below t‖A‖ = 0.5):
            // measured 0.9–1.3 ns·d³ per step natively at d = 64–128.
            StepKind::Mixture { .. } => 3.0 * cube,
            StepKind::Empirical { n, .. } if !iso => n * d * d * cost::WHITEN_MAC + cube,
            StepKind::Empirical { .. } => 0.0,
        }
    }
}

/// Seconds of new step coefficients along a grid: a general U needs d × d coefficients for each step size not seen
/// before (the refined grid below t = 1); U = c·I needs scalars.
pub(crate) fn new_step_sizes(grid: &TimeGrid, integrator: Integrator, d: f64, iso: bool) -> f64 {
    if iso {
        return 0.0;
    }
    let mut sizes = 0usize;
    let mut last = f64::NAN;
    for k in 0..grid.steps() {
        let h = grid.step_size(k);
        if h != last {
            sizes += 1;
            last = h;
        }
    }
    let per = match integrator {
        Integrator::Exponential | Integrator::FlowExponential => cost::NEW_STEP_EXPONENTIAL,
        Integrator::EulerMaruyama | Integrator::FlowEuler => cost::NEW_STEP_EULER,
    };
    sizes as f64 * per * cost::CUBE * d * d * d
}

/// Seconds of the step-size bias prediction made before a generation run, where it takes the matrix recursion: Q ≠ 0,
/// or (analytic score) a linear manifold's C₀ under a U that is not c·I (`crate::sampler::step_bias::step_bias`), within its work
/// limit ([`crate::sampler::step_bias::matrix_work`]). The scalar recursion (Q = 0 otherwise) costs O(steps) per
/// distinct eigenvalue and is not counted, nor the second prediction a warned run makes for its fix (whether the run
/// is warned is what the first one finds).
fn bias_prediction(s: &ScenarioConfig, score: ScoreKind, grid: &TimeGrid, integrator: Integrator) -> f64 {
    let q = !matches!(s.process.drift, Design::None);
    let coupled = score == ScoreKind::Analytic
        && matches!(s.data, DataConfig::Manifold(_))
        && !matches!(s.process.precision, PrecisionConfig::Identity { .. });
    let d = s.process.d as f64;
    let work = d * d * d * grid.steps() as f64;
    if !(q || coupled) || work > crate::sampler::step_bias::matrix_work(grid) {
        return 0.0;
    }
    let refined = if grid.uniform_step().is_some() { 0.0 } else { new_step_sizes(grid, integrator, d, false) };
    cost::BIAS_PREDICTION * cost::CUBE * work + refined
}

fn forward(c: &ForwardConfig) -> Result<Estimate> {
    let build = process(&c.process)?;
    let particles = check_count("particles", c.particles, 1, crate::noising::MAX_PARTICLES)? as f64;
    let steps = check_count("steps", c.steps, 1, crate::noising::MAX_STEPS)? as f64;
    let d = c.process.d as f64;
    // Projections particles × (steps+1), and per step the products E_h x and L_h z (batched over blocks of particles),
    // or for U = c·I and Q = 0 a scalar step (d normals and 3d flops per particle). The forward view runs in one
    // Worker.
    // The step's transition E_h, L_h is computed once, with d × d exponentials even for U = c·I (measured: the
    // whole run at d = 2048 with U = I, 2 paths, in 1.0 ns·d³ natively).
    let iso = isotropic(&c.process);
    let memory = particles * (steps + 1.0) * F64;
    let per_particle = d * cost::COORD + if iso { 0.0 } else { 2.0 * d * d * cost::GEMM_MAC };
    let transition = if iso { cost::BUILD_ISOTROPIC } else { cost::NEW_STEP_EXPONENTIAL } * cost::CUBE * d * d * d;
    Ok(build.plus(Estimate::serial(memory, particles * steps * per_particle + transition)))
}

fn drift(c: &DriftConfig) -> Result<Estimate> {
    let build = process(&c.process)?;
    let points = check_count("points", c.points, 2, crate::relaxation::MAX_CURVE_POINTS)? as f64;
    let d = c.process.d as f64;
    // Per curve point one d × d product along the grid, the Gram matrix and its eigenvalues, with an exponential
    // every 16 points (`OuProcess::propagator_norm_curve`).
    Ok(build.plus(Estimate::serial(points * 2.0 * F64, points * cost::NORM_POINT * d * d * d)))
}

/// Memory and work of the scenario's data model (means and covariances; the manifold's embedding).
fn data(s: &ScenarioConfig) -> Result<Estimate> {
    let d = s.process.d as f64;
    let classes = match &s.data {
        DataConfig::TwoClass(_) | DataConfig::Manifold(_) => 2.0,
        DataConfig::KClass(k) => check_count("data.k", k.k, 2, crate::config::data::MAX_CLASSES)? as f64,
    };
    Ok(Estimate::serial((classes + 4.0) * d * d * F64, classes * cost::CUBE * d * d * d))
}

/// Seconds of GVM's GLM replica formula for the manifold t_C (a d-independent fixed-point and root search over
/// Gauss–Hermite integrals), measured natively (tanh ~1 s, relu ~0.1 s, sign ~0.03 s) and scaled by 1.5 for a
/// Worker; the linear (identity) case is a closed form.
fn glm(s: &ScenarioConfig) -> f64 {
    use crate::data::manifold::{Activation, Embedding};
    match &s.data {
        DataConfig::Manifold(m) if m.embedding == Embedding::Gaussian && isotropic(&s.process) => match m.phi {
            Activation::Tanh => 1.5,
            Activation::Relu => 0.15,
            Activation::Sign => 0.05,
            Activation::Identity => 0.0,
        },
        _ => 0.0,
    }
}

fn theory(s: &ScenarioConfig, scan_points: usize, curve_points: usize) -> Result<Estimate> {
    let build = process(&s.process)?.plus(data(s)?).plus(Estimate::serial(0.0, glm(s)));
    check_count("n", s.n, 2, crate::config::scenario::MAX_N)?;
    let scan =
        check_count("scan points", scan_points, crate::theory::grid::MIN_POINTS, crate::theory::grid::MAX_POINTS)?;
    let curve =
        check_count("curve_points", curve_points, crate::theory::grid::MIN_POINTS, crate::theory::grid::MAX_POINTS)?;
    Ok(build.plus(theory_points(s.process.d as f64, (scan + curve) as f64)))
}

/// The theory's time points: each factors Γ_t (d³/3) and solves with it, the moments coming from the drift's modal
/// form in O(d²); root refinement adds about 60 evaluations per bracket, budgeted as 200 points. Measured in a Worker
/// at d = 64: 14.3 ms for the benchmark's evaluation (this count: 17 ms); natively at d = 256: 0.47 s (U = I) and
/// 0.72 s (Q_opt) for 800 points (this count at the Worker's speed: 1.1 s).
pub(crate) fn theory_points(d: f64, points: f64) -> Estimate {
    let points = points + 200.0;
    Estimate::serial(points * 4.0 * F64 + 8.0 * d * d * F64, points * cost::THEORY_POINT * d * d * d)
}

fn sweep(c: &SweepConfig) -> Result<Estimate> {
    check_count("values (number of sweep points)", c.values.len(), 1, crate::config::theory::MAX_SWEEP_POINTS)?;
    let mut total = Estimate::serial(0.0, 0.0);
    for &v in &c.values {
        // A value that does not apply is a per-value message of the sweep, costing nothing.
        if let Ok(s) = c.scenario_at(v) {
            total = total.plus(theory(&s, c.scan.points, crate::theory::grid::MIN_POINTS)?);
        }
    }
    Ok(total)
}

fn generate(c: &GenerateConfig) -> Result<Estimate> {
    let s = &c.scenario;
    let build = process(&s.process)?.plus(data(s)?);
    let d = s.process.d as f64;
    let particles = check_count("sampler.particles", c.sampler.particles, 1, crate::config::generate::MAX_PARTICLES)?;
    check_count("sampler.grid.steps", c.sampler.grid.steps, 1, crate::sampler::grid::MAX_STEPS)?;
    let np = particles as f64;
    let n = check_count("n", s.n, 2, crate::config::scenario::MAX_N)? as f64;
    let grid = TimeGrid::from_spec(&c.sampler.grid)?;
    let steps = grid.steps() as f64;
    let iso = isotropic(&s.process);
    // The white two-class step (`Generator::whiten`): the exponential SDE step on a uniform grid, whatever the
    // particle count.
    let white = crate::sampler::whitened::applies(c.sampler.integrator, &grid);
    let step = StepKind::of(s, c.sampler.score, white, np);
    // Positions, noise, score and scratch buffers, and the white coordinates of the general-U two-class step
    // (five particles × d arrays), one random stream per particle, and for a general U the step coefficients and the
    // score's per-time matrices.
    let mut memory = 5.0 * np * d * F64 + 32.0 * np + if iso { 0.0 } else { 24.0 * d * d * F64 };
    if let StepKind::Empirical { .. } = step {
        // The training set, its whitened copy, the logits of one tile.
        memory += 2.0 * n * d * F64 + np * F64;
    }
    let mut split = steps * np * step.particle_step(d, iso);
    let serial = steps * step.preparation(d, iso)
        + new_step_sizes(&grid, c.sampler.integrator, d, iso)
        + bias_prediction(s, c.sampler.score, &grid, c.sampler.integrator);
    if let Some(plan) = &c.snapshots {
        let recorded = plan.particles.as_ref().map_or(np, |p| p.len() as f64);
        let width = match &plan.projection {
            Projection::Full => d,
            Projection::Coordinates(cs) => cs.len() as f64,
            Projection::Directions(vs) => vs.len() as f64,
        };
        let values = plan.times.len() as f64 * recorded * width;
        memory += values * F64;
        split += values * d * cost::GEMM_MAC;
    }
    Ok(build.plus(Estimate::new(memory, serial + split, split)))
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
        // for 10⁶ steps is ~10²¹ flops, decades in one Worker.
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
        let msg = e.check().unwrap_err().to_string();
        assert!(
            msg.contains("days in one Worker") && msg.contains("17 min in one Worker on the reference machine"),
            "{msg}"
        );
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(duration(42.4), "42 s");
        assert_eq!(duration(1000.0), "17 min");
        assert_eq!(duration(7200.0), "2 h");
        assert_eq!(duration(86400.0 * 30.0), "30 days");
        assert_eq!(duration(86400.0 * 3e7), "3.0e7 days");
        assert_eq!(duration(f64::INFINITY), "an unbounded time");
    }

    /// A two-class run with Q_opt at d = 64 (the page's Trajectories view), `particles` × `steps`.
    fn qopt(particles: usize, integrator: &str, grid: &str) -> GenerateConfig {
        from_json(&format!(
            r#"{{"scenario": {{"process": {{"d": 64, "precision": {{"kind": "log_spaced", "kappa": 100}},
                "drift": {{"design": "optimal"}}}}}},
                "sampler": {{"integrator": "{integrator}", "grid": {{"t_max": 5, "t_min": 0.01, "steps": 1000,
                "kind": "{grid}"}}, "particles": {particles}}}, "seed": 1}}"#
        ))
        .unwrap()
    }

    #[test]
    fn the_estimate_follows_the_path_the_run_takes() {
        let e = |c: &GenerateConfig| estimate(RunConfig::Generate(c)).unwrap();
        // 2000 particles: the white step (one product per particle) is cheaper than Euler–Maruyama's plain one (two).
        let white = e(&qopt(2000, "exponential", "uniform"));
        let plain = e(&qopt(2000, "euler_maruyama", "uniform"));
        assert!(white.seconds < 0.7 * plain.seconds, "{white:?} {plain:?}");
        // Measured in one Worker: 0.94 s for 2000 × 1000 at d = 64 (the estimate is meant to be within a factor of two).
        assert!((0.47..1.9).contains(&white.seconds), "{white:?}");
        // The per-particle work divides among a pool; building Q_opt and the per-step preparation do not.
        assert!(white.split_seconds > 0.5 * white.seconds && white.split_seconds < white.seconds, "{white:?}");
        // A few particles take the white step too: its preparation is below the plain step's (natively at d = 64,
        // 2000 steps with 8 particles: 0.155 s against 0.268 s).
        let few = |integrator| e(&qopt(8, integrator, "uniform")).seconds;
        assert!(few("exponential") < 0.8 * few("euler_maruyama"));
        // A refined grid needs new exponential-integrator coefficients for each step below t = 1.
        let refined = e(&qopt(2000, "exponential", "refined"));
        assert!(refined.seconds - refined.split_seconds > 5.0 * (plain.seconds - plain.split_seconds), "{refined:?}");
    }

    /// Within the matrix recursion's limit the step-size bias prediction is counted: 8 particles × 400 uniform steps
    /// with Q_opt at d = 64 (measured natively: the prediction ~50 ms, the run's own per-step preparation ~30 ms)
    /// is estimated above the same run with 401 steps, past the limit, where no prediction is made.
    #[test]
    fn the_step_size_bias_prediction_is_counted_within_its_limit() {
        let e = |steps: usize| {
            let mut c = qopt(8, "exponential", "uniform");
            c.sampler.grid.steps = steps;
            estimate(RunConfig::Generate(&c)).unwrap().seconds
        };
        let predicted = cost::BIAS_PREDICTION * cost::CUBE * 64f64.powi(3) * 400.0;
        assert!(e(400) > e(401) + 0.9 * predicted, "{} {} {predicted}", e(400), e(401));
        assert!(e(400) < 2.0 * e(401) + predicted, "{} {}", e(400), e(401));
    }

    #[test]
    fn size_parameters_are_parameter_errors_before_any_arithmetic() {
        let cfg: DriftConfig = from_json(r#"{"process": {"d": 18446744073709551615}}"#).unwrap();
        let e = estimate(RunConfig::Drift(&cfg)).unwrap_err();
        assert!(e.to_string().contains("invalid d"), "{e}");
    }

    #[test]
    fn memory_budget_is_named() {
        let e = Estimate::new(2.0 * MEMORY_LIMIT_BYTES, 1.0, 0.0);
        let msg = e.check().unwrap_err().to_string();
        assert!(msg.contains("memory budget of 1024 MiB") && msg.contains("2048 MiB"), "{msg}");
    }
}
