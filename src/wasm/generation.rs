//! Boundary of the Trajectories and Particles views: a chunked generation run of a [`GenerateConfig`] (the Worker
//! steps it, reporting progress and honouring cancel between chunks), recording every particle's projections on the
//! view's two axes (see [`crate::projection`]) at up to `snapshots` grid times, with the training points and the
//! captured (memorized) particles' nearest training points projected on the same axes.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::js_err;
use crate::config::{from_json, GenerateConfig, ScoreKind};
use crate::error::check_count;
use crate::generation::{training_seed, GenerationJob, GenerationResult};
use crate::projection::{mixture_axes, training_axes, AxesChoice, ViewAxes};
use crate::sampler::generate::{Projection, SnapshotPlan};
use crate::sampler::grid::TimeGrid;
use crate::sampler::step_bias::StepWarning;

/// Largest number of particles the page records and draws (every one is stored at every snapshot time).
const MAX_RECORDED: usize = 2000;

/// Largest number of recorded times.
const MAX_SNAPSHOTS: usize = 400;

/// At most this many training points are returned for drawing (the first ones; the set is i.i.d., so they are a
/// fair sample).
const MAX_TRAINING_SHOWN: usize = 3000;

/// Memorized: the distance to the nearest training point is below this fraction of the distance to the second
/// nearest (SCIENCE.md §9.5).
const MEMORIZED_RATIO: f64 = 1.0 / 3.0;

/// What the page records of a run (beside the config, which is the one schema).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewPlan {
    /// The projection plane.
    #[serde(default)]
    axes: AxesChoice,
    /// Number of recorded times (spread over the grid, both ends included).
    snapshots: usize,
}

/// A generation run in progress: step it with [`GenerationRun::step`] until it reports done, then read the arrays.
#[wasm_bindgen]
pub struct GenerationRun {
    job: Option<GenerationJob>,
    result: Option<GenerationResult>,
    axes: ViewAxes,
    training: Option<crate::data::training_set::TrainingSet>,
    warning: Option<StepWarning>,
    steps: usize,
    done: usize,
}

/// Every `stride`-th grid time from T, always ending with the last one.
fn snapshot_times(times: &[f64], count: usize) -> Vec<f64> {
    let stride = (times.len() - 1).div_ceil(count.max(2) - 1).max(1);
    let mut out: Vec<f64> = times.iter().step_by(stride).copied().collect();
    if out.last() != times.last() {
        out.push(*times.last().expect("a grid has times"));
    }
    out
}

fn dot(a: &[f64], b: &nalgebra::DVector<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| x * y).sum()
}

/// What [`prepare`] derives from a config: the axes and the training set (empirical score).
type Prepared = (ViewAxes, Option<crate::data::training_set::TrainingSet>);

fn prepare(cfg: &mut GenerateConfig, plan: &ViewPlan) -> crate::error::Result<Prepared> {
    check_count("snapshots", plan.snapshots, 2, MAX_SNAPSHOTS)?;
    check_count("sampler.particles (page)", cfg.sampler.particles, 1, MAX_RECORDED)?;
    let scenario = cfg.validate()?;
    let training = match cfg.sampler.score {
        ScoreKind::Empirical => Some(scenario.training_set(training_seed(cfg.seed))?),
        ScoreKind::Analytic => None,
    };
    let axes = match (scenario.data.mixture(), &training) {
        (Some(m), _) => mixture_axes(m, &plan.axes)?,
        (None, Some(ts)) => training_axes(ts, &plan.axes)?,
        (None, None) => unreachable!("validate() refuses the analytic score without a mixture"),
    };
    let grid = TimeGrid::from_spec(&cfg.sampler.grid)?;
    cfg.snapshots = Some(SnapshotPlan {
        times: snapshot_times(grid.times(), plan.snapshots),
        particles: None,
        projection: Projection::Directions(vec![
            axes.first.iter().copied().collect(),
            axes.second.iter().copied().collect(),
        ]),
    });
    Ok((axes, training))
}

