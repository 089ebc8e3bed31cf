//! Batched reverse-time generation (SCIENCE.md §6) as a resumable, forkable computation.
//!
//! A [`Generator`] owns what is shared by all particles (the process, the score with its per-time data, the grid,
//! the integrator's coefficients and the work buffers); a [`BatchState`] owns the particles (particle-major
//! `x[p * d + k]`), one random stream per particle, the position on the grid and optional snapshots. Work is
//! chunkable: [`Generator::run_chunk`] runs at most a given number of steps and returns, so a browser Worker can report
//! progress and cancel between chunks, and the same generator can drive several states (an original and its clones).
//!
//! Invariants:
//! - Particle p of a run started with `first_index = f` draws from `stream(seed, Generation, f + p)` (its start and
//!   its noise), and the kernels compute each particle's row independently of the others, so splitting a batch into
//!   parts run separately gives bit-identical results.
//! - After warm-up (first step with a given batch size) the step loop allocates nothing whenever the per-time data are
//!   scalars (A = c·I with the Biroli or isotropic empirical score) or the grid is uniform and the score's per-time
//!   preparation is allocation-free. For a general U the two-class mixture score prepares in place (E_t from
//!   [`crate::process::PropagatorCache`]) and allocates nothing, except at t‖A‖₁ < 0.5 where Σ_t needs Van Loan's
//!   block form; the k-class and the general-U empirical scores still compute E_t and Σ_t through
//!   [`OuProcess::transition`] (a fixed number of d×d allocations per step, independent of the particles and of n).
//! - A score of the form −B x + tanh(gᵀx) g ([`Score::two_class_form`]) is folded into the integrator's linear
//!   coefficient ([`StepCoefficients::apply_two_class`]): one d×d product per particle per step instead of three.
//!   With a full noise matrix (general U, exponential integrator) on a uniform grid, in runs that allow it
//!   ([`Generator::whiten`]: generation runs and W4), the step runs in white coordinates z = N⁻¹ x ([`crate::sampler::whitened`]): one product instead of two. z stays
//!   in the state between chunks (x is refreshed from it at every chunk end and snapshot), so the numbers do not
//!   depend on the chunking.
//! - Forking ([`BatchState::clone_with_noise`]) copies the particles, the grid position and the snapshots taken so far,
//!   and gives the copy `stream(seed, Clone, f + p)`: identical pasts, independent futures (SCIENCE.md §9.1).

use serde::{Deserialize, Serialize};

use crate::error::{check_count, Error, Result};
use crate::isotropic::Isotropic;
use crate::kernels::dot;
use crate::process::OuProcess;
use crate::random::{stream, Purpose, Stream};
use crate::sampler::grid::TimeGrid;
use crate::sampler::integrator::{Coefficient, Integrator, StepCoefficients};
use crate::sampler::whitened::{KernelPrecision, Whitening};
use crate::score::mixture::rows_of;
use crate::score::Score;

/// Values per block of particles in the white step (32 KB of f64 per array: a block's state, noise and result
/// stay in the core's cache).
const WHITE_BLOCK_VALUES: usize = 4096;

/// Largest batch of particles.
pub const MAX_PARTICLES: usize = 1_000_000;

/// Largest particles × d of a batch: 2²⁴ f64 = 128 MiB per buffer, and the generator holds four such buffers.
pub const MAX_BATCH_ENTRIES: usize = 1 << 24;

/// Largest number of recorded snapshot values (2²⁴ f64 = 128 MiB).
pub const MAX_SNAPSHOT_ENTRIES: usize = 1 << 24;

/// A coordinate beyond this magnitude means the integration has diverged (an explicit step far too large for the
/// stiffness of A or of the score): every model the configs can build has coordinates below 10¹⁰ (data scale ≤ 10³·√d,
/// stationary spread ≤ √κ ≤ 10⁵), so 10³⁰ is many orders above any real value, yet far enough below overflow to catch
/// a blow-up before it becomes a finite but meaningless 10²⁵⁹ (issue 8 robustness tests).
pub const DIVERGED: f64 = 1e30;

