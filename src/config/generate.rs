//! Config of a generation run: a scenario, a sampler, a seed. `regimes generate` and the page's Trajectories and
//! Particles views.

use serde::{Deserialize, Serialize};

use super::{check_schema, default_schema, Scenario, ScenarioConfig};
use crate::budget::{self, RunConfig};
use crate::error::{check_count, Error, Result};
use crate::sampler::generate::{SnapshotPlan, Start};
use crate::sampler::grid::GridSpec;
use crate::sampler::integrator::Integrator;

/// Largest number of generated particles of one run.
pub const MAX_PARTICLES: usize = 100_000;

/// Which score drives generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    /// The exact score of the data model (a mixture): generalizes.
    #[default]
    Analytic,
    /// The exact empirical score of n training points: memorizes.
    Empirical,
}

/// The sampler: score, integrator, time grid, particle count, start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplerConfig {
    /// The score.
    #[serde(default)]
    pub score: ScoreKind,
    /// The integrator.
    #[serde(default = "exponential")]
    pub integrator: Integrator,
    /// The time grid from T down to t_min.
    pub grid: GridSpec,
    /// Number of particles.
    pub particles: usize,
    /// Start from N(0, U⁻¹) or exactly from p_T.
    #[serde(default = "stationary")]
    pub start: Start,
}

fn exponential() -> Integrator {
    Integrator::Exponential
}

fn stationary() -> Start {
    Start::Stationary
}

impl SamplerConfig {
    /// Checks the particle count.
    ///
    /// # Errors
    /// [`Error::Param`] for particles outside [1, 100000].
    pub fn check(&self) -> Result<()> {
        check_count("sampler.particles", self.particles, 1, MAX_PARTICLES).map(|_| ())
    }
}

/// A generation run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateConfig {
    /// Schema version.
    #[serde(default = "default_schema")]
    pub schema: u32,
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// The sampler.
    pub sampler: SamplerConfig,
    /// Snapshots to record along the way (trajectories).
    #[serde(default)]
    pub snapshots: Option<SnapshotPlan>,
    /// Seed of every random stream of the run (training set, start, noise).
    pub seed: u64,
}

impl GenerateConfig {
    /// Validates the scenario and the sampler settings.
    ///
    /// # Errors
    /// Any parameter error; the analytic score needs a mixture model; [`Error::Budget`] for a run over the budgets of
    /// [`crate::budget`] (checked before anything is built).
    pub fn validate(&self) -> Result<Scenario> {
        check_schema(self.schema)?;
        self.sampler.check()?;
        budget::estimate(RunConfig::Generate(self))?.check()?;
        let scenario = self.scenario.build()?;
        if self.sampler.score == ScoreKind::Analytic && scenario.data.mixture().is_none() {
            return Err(Error::param(
                "sampler.score",
                "analytic",
                "\"empirical\" for a nonlinear manifold model (no exact score exists for it)",
            ));
        }
        if self.sampler.score == ScoreKind::Empirical && self.sampler.grid.t_min == 0.0 {
            // The run would end by evaluating the empirical score at t_min for the nearest training points, and the
            // score is not defined at t = 0 (Σ_0 = 0): refuse before the work rather than after it.
            return Err(Error::param(
                "sampler.grid.t_min",
                0,
                "t_min > 0 for the empirical score (SCIENCE.md §6: refine the grid towards a positive t_min)",
            ));
        }
        Ok(scenario)
    }
}