#[wasm_bindgen]
impl GenerationRun {
    /// Validates the config (JSON of [`GenerateConfig`]; its `snapshots` are replaced by the view's) and the view plan
    /// (`{axes: {kind: "class"} | {kind: "coordinates", x, y}, snapshots}`), and starts the particles at t = T.
    ///
    /// # Errors
    /// A `JsError` with the core's message for invalid JSON or parameters.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, plan_json: &str) -> Result<GenerationRun, JsError> {
        let mut cfg: GenerateConfig = from_json(config_json).map_err(js_err)?;
        let plan: ViewPlan = from_json(plan_json).map_err(js_err)?;
        let (axes, training) = prepare(&mut cfg, &plan).map_err(js_err)?;
        let particles = cfg.sampler.particles;
        Self::start(cfg, axes, training, 0, particles)
    }

    /// The same run restricted to particles `first .. first + count` (a Worker of the page's pool). Particle i draws
    /// from `stream(seed, Generation, i)` whatever the range, so the arrays of consecutive ranges, concatenated in
    /// order, are those of the whole run. Only this range's particles are held; the training set (empirical score)
    /// and the axes are the whole run's.
    ///
    /// # Errors
    /// As the constructor, and a range outside `0 .. particles`.
    #[wasm_bindgen(js_name = forRange)]
    pub fn for_range(config_json: &str, plan_json: &str, first: u32, count: u32) -> Result<GenerationRun, JsError> {
        let mut cfg: GenerateConfig = from_json(config_json).map_err(js_err)?;
        let plan: ViewPlan = from_json(plan_json).map_err(js_err)?;
        let (axes, training) = prepare(&mut cfg, &plan).map_err(js_err)?;
        Self::start(cfg, axes, training, first as usize, count as usize)
    }

    fn start(
        cfg: GenerateConfig,
        axes: ViewAxes,
        training: Option<crate::data::training_set::TrainingSet>,
        first: usize,
        count: usize,
    ) -> Result<GenerationRun, JsError> {
        let job = GenerationJob::new(&cfg, first, count).map_err(js_err)?;
        // The job's step warning (computed once, by the job): kept here, as the job goes with its result.
        let warning = job.step_warning_with_fix().cloned();
        let steps = cfg.sampler.grid.steps;
        Ok(GenerationRun { job: Some(job), result: None, axes, training, warning, steps, done: 0 })
    }

    /// Runs at most `max_steps` steps; returns whether the run reached the end of the grid (then the arrays are
    /// ready).
    ///
    /// # Errors
    /// A `JsError` when a score cannot be prepared or a particle becomes non-finite.
    pub fn step(&mut self, max_steps: usize) -> Result<bool, JsError> {
        let Some(job) = self.job.as_mut() else { return Ok(true) };
        let p = job.step(max_steps.max(1)).map_err(js_err)?;
        self.done = p.step;
        if job.is_done() {
            let job = self.job.take().expect("checked above");
            self.result = Some(job.finish().map_err(js_err)?);
            return Ok(true);
        }
        Ok(false)
    }

    /// Grid steps done so far.
    pub fn done_steps(&self) -> usize {
        self.done
    }

    /// Total grid steps.
    pub fn total_steps(&self) -> usize {
        self.steps
    }

    fn result(&self) -> Result<&GenerationResult, JsError> {
        self.result.as_ref().ok_or_else(|| JsError::new("the run has not finished"))
    }

    /// Recorded forward times, from T down to t_min (length T_n).
    ///
    /// # Errors
    /// Before the run finished.
    pub fn times(&self) -> Result<Vec<f64>, JsError> {
        Ok(self.result()?.snapshot_times.clone())
    }

    /// Projections on axis `axis` (0: horizontal / class axis, 1: vertical), particle-major:
    /// `out[p * T_n + k]`.
    ///
    /// # Errors
    /// Before the run finished.
    pub fn projections(&self, axis: usize) -> Result<Vec<f64>, JsError> {
        let r = self.result()?;
        let (n_t, np, w) = (r.snapshot_times.len(), r.snapshot_particles.len(), r.snapshot_width);
        let c = axis.min(w.saturating_sub(1));
        let mut out = vec![f64::NAN; n_t * np];
        for k in 0..n_t {
            for p in 0..np {
                out[p * n_t + k] = r.snapshot_values[(k * np + p) * w + c];
            }
        }
        Ok(out)
    }

    /// The class of each sample at the end (0-based; two classes: 0 is +μ; SCIENCE.md §9.1).
    ///
    /// # Errors
    /// Before the run finished.
    pub fn classes(&self) -> Result<Vec<u32>, JsError> {
        Ok(self.result()?.classes.clone())
    }

    /// The number of classes the samples are told apart by: 1 when the model's class means coincide (m̃ = 0), so
    /// [`classes`](Self::classes) says nothing ([`crate::generation::class_count`]).
    ///
    /// # Errors
    /// Before the run finished.
    pub fn class_count(&self) -> Result<u32, JsError> {
        Ok(self.result()?.class_count as u32)
    }

    /// d₁/d₂ per sample (empirical score; empty otherwise).
    ///
    /// # Errors
    /// Before the run finished.
    pub fn distance_ratio(&self) -> Result<Vec<f64>, JsError> {
        Ok(self.result()?.distance_ratio.clone().unwrap_or_default())
    }

    /// For each sample: its nearest training point projected on the axes when it was memorized (d₁/d₂ < 1/3), else
    /// NaN; interleaved `[x₀, y₀, x₁, y₁, …]` (empty without the empirical score).
    ///
    /// # Errors
    /// Before the run finished.
    pub fn captured(&self) -> Result<Vec<f64>, JsError> {
        let r = self.result()?;
        let (Some(ts), Some(nn), Some(ratio)) = (&self.training, &r.nearest, &r.distance_ratio) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(2 * nn.len());
        for (&i, &q) in nn.iter().zip(ratio) {
            if q < MEMORIZED_RATIO {
                let a = ts.point(i as usize);
                out.extend([dot(a, &self.axes.first), dot(a, &self.axes.second)]);
            } else {
                out.extend([f64::NAN, f64::NAN]);
            }
        }
        Ok(out)
    }

    /// The first (at most 3000) training points projected on the axes, interleaved `[x₀, y₀, …]` (empty without the
    /// empirical score).
    pub fn training(&self) -> Vec<f64> {
        let Some(ts) = &self.training else { return Vec::new() };
        (0..ts.len().min(MAX_TRAINING_SHOWN))
            .flat_map(|i| {
                let a = ts.point(i);
                [dot(a, &self.axes.first), dot(a, &self.axes.second)]
            })
            .collect()
    }

    /// Titles of the two axes, joined by a newline.
    pub fn axis_names(&self) -> String {
        self.axes.names.join("\n")
    }

    /// The step warnings (an Euler step too large for ‖A‖, the predicted step-size bias; empty when none).
    pub fn step_warning(&self) -> String {
        self.warning.as_ref().map(|w| w.text.clone()).unwrap_or_default()
    }

    /// What removes the step warnings, as JSON `{"integrator": "exponential", "grid": "uniform", "steps": 700}`
    /// (config names), or `null` when there are none or no fix is known ([`crate::sampler::step_bias::StepFix`]).
    pub fn step_fix_json(&self) -> String {
        fix_json(self.warning.as_ref().and_then(|w| w.fix))
    }
}

