//! A scenario: the forward process, the data model and the training-set size — everything the theory and the
//! simulations of one figure share.

use serde::{Deserialize, Serialize};

use super::{Data, DataConfig, ProcessConfig};
use crate::data::training_set::TrainingSet;
use crate::error::{check_count, Result};
use crate::process::OuProcess;

/// Largest training-set size (the empirical score's memory is n·d f64; see also the n·d budget of the data module).
pub const MAX_N: usize = 200_000;

/// What one figure is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioConfig {
    /// The forward process.
    pub process: ProcessConfig,
    /// The data model at time 0.
    #[serde(default)]
    pub data: DataConfig,
    /// Training-set size n (α = ln n / d): the collapse theory and the empirical score use it.
    #[serde(default = "default_n")]
    pub n: usize,
}

fn default_n() -> usize {
    1000
}

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The forward process.
    pub process: OuProcess,
    /// The data model.
    pub data: Data,
    /// Training-set size.
    pub n: usize,
}

impl ScenarioConfig {
    /// Validates.
    ///
    /// # Errors
    /// Any parameter error of the process or the data, or n outside [2, 200000].
    pub fn build(&self) -> Result<Scenario> {
        let process = self.process.build()?;
        let data = self.data.build(process.precision())?;
        check_count("n", self.n, 2, MAX_N)?;
        Ok(Scenario { process, data, n: self.n })
    }
}

impl Scenario {
    /// α = ln n / d.
    pub fn alpha(&self) -> f64 {
        (self.n as f64).ln() / self.process.dim() as f64
    }

    /// The training set of the scenario, drawn from `seed` (its points use `Purpose::Data` streams).
    ///
    /// # Errors
    /// As [`Data::training_set`].
    pub fn training_set(&self, seed: u64) -> Result<TrainingSet> {
        self.data.training_set(self.n, seed)
    }
}
