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
//! W4 uses the exponential integrator because ‖A‖₂ ≈ 70 there: Euler needs h ≤ 0.1/‖A‖₂ ≈ 1.4·10⁻³.

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
}

impl WorkloadId {
    /// All workloads in order.
    pub const ALL: [WorkloadId; 4] = [WorkloadId::W1, WorkloadId::W2, WorkloadId::W3, WorkloadId::W4];
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
        let (d, particles) = match id {
            WorkloadId::W1 => (1024, 1000),
            WorkloadId::W2 => (64, 1000),
            WorkloadId::W3 => (256, 500),
            WorkloadId::W4 => (64, 1000),
        };
        let biroli = || -> Result<(OuProcess, Mixture)> {
            let process = OuProcess::reversible(Precision::scaled_identity(d, 1.0)?);
            Ok((process, Mixture::two_class_isotropic(d, 1.0, 1.0, MeanDirection::Ones, None)?))
        };
        let mut generator = match id {
            WorkloadId::W1 => {
                let (process, data) = biroli()?;
                let grid = TimeGrid::uniform(10.0, 0.0, 200)?;
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
                WorkloadGenerator::Analytic(Generator::new(&process, score, grid, Integrator::Exponential)?)
            }
        };
        let state = match &mut generator {
            WorkloadGenerator::Analytic(g) => g.start(particles, 0, WORKLOAD_SEED, Start::Stationary, None)?,
            WorkloadGenerator::Empirical(g) => g.start(particles, 0, WORKLOAD_SEED, Start::Stationary, None)?,
        };
        Ok(Workload { id, generator, state })
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

    /// Runs at most `n` further steps.
    ///
    /// # Errors
    /// As [`Generator::run_chunk`].
    pub fn run(&mut self, n: usize) -> Result<Progress> {
        match &mut self.generator {
            WorkloadGenerator::Analytic(g) => g.run_chunk(&mut self.state, n, usize::MAX),
            WorkloadGenerator::Empirical(g) => g.run_chunk(&mut self.state, n, usize::MAX),
        }
    }
}
