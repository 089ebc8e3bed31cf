//! Boundary of the relaxation view: the spectrum of A, the gap and the ‖E_t‖₂ curve, as JSON (small); drawing on a
//! canvas and the SVG export.

use wasm_bindgen::prelude::*;

use super::{canvas_backend, js_err, style};
use crate::config::{from_json, to_json, DriftConfig};
use crate::plot::relaxation::GapSweep;
use crate::relaxation::RelaxationReport;

/// Computes a relaxation report (JSON of [`DriftConfig`] in, JSON of `RelaxationReport` out).
///
/// # Errors
/// A `JsError` with the core's message for invalid JSON or parameters.
#[wasm_bindgen]
pub fn relaxation_report(config_json: &str) -> Result<String, JsError> {
    let cfg: DriftConfig = from_json(config_json).map_err(js_err)?;
    cfg.run().map(|r| to_json(&r)).map_err(js_err)
}

/// The Relaxation view's gap curve: built once from a `ProcessConfig` (JSON) whose drift names the family (scaled,
/// plane or random), then one gap per strength ([`crate::relaxation::GapCurve`]), so the Worker reports progress.
#[wasm_bindgen]
pub struct GapCurve(crate::relaxation::GapCurve);

#[wasm_bindgen]
impl GapCurve {
    /// # Errors
    /// A `JsError` with the core's message for invalid JSON, parameters, or a design without a strength.
    #[wasm_bindgen(constructor)]
    pub fn new(process_json: &str) -> Result<GapCurve, JsError> {
        let process: crate::config::ProcessConfig = from_json(process_json).map_err(js_err)?;
        crate::relaxation::GapCurve::new(&process).map(GapCurve).map_err(js_err)
    }

    /// The spectral gap min Re λ(A) at strength `s`.
    ///
    /// # Errors
    /// A `JsError` naming the strength and its range.
    pub fn gap(&self, s: f64) -> Result<f64, JsError> {
        self.0.gap(s).map_err(js_err)
    }
}

fn parse(report_json: &str, sweep_json: &str) -> Result<(RelaxationReport, GapSweep), JsError> {
    let report: RelaxationReport = from_json(report_json).map_err(js_err)?;
    let sweep: GapSweep = from_json(sweep_json).map_err(js_err)?;
    Ok((report, sweep))
}

/// Draws the Relaxation view on a canvas: `report_json` is what [`relaxation_report`] returned, `sweep_json` a
/// [`GapSweep`] (`{parameter, strengths, gaps, current}`) the page assembled from several reports.
///
/// # Errors
/// A `JsError` for malformed JSON, inconsistent arrays, an unknown theme, or a canvas without a 2D context.
#[wasm_bindgen]
pub fn draw_relaxation(
    canvas: web_sys::HtmlCanvasElement,
    report_json: &str,
    sweep_json: &str,
    theme: &str,
    pixel_ratio: f64,
) -> Result<(), JsError> {
    let (report, sweep) = parse(report_json, sweep_json)?;
    let style = style(theme, pixel_ratio)?;
    crate::plot::relaxation::draw(canvas_backend(canvas)?, &report, &sweep, style).map_err(js_err)
}

/// The same drawing as an SVG string of `width`×`height` CSS pixels (the export path).
///
/// # Errors
/// As [`draw_relaxation`].
#[wasm_bindgen]
pub fn svg_relaxation(
    report_json: &str,
    sweep_json: &str,
    theme: &str,
    width: u32,
    height: u32,
) -> Result<String, JsError> {
    let (report, sweep) = parse(report_json, sweep_json)?;
    let style = style(theme, 1.0)?;
    super::backend::to_svg(width.clamp(100, 8000), height.clamp(100, 8000), |root| {
        crate::plot::relaxation::draw(root, &report, &sweep, style)
    })
    .map_err(js_err)
}
