//! Config of a relaxation report: `regimes drift` and the page's Relaxation view.

use serde::{Deserialize, Serialize};

use super::{check_schema, default_schema, ProcessConfig};
use crate::budget::{self, RunConfig};
use crate::error::Result;
use crate::relaxation::{self, RelaxationReport};

/// A relaxation report request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftConfig {
    /// Schema version.
    #[serde(default = "default_schema")]
    pub schema: u32,
    /// The forward process (U and the drift design).
    pub process: ProcessConfig,
    /// End of the ‖E_t‖₂ curve.
    #[serde(default = "default_t_max")]
    pub t_max: f64,
    /// Number of points of the curve.
    #[serde(default = "default_points")]
    pub points: usize,
}

fn default_t_max() -> f64 {
    5.0
}

fn default_points() -> usize {
    200
}

impl DriftConfig {
    /// Validates and computes the report.
    ///
    /// # Errors
    /// Any parameter error of the schema, the process or [`relaxation::report`]; [`crate::error::Error::Budget`] for
    /// a run over the budgets of [`crate::budget`] (checked before anything is built).
    pub fn run(&self) -> Result<RelaxationReport> {
        check_schema(self.schema)?;
        budget::estimate(RunConfig::Drift(self))?.check()?;
        relaxation::report(&self.process.build()?, self.t_max, self.points)
    }
}
