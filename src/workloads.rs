//! The benchmark workloads W1–W4 as pure library functions (set up, then run steps; no timing here), so the native
//! benches and the browser run identical code. They match the NumPy peer (`peer_numpy.py`): same sizes, uniform grids
//! from T down to 0 with the score evaluated at t = k h, and a stationary start.
//!
//! | id | score | d | n | particles | steps | T | integrator |
//! | --- | --- | --- | --- | --- | --- | --- | --- |
//! | W1 | analytic two-class, U = I (Biroli: μ = ones, σ = 1) | 1024 | – | 1000 | 200 | 10 | Euler–Maruyama |
//! | W2 | empirical, U = I, two-class data (μ = ones, σ = 1) | 64 | 1000 | 1000 | 100 | 5 | Euler–Maruyama |
//! | W3 | empirical, U = I, two-class data | 256 | 4000 | 500 | 50 | 5 | Euler–Maruyama |
//! | W4 | analytic two-class, U = log_spaced(64, 100), Q = Q_opt, μ = √d e_f, C₀ = I | 64 | – | 1000 | 1000 | 10 | exponential |
//!
//! | C | cloning (Biroli 2024): analytic two-class, U = I, μ = ones, σ = 1; fork at t = ½ ln d, clones continue | 256 | – | 1000 pairs | 500 | 10 | Euler–Maruyama |
//!
//! W4 uses the exponential integrator because ‖A‖₂ ≈ 70 there: Euler needs h ≤ 0.1/‖A‖₂ ≈ 1.4·10⁻³.
//!
//! Every workload can run a range of its particles ([`Workload::setup_range`]): particle p of the range is global
//! particle `first + p` with the noise stream of that index, and the kernels treat particles independently, so the
//! ranges of a split, concatenated in order, are bit-identical to the whole run (what the Worker pool and the
//! native threads of the benchmark rely on). [`theory_input`] is the theory benchmark's input.

use serde::{Deserialize, Serialize};

use crate::data::mixture::{MeanDirection, Mixture};
use crate::drift::{optimal, Weights};
use crate::error::Result;
use crate::precision::Precision;
use crate::process::OuProcess;
use crate::sampler::generate::{BatchState, Generator, Progress, Start};
use crate::sampler::grid::TimeGrid;
use crate::sampler::integrator::Integrator;
use crate::score::empirical::EmpiricalScore;
use crate::score::mixture::MixtureScore;

/// A benchmark workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkloadId {
    /// Analytic two-class score, U = I, d = 1024.
    W1,
    /// Empirical score, d = 64, n = 1000.
    W2,
    /// Empirical score, d = 256, n = 4000.
    W3,
    /// Analytic two-class score, anisotropic U with the optimal Q, exponential integrator.
    W4,
    /// Biroli's cloning experiment at d = 256: particles forked at t = ½ ln d, both copies run to the end.
    Cloning,
}

impl WorkloadId {
    /// All workloads in order.
    pub const ALL: [WorkloadId; 5] =
        [WorkloadId::W1, WorkloadId::W2, WorkloadId::W3, WorkloadId::W4, WorkloadId::Cloning];

    /// The id named `name` ("W1" … "W4", "Cloning").
    pub fn from_name(name: &str) -> Option<WorkloadId> {
        WorkloadId::ALL.into_iter().find(|id| format!("{id:?}").eq_ignore_ascii_case(name))
    }

    /// Particles of the whole workload (pairs for the cloning workload).
    pub fn particles(self) -> usize {
        match self {
            WorkloadId::W1 | WorkloadId::W2 | WorkloadId::W4 | WorkloadId::Cloning => 1000,
            WorkloadId::W3 => 500,
        }
    }