/// Where generation starts at t = T.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// The stationary law N(0, U⁻¹), as in practice (an error of order e^{−g T}).
    Stationary,
    /// Exact samples of p_T (the propagated mixture, or a noised training point for the empirical score).
    Exact,
}

/// What a snapshot records of each selected particle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Projection {
    /// All d coordinates.
    Full,
    /// The listed coordinates.
    Coordinates(Vec<usize>),
    /// Projections v·x on the listed directions (each of length d), e.g. μ for the class signal.
    Directions(Vec<Vec<f64>>),
}

/// Which states to record during a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotPlan {
    /// Forward times; each is recorded at the nearest grid time.
    pub times: Vec<f64>,
    /// Indices (within the batch) of the recorded particles; `None` records all.
    pub particles: Option<Vec<usize>>,
    /// What to record of each particle.
    pub projection: Projection,
}

/// Recorded snapshots: `values[(s * particles.len() + j) * width + c]` is component c of selected particle j at
/// snapshot s.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshots {
    /// The grid times actually recorded, in plan order.
    pub times: Vec<f64>,
    /// Grid indices of the snapshots.
    pub grid_index: Vec<usize>,
    /// Recorded particles (indices within the batch).
    pub particles: Vec<usize>,
    /// Components per particle.
    pub width: usize,
    /// The values (NaN until recorded).
    pub values: Vec<f64>,
    projection: Projection,
}

impl Snapshots {
    fn record(&mut self, step: usize, x: &[f64], d: usize) {
        let (np, w) = (self.particles.len(), self.width);
        for (s, _) in self.grid_index.iter().enumerate().filter(|(_, &k)| k == step) {
            for (j, &p) in self.particles.iter().enumerate() {
                let xp = &x[p * d..(p + 1) * d];
                let out = &mut self.values[(s * np + j) * w..(s * np + j + 1) * w];
                match &self.projection {
                    Projection::Full => out.copy_from_slice(xp),
                    Projection::Coordinates(cs) => out.iter_mut().zip(cs).for_each(|(o, &c)| *o = xp[c]),
                    Projection::Directions(vs) => out.iter_mut().zip(vs).for_each(|(o, v)| *o = dot(v, xp)),
                }
            }
        }
    }
}

/// The particles of one run and where they are.
#[derive(Clone, Debug)]
pub struct BatchState {
    d: usize,
    x: Vec<f64>,
    streams: Vec<Stream>,
    first_index: u64,
    step: usize,
    snapshots: Option<Snapshots>,
    /// The particles in white coordinates z = N⁻¹ x ([`crate::sampler::whitened`]) with the fingerprint of the N they
    /// belong to, while the two-class step runs in them: kept across chunks, so the numbers do not depend on how a run
    /// is chunked (`x` is refreshed from z at every chunk end and snapshot). `None` otherwise.
    white: Option<(u64, Vec<f64>)>,
}

impl BatchState {
    /// Particle positions, particle-major `x[p * d + k]`.
    pub fn positions(&self) -> &[f64] {
        &self.x
    }

    /// Number of particles.
    pub fn n_particles(&self) -> usize {
        self.streams.len()
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Grid index of the current time (0 at T, K at t_min).
    pub fn step(&self) -> usize {
        self.step
    }

    /// Global index of particle 0 (its stream index).
    pub fn first_index(&self) -> u64 {
        self.first_index
    }

    /// Snapshots recorded so far.
    pub fn snapshots(&self) -> Option<&Snapshots> {
        self.snapshots.as_ref()
    }

    /// A copy with the same particles, grid position and snapshots, whose future noise comes from
    /// `stream(seed, Purpose::Clone, first_index + p)`: the fork of the cloning experiment (SCIENCE.md §9.1).
    pub fn clone_with_noise(&self, seed: u64) -> BatchState {
        let mut c = self.clone();
        c.streams =
            (0..self.n_particles()).map(|p| stream(seed, Purpose::Clone, self.first_index + p as u64)).collect();
        c
    }
}

/// Where a run is after a chunk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Grid index reached.
    pub step: usize,
    /// Total steps of the grid.
    pub steps: usize,
    /// Forward time reached.
    pub t: f64,
    /// Whether the requested stop was reached.
    pub done: bool,
}

