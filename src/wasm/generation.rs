//! Boundary of the Trajectories view: a chunked generation run (the Worker steps it, reporting progress and
//! honouring cancel between chunks) with the exact two-class mixture score, recording every particle's projection
//! on the class axis μ̂ at every grid time.
//!
//! `TrajectoriesConfig` is a wasm-side adapter: it only assembles the core's own pieces (ProcessConfig,
//! TwoClassConfig, Mixture, MixtureScore, TimeGrid, Generator) until the lead's GenerateConfig lands in src/config.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::js_err;
use crate::config::{check_schema, default_schema, from_json, ProcessConfig, TwoClassConfig};
use crate::data::mixture::Mixture;
use crate::error::{check_count, Error};
use crate::sampler::generate::{BatchState, Generator, Projection, SnapshotPlan, Start};
use crate::sampler::grid::TimeGrid;
use crate::sampler::integrator::Integrator;
use crate::score::mixture::MixtureScore;

/// Largest number of trajectories the view records (every one is drawn, and stored at every grid time).
const MAX_TRAJECTORIES: usize = 2000;

/// Largest number of grid steps of the view.
const MAX_STEPS: usize = 5000;

/// A generation run of the Trajectories view (JSON from the page).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrajectoriesConfig {
    #[serde(default = "default_schema")]
    schema: u32,
    process: ProcessConfig,
    #[serde(default)]
    data: TwoClassConfig,
    t_max: f64,
    steps: usize,
    particles: usize,
    seed: u64,
    integrator: Integrator,
}

/// A generation run in progress: step it with [`GenerationRun::step`] until it reports done, then read the arrays.
#[wasm_bindgen]
pub struct GenerationRun {
    generator: Generator<MixtureScore>,
    state: BatchState,
    mean: Vec<f64>,
}

#[wasm_bindgen]
impl GenerationRun {
    /// Validates the config and starts the particles at t = T from the stationary law N(0, U⁻¹).
    ///
    /// # Errors
    /// A `JsError` with the core's message for invalid JSON or parameters.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<GenerationRun, JsError> {
        let cfg: TrajectoriesConfig = from_json(config_json).map_err(js_err)?;
        check_schema(cfg.schema).map_err(js_err)?;
        check_count("particles", cfg.particles, 1, MAX_TRAJECTORIES).map_err(js_err)?;
        check_count("steps", cfg.steps, 1, MAX_STEPS).map_err(js_err)?;
        crate::budget::trajectories(&cfg.process, cfg.particles, cfg.steps).and_then(|e| e.check()).map_err(js_err)?;
        let process = cfg.process.build().map_err(js_err)?;
        let two_class = cfg.data.mixture(process.precision()).map_err(js_err)?;
        let mu = two_class.symmetric_two_class_mean().expect("a two-class config is symmetric").clone();
        let c0 = two_class.cov(0).clone();
        let norm = mu.norm();
        if norm <= 0.0 {
            return Err(js_err(Error::param("data.m_tilde", 0, "a non-zero class mean (m̃ > 0)")));
        }
        let axis: Vec<f64> = mu.iter().map(|x| x / norm).collect();
        let mixture = Mixture::two_class(mu.clone(), c0).map_err(js_err)?;
        let score = MixtureScore::new(&process, &mixture).map_err(js_err)?;
        let grid = TimeGrid::uniform(cfg.t_max, 0.0, cfg.steps).map_err(js_err)?;
        let times = grid.times().to_vec();
        let mut generator = Generator::new(&process, score, grid, cfg.integrator).map_err(js_err)?;
        let plan = SnapshotPlan { times, particles: None, projection: Projection::Directions(vec![axis]) };
        let state = generator.start(cfg.particles, 0, cfg.seed, Start::Stationary, Some(&plan)).map_err(js_err)?;
        Ok(GenerationRun { generator, state, mean: mu.iter().copied().collect() })
    }

    /// Runs at most `max_steps` steps; returns whether the run reached t = 0.
    ///
    /// # Errors
    /// A `JsError` when a particle becomes non-finite (a step far too large for ‖A‖₂).
    pub fn step(&mut self, max_steps: usize) -> Result<bool, JsError> {
        let stop = self.generator.grid().steps();
        self.generator.run_chunk(&mut self.state, max_steps.max(1), stop).map(|p| p.done).map_err(js_err)
    }

    /// Grid steps done so far.
    pub fn done_steps(&self) -> usize {
        self.state.step()
    }

    /// Total grid steps.
    pub fn total_steps(&self) -> usize {
        self.generator.grid().steps()
    }

    /// A warning when the step is too large for Euler–Maruyama (empty when none).
    pub fn step_warning(&self) -> String {
        self.generator.step_warning().unwrap_or_default()
    }

    /// Forward times of the recorded points, from T down to 0 (length T_n).
    pub fn times(&self) -> Vec<f64> {
        self.state.snapshots().map(|s| s.times.clone()).unwrap_or_default()
    }

    /// Projections μ̂·x_t, particle-major: `projections[p * T_n + k]` (NaN for times not reached yet).
    pub fn projections(&self) -> Vec<f64> {
        let Some(s) = self.state.snapshots() else { return Vec::new() };
        let (n_t, np) = (s.times.len(), s.particles.len());
        let mut out = vec![f64::NAN; n_t * np];
        for k in 0..n_t {
            for p in 0..np {
                out[p * n_t + k] = s.values[k * np + p];
            }
        }
        out
    }

    /// The class of each particle at the end (+1 when μ·x₀ > 0, else −1; SCIENCE.md §9.1).
    pub fn labels(&self) -> Vec<i8> {
        let d = self.mean.len();
        self.state
            .positions()
            .chunks_exact(d)
            .map(|x| if x.iter().zip(&self.mean).map(|(a, b)| a * b).sum::<f64>() > 0.0 { 1 } else { -1 })
            .collect()
    }
}

