//! The wasm boundary: converts, validates and calls; it does no physics.
//!
//! Every export returns `Result<_, JsError>` so JavaScript receives a real `Error` with the core's message (which
//! names the parameter, the value and the allowed range). Large arrays cross as typed arrays (`Vec<f64>` becomes a
//! `Float64Array`), with the layouts documented on each getter. The page's module Workers run the computations
//! (`run_forward`, `theory_report`, `theory_sweep`, `relaxation_report`, `GenerationRun`, `MeasureJob`,
//! `merge_measure`); the main thread calls the `draw_*` functions (plotters-canvas needs a DOM canvas).

mod backend;
#[cfg(feature = "bench")]
mod bench;
mod budget;
mod forward;
mod generation;
mod measure;
mod relaxation;
mod theory;

#[cfg(feature = "bench")]
pub use bench::*;
pub use budget::*;
pub use forward::*;
pub use generation::*;
pub use measure::*;
pub use relaxation::*;
pub use theory::*;

use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::plot::{Style, Theme};

/// Installs the panic hook so a panic (a bug) reaches the console with its message; the page treats the Worker as
/// the crash boundary and restarts it.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The crate version, for the page's footer and exported files.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The config schema version.
#[wasm_bindgen]
pub fn schema_version() -> u32 {
    crate::config::SCHEMA_VERSION
}

/// A fresh seed below 2⁵³ from the platform's entropy source (`crypto.getRandomValues` through `getrandom`), for the
/// page's "New seed" button. The seed then goes into the URL like a typed one, so the run stays reproducible.
#[wasm_bindgen]
pub fn fresh_seed() -> Result<f64, JsError> {
    // Below 2⁵³, so the f64 is exact.
    crate::random::fresh_seed().map(|s| s as f64).map_err(js_err)
}

pub(crate) fn js_err(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// Parses the theme name and pixel ratio coming from the page.
pub(crate) fn style(theme: &str, pixel_ratio: f64) -> Result<Style, JsError> {
    let theme = Theme::from_name(theme)
        .ok_or_else(|| js_err(Error::param("theme", format!("{theme:?}"), "\"light\" or \"dark\"")))?;
    Ok(Style::new(theme, pixel_ratio))
}

/// The drawing area of a canvas (see [`backend`]: the same backend type as the SVG export).
pub(crate) fn canvas_backend(
    canvas: web_sys::HtmlCanvasElement,
) -> Result<plotters::drawing::DrawingArea<backend::AnyBackend<'static>, plotters::coord::Shift>, JsError> {
    backend::canvas_area(canvas).ok_or_else(|| JsError::new("the canvas has no 2D context"))
}