/// Reverse-time generation driver for one score, grid and integrator.
#[derive(Clone, Debug)]
pub struct Generator<S: Score> {
    process: OuProcess,
    score: S,
    grid: TimeGrid,
    integrator: Integrator,
    coef: Option<StepCoefficients>,
    /// U^{−1/2}: x_T = U^{−1/2} z for the stationary start.
    start_factor: Coefficient,
    s_buf: Vec<f64>,
    z_buf: Vec<f64>,
    next_buf: Vec<f64>,
    /// Scratch of the fused two-class step: M = L − K B (d²) and K g (d).
    fused_m: Vec<f64>,
    fused_kg: Vec<f64>,
    /// N and N⁻¹ of the uniform step, for the two-class step in white coordinates ([`crate::sampler::whitened`]).
    whitening: Option<Whitening>,
    /// Whether the run allows white coordinates ([`Generator::whiten`]); off by default.
    white_run: bool,
    /// Whether the score has the two-class form the white step needs (known after its first attempt).
    white_score: Option<bool>,
    /// The arithmetic of the white step's product ([`Generator::set_white_precision`]); mixed by default.
    white_precision: KernelPrecision,
}

impl<S: Score> Generator<S> {
    /// A generator; coefficients of a uniform grid are computed here once.
    ///
    /// # Errors
    /// [`Error::Param`] when the score and the process have different dimensions; errors of
    /// [`StepCoefficients::new`].
    pub fn new(process: &OuProcess, score: S, grid: TimeGrid, integrator: Integrator) -> Result<Self> {
        if score.dim() != process.dim() {
            return Err(Error::param(
                "score dimension",
                score.dim(),
                format!("the process dimension {}", process.dim()),
            ));
        }
        let coef = match grid.uniform_step() {
            // The noise factor chosen so that the white step's propagator is Hessenberg, for the plain step too, so
            // both paths draw the same noise.
            Some(h) => Some(StepCoefficients::new(process, integrator, h)?.hessenberg_noise()),
            None => None,
        };
        let start_factor = match Isotropic::of(process) {
            Some(iso) => Coefficient::Scalar(1.0 / iso.c.sqrt()),
            None => Coefficient::Matrix(rows_of(&process.precision().power(-0.5))),
        };
        Ok(Generator {
            process: process.clone(),
            score,
            grid,
            integrator,
            coef,
            start_factor,
            s_buf: Vec::new(),
            z_buf: Vec::new(),
            next_buf: Vec::new(),
            fused_m: Vec::new(),
            fused_kg: Vec::new(),
            whitening: None,
            white_run: false,
            white_score: None,
            white_precision: KernelPrecision::default(),
        })
    }

    /// Lets the two-class step run in white coordinates ([`crate::sampler::whitened`]) where it applies (a general
    /// U, the exponential SDE step, a uniform grid). It is faster at every particle count: its O(d³) per step (the
    /// chain of W and one Cholesky factorization) is below the plain step's (E_t, Γ_t and Γ_t⁻¹), 1.6–1.8× natively
    /// from d = 32 on with 1 to 60 particles, and each particle then needs one product instead of two. (Up to 0.8.0
    /// only runs of at least d particles took it.) Call it for the whole run, before the first step: every particle
    /// range of a split run then takes the same path and the ranges concatenate bit for bit to the whole run (the
    /// Worker pool's invariant). Generation runs, the measurement tasks (from 0.9.0) and W4 call it; a generator
    /// without it keeps the plain step (the reference the tests compare the white step with).
    pub fn whiten(&mut self) {
        self.white_run = true;
    }

