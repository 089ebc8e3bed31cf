//! Boundary of the relaxation view: the spectrum of A, the gap and the ‖E_t‖₂ curve, as JSON (small).

use wasm_bindgen::prelude::*;

use super::js_err;
use crate::config::{from_json, to_json, DriftConfig};

/// Computes a relaxation report (JSON of [`DriftConfig`] in, JSON of `RelaxationReport` out).
///
/// # Errors
/// A `JsError` with the core's message for invalid JSON or parameters.
#[wasm_bindgen]
pub fn relaxation_report(config_json: &str) -> Result<String, JsError> {
    let cfg: DriftConfig = from_json(config_json).map_err(js_err)?;
    cfg.run().map(|r| to_json(&r)).map_err(js_err)
}