fn paths(
    times: Vec<f64>,
    projections: Vec<f64>,
    labels: Vec<i8>,
) -> Result<crate::plot::trajectories::GenerationPaths, JsError> {
    let p = crate::plot::trajectories::GenerationPaths { times, projections, labels };
    p.check().map_err(js_err)?;
    Ok(p)
}

/// Draws generation trajectories on a canvas (T on the left, 0 on the right). Returns the plotting area
/// `[left, right, top, bottom, t_left = T, t_right = 0]` for the page's time cursor.
///
/// # Errors
/// A `JsError` for inconsistent arrays, an unknown theme, or a canvas without a 2D context.
#[wasm_bindgen]
pub fn draw_trajectories(
    canvas: web_sys::HtmlCanvasElement,
    times: Vec<f64>,
    projections: Vec<f64>,
    labels: Vec<i8>,
    theme: &str,
    pixel_ratio: f64,
) -> Result<Vec<f64>, JsError> {
    let p = paths(times, projections, labels)?;
    let style = super::style(theme, pixel_ratio)?;
    crate::plot::trajectories::draw(super::canvas_backend(canvas)?, &p, style).map(|f| f.to_array()).map_err(js_err)
}

/// The same drawing as an SVG string of `width`×`height` CSS pixels (the export path).
///
/// # Errors
/// As [`draw_trajectories`].
#[wasm_bindgen]
pub fn svg_trajectories(
    times: Vec<f64>,
    projections: Vec<f64>,
    labels: Vec<i8>,
    theme: &str,
    width: u32,
    height: u32,
) -> Result<String, JsError> {
    let p = paths(times, projections, labels)?;
    let style = super::style(theme, 1.0)?;
    crate::plot::to_svg(width.clamp(100, 8000), height.clamp(100, 8000), |root| {
        crate::plot::trajectories::draw(root, &p, style).map(|_| ())
    })
    .map_err(js_err)
}
