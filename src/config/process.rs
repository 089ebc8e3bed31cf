//! Configs of the forward process: the precision U and the drift design Q.

use serde::{Deserialize, Serialize};

use crate::drift::Design;
use crate::error::{check_count, Result};
use crate::precision::{Precision, MAX_DIM};
use crate::process::OuProcess;

/// How U is built.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum PrecisionConfig {
    /// U = c·I (c = 1: Biroli's process).
    Identity {
        /// The scale c.
        #[serde(default = "one")]
        scale: f64,
    },
    /// U = diag(values).
    Diagonal {
        /// The eigenvalues, one per dimension.
        values: Vec<f64>,
    },
    /// Log-spaced eigenvalues with condition number κ and geometric mean 1, optionally in a seeded random basis.
    LogSpaced {
        /// κ = u_max / u_min.
        kappa: f64,
        /// Seed of a random orthogonal basis; absent: U is diagonal.
        #[serde(default)]
        basis_seed: Option<u64>,
    },
}

fn one() -> f64 {
    1.0
}

impl Default for PrecisionConfig {
    fn default() -> Self {
        PrecisionConfig::Identity { scale: 1.0 }
    }
}

/// The forward process: dimension, U and the drift design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessConfig {
    /// Data dimension d.
    pub d: usize,
    /// The precision U.
    #[serde(default)]
    pub precision: PrecisionConfig,
    /// The antisymmetric drift design.
    #[serde(default)]
    pub drift: Design,
}

impl ProcessConfig {
    /// Builds the validated precision U.
    ///
    /// # Errors
    /// [`crate::error::Error::Param`] for d outside [1, 4096] or invalid U parameters; `values` must have d entries.
    pub fn precision(&self) -> Result<Precision> {
        check_count("d", self.d, 1, MAX_DIM)?;
        match &self.precision {
            PrecisionConfig::Identity { scale } => Precision::scaled_identity(self.d, *scale),
            PrecisionConfig::Diagonal { values } => {
                if values.len() != self.d {
                    return Err(crate::error::Error::param(
                        "precision.values",
                        format!("{} values", values.len()),
                        format!("d = {} values", self.d),
                    ));
                }
                Precision::diagonal(values)
            }
            PrecisionConfig::LogSpaced { kappa, basis_seed } => Precision::log_spaced(self.d, *kappa, *basis_seed),
        }
    }

    /// Builds the validated process.
    ///
    /// # Errors
    /// As [`ProcessConfig::precision`] and [`Design::build`].
    pub fn build(&self) -> Result<OuProcess> {
        let u = self.precision()?;
        let q = self.drift.build(&u)?;
        OuProcess::new(u, q)
    }
}
