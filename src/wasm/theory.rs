//! Boundary of the theory views (Speciation, Collapse, Transition times) and the readout: one theory evaluation and
//! theory sweeps as JSON (small), the core's documented limits, and the drawings of those views.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{canvas_backend, js_err, style};
use crate::config::{from_json, to_json, DataConfig, PrecisionConfig, SweepConfig, TheoryConfig};
use crate::drift::Design;
use crate::plot::collapse::CollapseFigure;
use crate::plot::speciation::SpeciationFigure;
use crate::plot::transitions::TransitionsFigure;
use crate::theory::collapse::collapse_time_biroli;

/// What [`theory_report`] returns: the core's result, and Biroli's closed-form t_C when the scenario is exactly
/// Biroli's collapse setting (U = I, Q = 0, one Gaussian N(0, σ²I): two classes with m̃ = 0), for the readout to
/// show next to the computed t_C.
#[derive(Serialize)]
struct TheoryAnswer {
    result: crate::config::theory::TheoryResult,
    biroli_t_c: Option<f64>,
}

/// Evaluates the theory (JSON of [`TheoryConfig`] in; JSON `{result: TheoryResult, biroli_t_c}` out).
///
/// # Errors
/// A `JsError` with the core's message for invalid JSON or parameters.
#[wasm_bindgen]
pub fn theory_report(config_json: &str) -> Result<String, JsError> {
    let cfg: TheoryConfig = from_json(config_json).map_err(js_err)?;
    let result = cfg.run().map_err(js_err)?;
    let s = &cfg.scenario;
    let biroli = matches!(s.process.precision, PrecisionConfig::Identity { scale } if scale == 1.0)
        && s.process.drift == Design::None;
    let biroli_t_c = match &s.data {
        DataConfig::TwoClass(t) if biroli && t.m_tilde == 0.0 => {
            collapse_time_biroli(t.sigma * t.sigma, s.n, s.process.d).ok()
        }
        _ => None,
    };
    Ok(to_json(&TheoryAnswer { result, biroli_t_c }))
}

/// Runs a theory sweep (JSON of [`SweepConfig`] in, JSON of `SweepResult` out). The Worker splits long sweeps into
/// chunks of values so progress and cancel work.
///
/// # Errors
/// A `JsError` with the core's message for invalid JSON or parameters.
#[wasm_bindgen]
pub fn theory_sweep(config_json: &str) -> Result<String, JsError> {
    let cfg: SweepConfig = from_json(config_json).map_err(js_err)?;
    cfg.run().map(|r| to_json(&r)).map_err(js_err)
}

/// The core's documented limits, as JSON, so the page's controls refuse what the core would refuse with the same
/// numbers: `{max_dim, max_kappa, max_n, max_particles, max_steps, max_t, max_classes, max_scale, max_strength,
/// max_sweep_points, max_training_entries}`.
#[wasm_bindgen]
pub fn limits() -> String {
    serde_json::json!({
        "max_dim": crate::precision::MAX_DIM,
        "max_kappa": crate::precision::MAX_KAPPA,
        "max_n": crate::config::scenario::MAX_N,
        "max_particles": crate::config::generate::MAX_PARTICLES,
        "max_steps": crate::sampler::grid::MAX_STEPS,
        "max_t": crate::sampler::grid::MAX_T,
        "max_classes": crate::config::data::MAX_CLASSES,
        "max_scale": crate::data::mixture::MAX_SCALE,
        "max_strength": crate::drift::MAX_STRENGTH,
        "max_sweep_points": crate::config::theory::MAX_SWEEP_POINTS,
        "max_training_entries": crate::data::training_set::MAX_ENTRIES,
    })
    .to_string()
}

/// Draws a view from its figure JSON on a canvas, or as an SVG string: the four theory views share this shape.
macro_rules! figure_view {
    ($draw:ident, $svg:ident, $fig:ty, $module:ident, $frame:ty, $to_js:expr) => {
        /// Draws the view on a canvas from its figure JSON. `theme` is "light" or "dark"; `pixel_ratio` is
        /// `devicePixelRatio`.
        ///
        /// # Errors
        /// A `JsError` for malformed JSON, inconsistent arrays, an unknown theme, or a canvas without a 2D context.
        #[wasm_bindgen]
        pub fn $draw(
            canvas: web_sys::HtmlCanvasElement,
            figure_json: &str,
            theme: &str,
            pixel_ratio: f64,
        ) -> Result<$frame, JsError> {
            let fig: $fig = from_json(figure_json).map_err(js_err)?;
            let style = style(theme, pixel_ratio)?;
            crate::plot::$module::draw(canvas_backend(canvas)?, &fig, style).map($to_js).map_err(js_err)
        }

        /// The same drawing as an SVG string of `width`×`height` CSS pixels (the export path).
        ///
        /// # Errors
        /// As the canvas drawing.
        #[wasm_bindgen]
        pub fn $svg(figure_json: &str, theme: &str, width: u32, height: u32) -> Result<String, JsError> {
            let fig: $fig = from_json(figure_json).map_err(js_err)?;
            let style = style(theme, 1.0)?;
            super::backend::to_svg(width.clamp(100, 8000), height.clamp(100, 8000), |root| {
                crate::plot::$module::draw(root, &fig, style).map(|_| ())
            })
            .map_err(js_err)
        }
    };
}

figure_view!(draw_speciation, svg_speciation, SpeciationFigure, speciation, Vec<f64>, |f| f.to_array());
figure_view!(draw_collapse, svg_collapse, CollapseFigure, collapse, Vec<f64>, |f| f.to_array());
figure_view!(draw_transitions, svg_transitions, TransitionsFigure, transitions, (), |()| ());
figure_view!(draw_particles, svg_particles, crate::plot::particles::ParticlesFigure, particles, (), |()| ());