    /// The arithmetic of the white step's d × d product ([`crate::sampler::whitened`]): [`KernelPrecision::Mixed`]
    /// (f32 product, the default) or `Double` (all f64, the reference). A run's numbers depend on it, so set it before
    /// the first step (the pool's Workers and a rerun must use the same setting; later steps would use the new one).
    pub fn set_white_precision(&mut self, precision: KernelPrecision) {
        if precision != self.white_precision {
            self.white_precision = precision;
            self.whitening = None;
        }
    }

    /// The grid.
    pub fn grid(&self) -> &TimeGrid {
        &self.grid
    }

    /// The score.
    pub fn score(&self) -> &S {
        &self.score
    }

    /// The score, mutably (e.g. to evaluate nearest training points at the current time).
    pub fn score_mut(&mut self) -> &mut S {
        &mut self.score
    }

    /// The integrator.
    pub fn integrator(&self) -> Integrator {
        self.integrator
    }

    /// The Euler step warning of [`Integrator::step_warning`] for this grid.
    pub fn step_warning(&self) -> Option<String> {
        self.integrator.step_warning(&self.process, self.grid.max_step())
    }

    /// Starts `n_particles` particles at t = T. Particle p uses `stream(seed, Generation, first_index + p)`.
    ///
    /// # Errors
    /// [`Error::Param`] for a particle count outside [1, 10⁶], a snapshot plan naming a particle or coordinate out of
    /// range or a direction of the wrong length or with non-finite entries; [`Error::Budget`] for more than 2²⁴
    /// particle entries or snapshot values; errors of [`Score::sample_marginal`] for the exact start.
    pub fn start(
        &mut self,
        n_particles: usize,
        first_index: u64,
        seed: u64,
        start: Start,
        plan: Option<&SnapshotPlan>,
    ) -> Result<BatchState> {
        check_count("particles", n_particles, 1, MAX_PARTICLES)?;
        let d = self.process.dim();
        if n_particles.saturating_mul(d) > MAX_BATCH_ENTRIES {
            return Err(Error::Budget {
                budget: "memory".into(),
                needed: format!("{} particle entries ({n_particles} particles × d = {d})", n_particles * d),
                limit: format!("{MAX_BATCH_ENTRIES} entries"),
            });
        }
        let snapshots = plan.map(|p| self.plan_snapshots(p, n_particles)).transpose()?;
        let mut streams: Vec<Stream> =
            (0..n_particles).map(|p| stream(seed, Purpose::Generation, first_index + p as u64)).collect();
        let mut x = vec![0.0; n_particles * d];
        let t_max = self.grid.times()[0];
        match start {
            Start::Stationary => {
                let mut z = vec![0.0; n_particles * d];
                for (rng, row) in streams.iter_mut().zip(z.chunks_exact_mut(d)) {
                    rng.fill_normal(row);
                }
                self.start_factor.apply(&z, d, &mut x);
            }
            Start::Exact => self.score.sample_marginal(t_max, &mut streams, &mut x)?,
        }
        let mut state = BatchState { d, x, streams, first_index, step: 0, snapshots, white: None };
        if let Some(s) = state.snapshots.as_mut() {
            s.record(0, &state.x, d);
        }
        Ok(state)
    }

    fn plan_snapshots(&self, plan: &SnapshotPlan, n_particles: usize) -> Result<Snapshots> {
        let d = self.process.dim();
        for &t in &plan.times {
            crate::error::check_range("snapshot time", t, 0.0, f64::MAX)?;
        }
        let particles = plan.particles.clone().unwrap_or_else(|| (0..n_particles).collect());
        if let Some(&p) = particles.iter().find(|&&p| p >= n_particles) {
            return Err(Error::param("snapshot particle", p, format!("an index below {n_particles}")));
        }
        let width = match &plan.projection {
            Projection::Full => d,
            Projection::Coordinates(cs) => {
                if let Some(&c) = cs.iter().find(|&&c| c >= d) {
                    return Err(Error::param("snapshot coordinate", c, format!("an index below d = {d}")));
                }
                cs.len()
            }
            Projection::Directions(vs) => {
                if let Some(v) = vs.iter().find(|v| v.len() != d || v.iter().any(|x| !x.is_finite())) {
                    return Err(Error::param("snapshot direction", v.len(), format!("a finite vector of length {d}")));
                }
                vs.len()
            }
        };
        let total = plan.times.len().saturating_mul(particles.len()).saturating_mul(width);
        if total > MAX_SNAPSHOT_ENTRIES {
            return Err(Error::Budget {
                budget: "memory".into(),
                needed: format!("{total} snapshot values"),
                limit: format!("{MAX_SNAPSHOT_ENTRIES} values"),
            });
        }
        let grid_index: Vec<usize> = plan.times.iter().map(|&t| self.grid.nearest_index(t)).collect();
        Ok(Snapshots {
            times: grid_index.iter().map(|&k| self.grid.times()[k]).collect(),
            grid_index,
            particles,
            width,
            values: vec![f64::NAN; total],
            projection: plan.projection.clone(),
        })
    }

