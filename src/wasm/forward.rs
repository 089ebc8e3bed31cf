//! Boundary of the noising view: run in the Worker, draw on the main thread, export SVG.

use wasm_bindgen::prelude::*;

use super::{canvas_backend, js_err, style};
use crate::config::{from_json, ForwardConfig};
use crate::noising::NoisingRun;

/// The result of a noising run, read through typed-array getters.
#[wasm_bindgen]
pub struct ForwardResult {
    inner: NoisingRun,
}

#[wasm_bindgen]
impl ForwardResult {
    /// Forward times (length T_n).
    pub fn times(&self) -> Vec<f64> {
        self.inner.times.clone()
    }
    /// Projections on the class axis, particle-major: `projections[p * T_n + k]`.
    pub fn projections(&self) -> Vec<f64> {
        self.inner.projections.clone()
    }
    /// Class of each particle, +1 or −1.
    pub fn labels(&self) -> Vec<i8> {
        self.inner.labels.clone()
    }
    /// Exact class-+1 mean of the projection at each time.
    pub fn band_mean(&self) -> Vec<f64> {
        self.inner.band_mean.clone()
    }
    /// Exact standard deviation of the projection at each time.
    pub fn band_sd(&self) -> Vec<f64> {
        self.inner.band_sd.clone()
    }
}

/// Runs a noising config (JSON of [`ForwardConfig`]).
///
/// # Errors
/// A `JsError` with the core's message for invalid JSON or parameters.
#[wasm_bindgen]
pub fn run_forward(config_json: &str) -> Result<ForwardResult, JsError> {
    let cfg: ForwardConfig = from_json(config_json).map_err(js_err)?;
    cfg.run().map(|inner| ForwardResult { inner }).map_err(js_err)
}

fn rebuild(
    times: Vec<f64>,
    projections: Vec<f64>,
    labels: Vec<i8>,
    band_mean: Vec<f64>,
    band_sd: Vec<f64>,
) -> Result<NoisingRun, JsError> {
    let n_t = times.len();
    if n_t < 2 || band_mean.len() != n_t || band_sd.len() != n_t || projections.len() != labels.len() * n_t {
        return Err(JsError::new("noising arrays have inconsistent lengths"));
    }
    Ok(NoisingRun { times, projections, labels, band_mean, band_sd })
}

/// Draws a noising run on a canvas. `theme` is "light" or "dark"; `pixel_ratio` is `devicePixelRatio`.
/// Returns the plotting area `[left, right, top, bottom, t_left, t_right]` (canvas pixels, forward times) for the
/// page's time cursor.
///
/// # Errors
/// A `JsError` for inconsistent arrays, an unknown theme, or a canvas without a 2D context.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)] // One typed array per field keeps the transfer zero-copy on the JS side.
pub fn draw_forward(
    canvas: web_sys::HtmlCanvasElement,
    times: Vec<f64>,
    projections: Vec<f64>,
    labels: Vec<i8>,
    band_mean: Vec<f64>,
    band_sd: Vec<f64>,
    theme: &str,
    pixel_ratio: f64,
) -> Result<Vec<f64>, JsError> {
    let run = rebuild(times, projections, labels, band_mean, band_sd)?;
    let style = style(theme, pixel_ratio)?;
    crate::plot::noising::draw(canvas_backend(canvas)?, &run, style).map(|f| f.to_array()).map_err(js_err)
}

/// The same drawing as an SVG string of `width`×`height` CSS pixels (the export path).
///
/// # Errors
/// As [`draw_forward`].
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)] // Mirrors draw_forward.
pub fn svg_forward(
    times: Vec<f64>,
    projections: Vec<f64>,
    labels: Vec<i8>,
    band_mean: Vec<f64>,
    band_sd: Vec<f64>,
    theme: &str,
    width: u32,
    height: u32,
) -> Result<String, JsError> {
    let run = rebuild(times, projections, labels, band_mean, band_sd)?;
    let style = style(theme, 1.0)?;
    super::backend::to_svg(width.clamp(100, 8000), height.clamp(100, 8000), |root| {
        crate::plot::noising::draw(root, &run, style).map(|_| ())
    })
    .map_err(js_err)
}