/// A step fix as the page reads it (see [`GenerationRun::step_fix_json`]).
pub(crate) fn fix_json(fix: Option<crate::sampler::step_bias::StepFix>) -> String {
    crate::config::to_json(&fix)
}

fn paths(
    times: Vec<f64>,
    projections: Vec<f64>,
    classes: Vec<u32>,
    k: u32,
    marks_json: &str,
    axis_name: &str,
) -> Result<crate::plot::trajectories::GenerationPaths, JsError> {
    let marks = from_json(marks_json).map_err(js_err)?;
    let p = crate::plot::trajectories::GenerationPaths {
        times,
        projections,
        classes,
        k,
        marks,
        axis_name: axis_name.into(),
    };
    p.check().map_err(js_err)?;
    Ok(p)
}

/// Draws generation trajectories on a canvas (T on the left, 0 on the right) over the regimes of `marks_json`
/// (`{roots, t_s, t_c}`), coloured by class among `k` ([`GenerationRun::class_count`]; 1: no class). Returns the plotting area `[left, right, top, bottom, t_left = T, t_right = 0]` for the
/// page's time cursor.
///
/// # Errors
/// A `JsError` for inconsistent arrays, malformed marks, an unknown theme, or a canvas without a 2D context.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)] // One typed array per field keeps the transfer zero-copy on the JS side.
pub fn draw_trajectories(
    canvas: web_sys::HtmlCanvasElement,
    times: Vec<f64>,
    projections: Vec<f64>,
    classes: Vec<u32>,
    k: u32,
    marks_json: &str,
    axis_name: &str,
    theme: &str,
    pixel_ratio: f64,
) -> Result<Vec<f64>, JsError> {
    let p = paths(times, projections, classes, k, marks_json, axis_name)?;
    let style = super::style(theme, pixel_ratio)?;
    crate::plot::trajectories::draw(super::canvas_backend(canvas)?, &p, style).map(|f| f.to_array()).map_err(js_err)
}

/// The same drawing as an SVG string of `width`×`height` CSS pixels (the export path).
///
/// # Errors
/// As [`draw_trajectories`].
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)] // Mirrors draw_trajectories.
pub fn svg_trajectories(
    times: Vec<f64>,
    projections: Vec<f64>,
    classes: Vec<u32>,
    k: u32,
    marks_json: &str,
    axis_name: &str,
    theme: &str,
    width: u32,
    height: u32,
) -> Result<String, JsError> {
    let p = paths(times, projections, classes, k, marks_json, axis_name)?;
    let style = super::style(theme, 1.0)?;
    super::backend::to_svg(width.clamp(100, 8000), height.clamp(100, 8000), |root| {
        crate::plot::trajectories::draw(root, &p, style).map(|_| ())
    })
    .map_err(js_err)
}