    /// Runs at most `max_steps` steps, stopping earlier at grid index `stop` (clamped to K). The resumable primitive.
    ///
    /// # Errors
    /// Errors of [`Score::prepare`]; [`Error::Numerical`] when a particle becomes non-finite (typically Euler with a
    /// step far beyond 0.1/‖A‖₂); [`Error::Param`] for a state of another dimension.
    pub fn run_chunk(&mut self, state: &mut BatchState, max_steps: usize, stop: usize) -> Result<Progress> {
        let d = self.process.dim();
        if state.d != d {
            return Err(Error::param("state dimension", state.d, format!("the generator dimension {d}")));
        }
        let stop = stop.min(self.grid.steps());
        let len = state.x.len();
        // Warm-up: the buffers grow to the batch size once; later chunks and steps reuse them.
        for b in [&mut self.s_buf, &mut self.z_buf, &mut self.next_buf] {
            b.resize(len, 0.0);
        }
        self.fused_m.resize(d * d, 0.0);
        self.fused_kg.resize(d, 0.0);
        let mut done = 0;
        // The two-class step in white coordinates (one d×d product per particle instead of two) on a uniform grid with
        // a full noise matrix, in runs that allow it ([`Generator::whiten`]). The choice depends
        // neither on the chunking nor on the particle range, and z stays in the state between chunks.
        let whitenable = self.white_run && crate::sampler::whitened::applies(self.integrator, &self.grid);
        let mut x_stale = false;
        while state.step < stop && done < max_steps {
            let k = state.step;
            let (t, h) = (self.grid.times()[k], self.grid.step_size(k));
            if self.coef.as_ref().map(|c| c.h) != Some(h) {
                self.coef = Some(StepCoefficients::new(&self.process, self.integrator, h)?);
            }
            let coef = self.coef.as_ref().expect("coefficients set above");
            // Until the score has shown it has no two-class form (then every step is plain).
            let white_ok = whitenable && self.white_score != Some(false);
            if white_ok && self.whitening.as_ref().map(|w| w.h) != Some(h) {
                let max_rate = self.process.drift_eigenvalues().iter().map(|z| z.re).fold(f64::NEG_INFINITY, f64::max);
                self.whitening = Whitening::of(coef, d, self.white_precision, max_rate);
            }
            let white = match self.whitening.as_mut() {
                Some(w) if white_ok => {
                    let ready = w.prepare(k, self.grid.times(), &mut self.score, d);
                    self.white_score = Some(ready.is_some());
                    ready.transpose()?.map(|()| w)
                }
                _ => None,
            };
            if let Some(w) = white {
                let z = match &mut state.white {
                    Some((id, z)) if *id == w.id() => z,
                    slot => {
                        let mut z = vec![0.0; len];
                        w.to_white(&state.x, d, &mut z);
                        &mut slot.insert((w.id(), z)).1
                    }
                };
                // Block by block of particles, so the block's rows of z and of the result stay in cache; each particle
                // draws the normals of the plain step, straight into its row of the result.
                let rows = WHITE_BLOCK_VALUES.div_ceil(d).next_multiple_of(4);
                for ((zb, nb), rngs) in
                    z.chunks(rows * d).zip(self.next_buf.chunks_mut(rows * d)).zip(state.streams.chunks_mut(rows))
                {
                    w.step(zb, rngs, d, nb);
                }
                std::mem::swap(z, &mut self.next_buf);
                state.step += 1;
                done += 1;
                x_stale = true;
                if let Some(s) = state.snapshots.as_mut() {
                    if s.grid_index.contains(&state.step) {
                        w.from_white(z, d, &mut state.x);
                        x_stale = false;
                        s.record(state.step, &state.x, d);
                    }
                }
                continue;
            }
            // The noise of this step (the white path above draws the same normals from the same streams).
            if self.integrator.is_stochastic() {
                for (rng, row) in state.streams.iter_mut().zip(self.z_buf.chunks_exact_mut(d)) {
                    rng.fill_normal(row);
                }
            }
            self.score.prepare(t)?;
            let fused = self.score.two_class_form().is_some();
            let coef = self.coef.as_ref().expect("coefficients set above");
            // A plain step: x must be current, and z no longer will be.
            if let Some((_, z)) = state.white.take() {
                if x_stale {
                    self.whitening.as_ref().expect("z came from this whitening").from_white(&z, d, &mut state.x);
                    x_stale = false;
                }
            }
            if !fused {
                self.score.evaluate(&state.x, &mut self.s_buf);
            }
            match self.score.two_class_form() {
                // S(x) = −B x + tanh(gᵀx) g: fold −B into the linear coefficient (one d×d product per particle).
                Some(form) => coef.apply_two_class(
                    &state.x,
                    form,
                    &self.z_buf,
                    d,
                    &mut self.fused_m,
                    &mut self.fused_kg,
                    &mut self.s_buf,
                    &mut self.next_buf,
                ),
                None => coef.apply(&state.x, &mut self.s_buf, &mut self.z_buf, d, &mut self.next_buf),
            }
            std::mem::swap(&mut state.x, &mut self.next_buf);
            state.step += 1;
            done += 1;
            if let Some(s) = state.snapshots.as_mut() {
                s.record(state.step, &state.x, d);
            }
        }
        if x_stale {
            let (w, (_, z)) =
                (self.whitening.as_ref(), state.white.as_ref().expect("x is stale only while z is current"));
            w.expect("z came from this whitening").from_white(z, d, &mut state.x);
        }
        if let Some(i) = state.x.iter().position(|v| !(v.is_finite() && v.abs() <= DIVERGED)) {
            return Err(Error::numerical(
                "generation",
                format!(
                    "particle {} diverged (a coordinate beyond {DIVERGED:e} or non-finite) by t = {} (step too \
                     large for the integrator?)",
                    i / d,
                    self.grid.times()[state.step]
                ),
            ));
        }
        Ok(Progress {
            step: state.step,
            steps: self.grid.steps(),
            t: self.grid.times()[state.step],
            done: state.step >= stop,
        })
    }

    /// Runs until the first grid time ≤ `t_stop` (the fork point of the cloning experiment).
    ///
    /// # Errors
    /// As [`Generator::run_chunk`].
    pub fn run_until(&mut self, state: &mut BatchState, t_stop: f64) -> Result<Progress> {
        let stop = self.grid.stop_index(t_stop);
        self.run_chunk(state, usize::MAX, stop)
    }

    /// Runs to the end of the grid (t_min).
    ///
    /// # Errors
    /// As [`Generator::run_chunk`].
    pub fn continue_to_end(&mut self, state: &mut BatchState) -> Result<Progress> {
        let stop = self.grid.steps();
        self.run_chunk(state, usize::MAX, stop)
    }

    /// Starts and runs a whole batch to t_min.
    ///
    /// # Errors
    /// As [`Generator::start`] and [`Generator::run_chunk`].
    pub fn generate(&mut self, n_particles: usize, first_index: u64, seed: u64, start: Start) -> Result<BatchState> {
        let mut state = self.start(n_particles, first_index, seed, start, None)?;
        self.continue_to_end(&mut state)?;
        Ok(state)
    }
}
