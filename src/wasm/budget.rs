//! Boundary of the run budgets: the page shows the core's memory/time estimate of a run before it starts.

use wasm_bindgen::prelude::*;

use super::js_err;
use crate::budget::{estimate, RunConfig};
use crate::config::{from_json, to_json, DriftConfig, ForwardConfig, GenerateConfig, SweepConfig, TheoryConfig};

/// The estimate of a run (JSON `{memory_bytes, work_flops, seconds, large, within_budget}`) from its kind
/// ("forward" | "drift" | "theory" | "sweep" | "generate") and its config JSON.
///
/// # Errors
/// A `JsError` for an unknown kind, malformed JSON, or a size parameter outside its limit.
#[wasm_bindgen]
pub fn estimate_run(kind: &str, config_json: &str) -> Result<String, JsError> {
    let e = match kind {
        "forward" => estimate(RunConfig::Forward(&from_json::<ForwardConfig>(config_json).map_err(js_err)?)),
        "drift" => estimate(RunConfig::Drift(&from_json::<DriftConfig>(config_json).map_err(js_err)?)),
        "theory" => estimate(RunConfig::Theory(&from_json::<TheoryConfig>(config_json).map_err(js_err)?)),
        "sweep" => estimate(RunConfig::Sweep(&from_json::<SweepConfig>(config_json).map_err(js_err)?)),
        "generate" => estimate(RunConfig::Generate(&from_json::<GenerateConfig>(config_json).map_err(js_err)?)),
        other => {
            return Err(js_err(crate::error::Error::param(
                "kind",
                format!("{other:?}"),
                "forward, drift, theory, sweep or generate",
            )))
        }
    };
    e.map(|e| to_json(&e)).map_err(js_err)
}