    /// Floating-point operations per step of `particles` particles in the dominant kernels, where the count is clear:
    /// the empirical score's two products (logits and weighted sum, 2·2·n·d each particle) and W4's whitened step
    /// (one d×d product per particle, G z, 2·d² flops, `sampler::whitened`; the NumPy peer computes two per particle,
    /// x Γ⁻¹ and x Aᵀ). The O(d³) per-step preparation is not counted. `None` for the
    /// O(d)-per-particle workloads, whose cost is variate generation and memory traffic rather than flops.
    pub fn flops_per_step(self, particles: usize) -> Option<f64> {
        let p = particles as f64;
        match self {
            WorkloadId::W2 => Some(4.0 * 1000.0 * 64.0 * p),
            WorkloadId::W3 => Some(4.0 * 4000.0 * 256.0 * p),
            WorkloadId::W4 => Some(2.0 * 64.0 * 64.0 * p),
            WorkloadId::W1 | WorkloadId::Cloning => None,
        }
    }
}

/// The theory benchmark's input (issue: theory): d = 64, U log-spaced with κ = 100, Q = Q_opt (LNP, λ_k = k),
/// μ = √d along the fastest eigenvector, C₀ = I, n = 20000; evaluated with default options.
///
/// # Errors
/// None in practice (fixed valid parameters).
pub fn theory_input() -> Result<crate::theory::sweep::TheoryInput> {
    let d = 64;
    let p = Precision::log_spaced(d, 100.0, None)?;
    let q = optimal(&p, &Weights::Linear)?;
    let mu = p.fastest() * (d as f64).sqrt();
    let process = OuProcess::new(p, q)?;
    crate::theory::sweep::TheoryInput::two_class(process, &mu, &nalgebra::DMatrix::identity(d, d), 20000)
}

/// The generator of a workload: analytic or empirical score.
#[derive(Clone, Debug)]
pub enum WorkloadGenerator {
    /// Exact mixture score.
    Analytic(Generator<MixtureScore>),
    /// Exact empirical score.
    Empirical(Generator<EmpiricalScore>),
}

/// A workload ready to run: its generator and its particles at t = T.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Which workload.
    pub id: WorkloadId,
    generator: WorkloadGenerator,
    state: BatchState,
    /// Cloning workload: the grid index of the fork, and the clones once forked.
    fork: Option<usize>,
    clones: Option<BatchState>,
}

/// Seed of the workloads' data and noise (any fixed value: the workloads measure speed).
const WORKLOAD_SEED: u64 = 2024;

impl Workload {
    /// Builds the workload of the table in the module docs (data drawn, score prepared, particles started).
    ///
    /// ```
    /// use diffusion_regimes::workloads::{Workload, WorkloadId};
    /// let w = Workload::setup(WorkloadId::W2).unwrap();
    /// assert_eq!((w.steps(), w.state().n_particles(), w.state().dim()), (100, 1000, 64));
    /// ```
    ///
    /// # Errors
    /// None in practice (all parameters are fixed and valid); errors of the constructors are passed on.
    pub fn setup(id: WorkloadId) -> Result<Self> {
        Self::setup_range(id, 0, id.particles())
    }

