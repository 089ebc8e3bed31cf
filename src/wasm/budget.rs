//! Boundary of the budgets: the page asks for a run's estimated memory and time before starting it, and shows them
//! for large runs (see `crate::budget`).

use wasm_bindgen::prelude::*;

use super::js_err;
use crate::budget::{estimate, RunConfig};
use crate::config::{from_json, DriftConfig, ForwardConfig, GenerateConfig, MeasureConfig, SweepConfig, TheoryConfig};
use crate::error::Error;

/// The estimate of a run: `kind` is `"forward"`, `"drift"`, `"theory"`, `"sweep"`, `"generate"` or `"measure"`,
/// `config_json` the run's config (a `MeasureConfig` for `"measure"`: `measure::budget::estimate_config`, an upper
/// bound for a measured sweep). Returns the JSON of `budget::Estimate`: `{memory_bytes, seconds, split_seconds, large,
/// within_budget}`, and `refusal`: the core's message refusing the run, or null when it is within the budgets.
///
/// # Errors
/// A `JsError` for an unknown kind, malformed JSON or a size parameter out of range.
#[wasm_bindgen]
pub fn estimate_run(kind: &str, config_json: &str) -> Result<String, JsError> {
    let e = match kind {
        "forward" => estimate(RunConfig::Forward(&from_json::<ForwardConfig>(config_json).map_err(js_err)?)),
        "drift" => estimate(RunConfig::Drift(&from_json::<DriftConfig>(config_json).map_err(js_err)?)),
        "theory" => estimate(RunConfig::Theory(&from_json::<TheoryConfig>(config_json).map_err(js_err)?)),
        "sweep" => estimate(RunConfig::Sweep(&from_json::<SweepConfig>(config_json).map_err(js_err)?)),
        "generate" => estimate(RunConfig::Generate(&from_json::<GenerateConfig>(config_json).map_err(js_err)?)),
        "measure" => crate::measure::budget::estimate_config(&from_json::<MeasureConfig>(config_json).map_err(js_err)?),
        _ => Err(Error::param("kind", format!("{kind:?}"), "forward, drift, theory, sweep, generate or measure")),
    };
    let e = e.map_err(js_err)?;
    // The message the core gives when it refuses the run (null within the budgets), so the page can say which
    // budget a run is over before it starts, in the words of the refusal.
    let mut value = serde_json::to_value(e).map_err(|err| JsError::new(&err.to_string()))?;
    value["refusal"] = e.check().err().map_or(serde_json::Value::Null, |err| err.to_string().into());
    Ok(value.to_string())
}
