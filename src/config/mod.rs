//! The one parameter schema: serde types per run kind, shared by the worker protocol, the URL state, the CLI and the
//! tests, with a schema version; and the single place where raw input becomes a validated run.
//!
//! Split as in ripgrep: `*Config` types are what was parsed (any values); `validate()` turns one into a run type
//! whose construction guarantees the invariants (an SPD U, an antisymmetric Q, counts in range). Past that point the
//! core trusts its types.

pub mod data;
pub mod drift;
pub mod forward;
pub mod generate;
pub mod measure;
pub mod process;
pub mod scenario;
pub mod theory;

pub use data::{Data, DataConfig, KClassConfig, ManifoldConfig, TwoClassConfig};
pub use drift::DriftConfig;
pub use forward::ForwardConfig;
pub use generate::{GenerateConfig, SamplerConfig, ScoreKind};
pub use measure::{CloningMethod, Experiment, MeasureConfig, SweptParameter, SweptQuantity};
pub use process::{PrecisionConfig, ProcessConfig};
pub use scenario::{Scenario, ScenarioConfig};
pub use theory::{SweepConfig, SweepParameter, TheoryConfig};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The schema version every config carries; bumped when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// Checks the `schema` field of a config.
///
/// # Errors
/// [`Error::Param`] naming `schema` when it is not [`SCHEMA_VERSION`].
pub fn check_schema(schema: u32) -> Result<()> {
    if schema == SCHEMA_VERSION {
        Ok(())
    } else {
        Err(Error::param("schema", schema, format!("schema version {SCHEMA_VERSION}")))
    }
}

/// Parses a JSON config, turning serde's message into a parameter error.
///
/// # Errors
/// [`Error::Param`] naming `config` with serde's description (unknown or missing field, wrong type, line/column).
pub fn from_json<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| Error::param("config", "the given JSON", format!("a valid config: {e}")))
}

/// Serializes a result to JSON. Non-finite numbers never occur in results (they are errors before that point).
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("results serialize to JSON")
}

/// The default of every config's `schema` field, so hand-written configs may omit it.
pub fn default_schema() -> u32 {
    SCHEMA_VERSION
}