    /// As [`Workload::setup`] for the particles `first .. first + count` of the workload only (see the module docs:
    /// ranges of a split are bit-identical to the whole run).
    ///
    /// # Errors
    /// [`crate::error::Error::Param`] for an empty range or one beyond the workload's particles.
    pub fn setup_range(id: WorkloadId, first: usize, count: usize) -> Result<Self> {
        let total = id.particles();
        if count == 0 || first + count > total {
            return Err(crate::error::Error::param(
                "particle range",
                format!("{first}..{}", first + count),
                format!("a non-empty range within 0..{total}"),
            ));
        }
        let d = match id {
            WorkloadId::W1 => 1024,
            WorkloadId::W2 | WorkloadId::W4 => 64,
            WorkloadId::W3 | WorkloadId::Cloning => 256,
        };
        let biroli = || -> Result<(OuProcess, Mixture)> {
            let process = OuProcess::reversible(Precision::scaled_identity(d, 1.0)?);
            Ok((process, Mixture::two_class_isotropic(d, 1.0, 1.0, MeanDirection::Ones, None)?))
        };
        let mut fork = None;
        let mut generator = match id {
            WorkloadId::W1 | WorkloadId::Cloning => {
                let (process, data) = biroli()?;
                let grid = if id == WorkloadId::W1 {
                    TimeGrid::uniform(10.0, 0.0, 200)?
                } else {
                    let g = TimeGrid::uniform(10.0, 0.0, 500)?;
                    // Speciation time of Biroli et al. (2024) for U = I: t_S = ½ ln d.
                    fork = Some(g.stop_index(0.5 * (d as f64).ln()));
                    g
                };
                let score = MixtureScore::new(&process, &data)?;
                WorkloadGenerator::Analytic(Generator::new(&process, score, grid, Integrator::EulerMaruyama)?)
            }
            WorkloadId::W2 | WorkloadId::W3 => {
                let (process, data) = biroli()?;
                let (n, steps) = if id == WorkloadId::W2 { (1000, 100) } else { (4000, 50) };
                let ts = data.sample(n, WORKLOAD_SEED)?;
                let grid = TimeGrid::uniform(5.0, 0.0, steps)?;
                let score = EmpiricalScore::new(&process, &ts)?;
                WorkloadGenerator::Empirical(Generator::new(&process, score, grid, Integrator::EulerMaruyama)?)
            }
            WorkloadId::W4 => {
                let u = Precision::log_spaced(d, 100.0, None)?;
                let q = optimal(&u, &Weights::Linear)?;
                let process = OuProcess::new(u, q)?;
                let data =
                    Mixture::two_class_isotropic(d, 1.0, 1.0, MeanDirection::Fastest, Some(process.precision()))?;
                let grid = TimeGrid::uniform(10.0, 0.0, 1000)?;
                let score = MixtureScore::new(&process, &data)?;
                let mut g = Generator::new(&process, score, grid, Integrator::Exponential)?;
                g.whiten();
                WorkloadGenerator::Analytic(g)
            }
        };
        let state = match &mut generator {
            WorkloadGenerator::Analytic(g) => g.start(count, first as u64, WORKLOAD_SEED, Start::Stationary, None)?,
            WorkloadGenerator::Empirical(g) => g.start(count, first as u64, WORKLOAD_SEED, Start::Stationary, None)?,
        };
        Ok(Workload { id, generator, state, fork, clones: None })
    }

    /// Total steps of the workload's grid.
    pub fn steps(&self) -> usize {
        match &self.generator {
            WorkloadGenerator::Analytic(g) => g.grid().steps(),
            WorkloadGenerator::Empirical(g) => g.grid().steps(),
        }
    }

    /// The particles.
    pub fn state(&self) -> &BatchState {
        &self.state
    }

    /// The clones of the cloning workload, once forked.
    pub fn clones(&self) -> Option<&BatchState> {
        self.clones.as_ref()
    }

    /// Runs at most `n` further steps (for the cloning workload, a step advances the originals and, after the fork,
    /// the clones).
    ///
    /// # Errors
    /// As [`Generator::run_chunk`].
    pub fn run(&mut self, n: usize) -> Result<Progress> {
        let Some(fork) = self.fork else {
            return match &mut self.generator {
                WorkloadGenerator::Analytic(g) => g.run_chunk(&mut self.state, n, usize::MAX),
                WorkloadGenerator::Empirical(g) => g.run_chunk(&mut self.state, n, usize::MAX),
            };
        };
        let WorkloadGenerator::Analytic(g) = &mut self.generator else {
            unreachable!("the cloning workload has an analytic score")
        };
        let mut left = n;
        let mut progress = None;
        while left > 0 && self.state.step() < g.grid().steps() {
            if self.state.step() < fork {
                let before = self.state.step();
                progress = Some(g.run_chunk(&mut self.state, left, fork)?);
                left -= self.state.step() - before;
                continue;
            }
            if self.clones.is_none() {
                self.clones = Some(self.state.clone_with_noise(WORKLOAD_SEED));
            }
            let clones = self.clones.as_mut().expect("forked above");
            let before = self.state.step();
            progress = Some(g.run_chunk(&mut self.state, left, usize::MAX)?);
            g.run_chunk(clones, left, usize::MAX)?;
            left -= self.state.step() - before;
        }
        match progress {
            Some(p) => Ok(p),
            None => g.run_chunk(&mut self.state, 0, usize::MAX),
        }
    }
}
