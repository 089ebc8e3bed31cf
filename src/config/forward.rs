//! Config of a noising run (forward trajectories with the exact band): `regimes forward` and the page's first view.

use serde::{Deserialize, Serialize};

use super::{check_schema, default_schema, ProcessConfig, TwoClassConfig};
use crate::budget::{self, RunConfig};
use crate::error::Result;
use crate::noising::{self, NoisingRun};

/// A noising run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardConfig {
    /// Schema version (see [`super::SCHEMA_VERSION`]).
    #[serde(default = "default_schema")]
    pub schema: u32,
    /// The forward process.
    pub process: ProcessConfig,
    /// The two-class data.
    #[serde(default)]
    pub data: TwoClassConfig,
    /// Final forward time T.
    pub t_max: f64,
    /// Number of uniform steps.
    pub steps: usize,
    /// Number of trajectories.
    pub particles: usize,
    /// Seed of every random stream of the run.
    pub seed: u64,
}

impl ForwardConfig {
    /// Validates and runs.
    ///
    /// # Errors
    /// Any parameter error of the schema, the process, the data or [`noising::run`]; [`crate::error::Error::Budget`]
    /// for a run over the budgets of [`crate::budget`] (checked before anything is built).
    pub fn run(&self) -> Result<NoisingRun> {
        check_schema(self.schema)?;
        budget::estimate(RunConfig::Forward(self))?.check()?;
        let process = self.process.build()?;
        let mixture = self.data.mixture(process.precision())?;
        let mu = mixture.symmetric_two_class_mean().expect("a two-class config builds a symmetric two-class mixture");
        noising::run(&process, mu, mixture.cov(0), self.t_max, self.steps, self.particles, self.seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_json;

    #[test]
    fn parses_minimal_json_and_rejects_unknown_fields_and_versions() {
        let json = r#"{"process": {"d": 4}, "t_max": 2, "steps": 20, "particles": 6, "seed": 1}"#;
        let cfg: ForwardConfig = from_json(json).unwrap();
        assert_eq!(cfg.run().unwrap().times.len(), 21);
        let bad = r#"{"process": {"d": 4}, "t_max": 2, "steps": 20, "particles": 6, "seed": 1, "extra": 1}"#;
        assert!(from_json::<ForwardConfig>(bad).unwrap_err().to_string().contains("extra"));
        let v2 = r#"{"schema": 2, "process": {"d": 4}, "t_max": 2, "steps": 20, "particles": 6, "seed": 1}"#;
        let e = from_json::<ForwardConfig>(v2).unwrap().run().unwrap_err();
        assert!(e.to_string().contains("schema"), "{e}");
    }
}
