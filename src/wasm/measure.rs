//! Boundary of the measurements (SCIENCE.md §9): a chunked work unit of a [`MeasureConfig`] run in the Worker, with
//! progress and cancel between chunks, and the result as typed arrays.
//!
//! One Worker runs a whole measurement with `new MeasureJob(config, 0, MeasureJob.total(config))`, steps it, then
//! calls `finish()`. A pool of Workers splits `0 .. total` into ranges, each posts `partial_json()`, and one of them
//! calls `merge_measure(config, "[partial, …]")`: the numbers are the same either way (the engine's invariant).
//!
//! Result arrays (`MeasureOutput`), each empty when the experiment does not produce it:
//! - cloning: `split_times`, `grid_times`, `phi`, `phi_se`, `theory_phi`, `phi_c`, `phi_c_se` (one entry per split
//!   time, config order) and `same_class` (Uint32Array, same order);
//! - entropy: `times`, `crit`, `crit_se`, `theory_f` (one entry per time);
//! - nearest_neighbour / memorization: `t_hat` (nearest_neighbour only) and `ratio` (d₁/d₂), one entry per
//!   trajectory in index order;
//! - sweep: `values`, `theory_t_s`, `measured_t_s`, `measured_t_s_se`, `theory_t_c`, `measured_t_c`,
//!   `measured_t_c_se` (one entry per value; NaN where nothing was measured or the theory has no transition).
//!
//! Scalars (measured t_S with its error bar, means, fractions, α, messages) are in `summary_json()`, the whole result.

use wasm_bindgen::prelude::*;

use super::js_err;
use crate::config::{from_json, to_json, Experiment, MeasureConfig};
use crate::measure::engine::{finish, MeasureResult, Measurement, Partial, UnitJob};
use crate::sampler::step_bias::{combined_fix, StepFix};

fn prepare(config_json: &str) -> Result<Measurement, JsError> {
    let cfg: MeasureConfig = from_json(config_json).map_err(js_err)?;
    Measurement::new(&cfg).map_err(js_err)
}

/// A work unit of a measurement, run a chunk at a time.
#[wasm_bindgen]
pub struct MeasureJob {
    m: Measurement,
    job: Option<UnitJob>,
    partial: Option<Partial>,
}

#[wasm_bindgen]
impl MeasureJob {
    /// Validates the config (budgets included: a run over budget is refused here, naming the budget) and prepares
    /// the unit of global indices `unit_start .. unit_end`.
    ///
    /// # Errors
    /// A `JsError` with the core's message for invalid JSON, parameters, budgets or range.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, unit_start: u32, unit_end: u32) -> Result<MeasureJob, JsError> {
        let m = prepare(config_json)?;
        let job = UnitJob::new(&m, unit_start as u64..unit_end as u64).map_err(js_err)?;
        Ok(MeasureJob { m, job: Some(job), partial: None })
    }

    /// The size of the run's index space (split it into ranges for a pool of Workers).
    ///
    /// # Errors
    /// As the constructor.
    pub fn total(config_json: &str) -> Result<u32, JsError> {
        let cfg: MeasureConfig = from_json(config_json).map_err(js_err)?;
        if !matches!(cfg.experiment, Experiment::Sweep { .. }) {
            // One task of `particles` indices: validating is enough (the training set is drawn once, by the
            // constructor, which also checks the budgets).
            cfg.validate().map_err(js_err)?;
            return Ok(cfg.sampler.particles as u32);
        }
        let m = Measurement::new(&cfg).map_err(js_err)?;
        u32::try_from(m.total()).map_err(|_| JsError::new("index space larger than 2^32"))
    }

    /// Boundaries `[b₀ = 0, b₁, …, b_parts = total]` splitting the index space into `parts` contiguous ranges of
    /// about equal work (particle-steps or estimator terms; a sweep's values differ in work per index), for a pool
    /// of Workers. Ranges may be empty when there are fewer indices than parts. The split changes only who computes
    /// what: the merged result is the same for any boundaries.
    ///
    /// # Errors
    /// As the constructor; `parts` outside 1..=64.
    pub fn split(config_json: &str, parts: u32) -> Result<Vec<u32>, JsError> {
        crate::error::check_count("parts", parts as usize, 1, 64).map_err(js_err)?;
        let m = prepare(config_json)?;
        let total = m.total();
        u32::try_from(total).map_err(|_| JsError::new("index space larger than 2^32"))?;
        let whole = m.work(0..total);
        let mut bounds = vec![0u32];
        let mut lo = 0u64;
        for k in 1..parts as u64 {
            // The smallest b ≥ lo with work(0..b) ≥ k/parts of the whole (work is non-decreasing in b).
            let target = (whole as u128 * k as u128).div_ceil(parts as u128) as u64;
            let mut hi = total;
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if m.work(0..mid) >= target {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            bounds.push(lo as u32);
        }
        bounds.push(total as u32);
        Ok(bounds)
    }

    /// Runs about `max_work` work (particle-steps, or estimator terms; at least one step) and returns the fraction
    /// done, in [0, 1].
    ///
    /// # Errors
    /// A `JsError` when generation fails (a non-finite particle) or when called after the unit is done.
    pub fn step(&mut self, max_work: f64) -> Result<f64, JsError> {
        let job = self.job.as_mut().ok_or_else(|| JsError::new("the measurement unit is already done"))?;
        let done = job.advance(&self.m, max_work.clamp(1.0, 1e15) as u64).map_err(js_err)?;
        let (w, total) = job.progress();
        if done {
            self.partial = Some(self.job.take().expect("present").finish());
            return Ok(1.0);
        }
        Ok(w as f64 / total.max(1) as f64)
    }

    /// Whether the unit is done.
    pub fn is_done(&self) -> bool {
        self.partial.is_some()
    }

    /// Work done so far (same unit as `step`'s `max_work`).
    pub fn done_work(&self) -> f64 {
        self.job.as_ref().map_or(self.total_work(), |j| j.progress().0 as f64)
    }

    /// Total work of the unit.
    pub fn total_work(&self) -> f64 {
        match &self.job {
            Some(j) => j.progress().1 as f64,
            None => self.partial.as_ref().map_or(0.0, |p| self.m.work(p.start..p.end) as f64),
        }
    }

    /// The unit's partial result as JSON (for `merge_measure` in a pool).
    ///
    /// # Errors
    /// A `JsError` before the unit is done.
    pub fn partial_json(&self) -> Result<String, JsError> {
        self.partial.as_ref().map(to_json).ok_or_else(|| JsError::new("the measurement unit is not done"))
    }

    /// The result, when this unit covers the whole run.
    ///
    /// # Errors
    /// A `JsError` before the unit is done or when it covers only part of the run.
    pub fn finish(&self) -> Result<MeasureOutput, JsError> {
        let p = self.partial.clone().ok_or_else(|| JsError::new("the measurement unit is not done"))?;
        finish(&self.m, vec![p]).map(|inner| MeasureOutput::new(inner, &self.m)).map_err(js_err)
    }
}

/// Merges the partials of a pool of Workers (a JSON array of `partial_json()` strings' values) into the result.
///
/// # Errors
/// A `JsError` for invalid JSON, or partials that overlap, leave a gap or belong to another config.
#[wasm_bindgen]
pub fn merge_measure(config_json: &str, partials_json: &str) -> Result<MeasureOutput, JsError> {
    let m = prepare(config_json)?;
    let partials: Vec<Partial> = from_json(partials_json).map_err(js_err)?;
    finish(&m, partials).map(|inner| MeasureOutput::new(inner, &m)).map_err(js_err)
}

/// The result of a measurement (see the module docs for the array layouts).
#[wasm_bindgen]
pub struct MeasureOutput {
    inner: MeasureResult,
    warnings: Vec<String>,
    fix: Option<StepFix>,
}

impl MeasureOutput {
    /// The result with its measurement's step warnings, and what removes them all ([`combined_fix`]).
    fn new(inner: MeasureResult, m: &Measurement) -> MeasureOutput {
        let warnings = m.step_warnings();
        let fix = combined_fix(&warnings);
        MeasureOutput { inner, warnings: warnings.into_iter().map(|w| w.text).collect(), fix }
    }
}

fn nan(x: &[Option<f64>]) -> Vec<f64> {
    x.iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

#[wasm_bindgen]
impl MeasureOutput {
    /// The experiment: "cloning", "entropy", "nearest_neighbour", "memorization" or "sweep".
    pub fn kind(&self) -> String {
        match &self.inner {
            MeasureResult::Cloning(_) => "cloning",
            MeasureResult::Entropy(_) => "entropy",
            MeasureResult::NearestNeighbour(_) => "nearest_neighbour",
            MeasureResult::Memorization(_) => "memorization",
            MeasureResult::Sweep(_) => "sweep",
        }
        .into()
    }

    /// The run's step warnings (an Euler step over 0.1/‖A‖₂, the predicted step-size bias), one line per setting
    /// that has one, joined by newlines (empty when none).
    pub fn step_warnings(&self) -> String {
        self.warnings.join("\n")
    }

    /// What removes every setting's step warnings, as JSON (see `GenerationRun::step_fix_json`; `null` when none
    /// is known or there are no warnings).
    pub fn step_fix_json(&self) -> String {
        super::generation::fix_json(self.fix)
    }

    /// The whole result as JSON (scalars, messages, and every array).
    pub fn summary_json(&self) -> String {
        to_json(&self.inner)
    }

    /// Cloning: split times as requested, one per split.
    pub fn split_times(&self) -> Vec<f64> {
        if let MeasureResult::Cloning(c) = &self.inner {
            c.split_times.clone()
        } else {
            Vec::new()
        }
    }
    /// Cloning: grid times of the forks, one per split.
    pub fn grid_times(&self) -> Vec<f64> {
        if let MeasureResult::Cloning(c) = &self.inner {
            c.grid_times.clone()
        } else {
            Vec::new()
        }
    }
    /// Cloning: φ̂(t_b), one per split.
    pub fn phi(&self) -> Vec<f64> {
        if let MeasureResult::Cloning(c) = &self.inner {
            c.phi.clone()
        } else {
            Vec::new()
        }
    }
    /// Cloning: binomial standard errors of φ̂, one per split.
    pub fn phi_se(&self) -> Vec<f64> {
        if let MeasureResult::Cloning(c) = &self.inner {
            c.phi_se.clone()
        } else {
            Vec::new()
        }
    }
    /// Cloning: pairs ending in the same class (Uint32Array), one per split.
    pub fn same_class(&self) -> Vec<u32> {
        if let MeasureResult::Cloning(c) = &self.inner {
            c.same_class.iter().map(|&k| k as u32).collect()
        } else {
            Vec::new()
        }
    }
    /// Cloning: the theory φ(t) = F(s(t)) at the grid times (empty without a two-class mixture).
    pub fn theory_phi(&self) -> Vec<f64> {
        if let MeasureResult::Cloning(c) = &self.inner {
            c.theory_phi.clone().unwrap_or_default()
        } else {
            Vec::new()
        }
    }
    /// Cloning with the empirical score: φ̂_C(t_b), one per split.
    pub fn phi_c(&self) -> Vec<f64> {
        if let MeasureResult::Cloning(c) = &self.inner {
            c.phi_c.clone().unwrap_or_default()
        } else {
            Vec::new()
        }
    }
    /// Cloning with the empirical score: standard errors of φ̂_C.
    pub fn phi_c_se(&self) -> Vec<f64> {
        if let MeasureResult::Cloning(c) = &self.inner {
            c.phi_c_se.clone().unwrap_or_default()
        } else {
            Vec::new()
        }
    }
    /// Entropy: the forward times.
    pub fn times(&self) -> Vec<f64> {
        if let MeasureResult::Entropy(e) = &self.inner {
            e.times.clone()
        } else {
            Vec::new()
        }
    }
    /// Entropy: crit(t), one per time.
    pub fn crit(&self) -> Vec<f64> {
        if let MeasureResult::Entropy(e) = &self.inner {
            e.crit.clone()
        } else {
            Vec::new()
        }
    }
    /// Entropy: Monte Carlo standard errors of crit(t).
    pub fn crit_se(&self) -> Vec<f64> {
        if let MeasureResult::Entropy(e) = &self.inner {
            e.crit_se.clone()
        } else {
            Vec::new()
        }
    }
    /// Entropy: the theory's f(t) (empty when not available).
    pub fn theory_f(&self) -> Vec<f64> {
        if let MeasureResult::Entropy(e) = &self.inner {
            e.theory_f.clone().unwrap_or_default()
        } else {
            Vec::new()
        }
    }
    /// Nearest neighbour: t̂_C per trajectory, index order.
    pub fn t_hat(&self) -> Vec<f64> {
        if let MeasureResult::NearestNeighbour(n) = &self.inner {
            n.t_hat.clone()
        } else {
            Vec::new()
        }
    }
    /// Nearest neighbour / memorization: d₁/d₂ per sample, index order.
    pub fn ratio(&self) -> Vec<f64> {
        match &self.inner {
            MeasureResult::NearestNeighbour(n) => n.memorization.ratio.clone(),
            MeasureResult::Memorization(m) => m.ratio.clone(),
            _ => Vec::new(),
        }
    }
    /// Sweep: the parameter values.
    pub fn values(&self) -> Vec<f64> {
        if let MeasureResult::Sweep(s) = &self.inner {
            s.values.clone()
        } else {
            Vec::new()
        }
    }
    /// Sweep: theoretical t_S per value (NaN: none).
    pub fn theory_t_s(&self) -> Vec<f64> {
        if let MeasureResult::Sweep(s) = &self.inner {
            nan(&s.theory_t_s)
        } else {
            Vec::new()
        }
    }
    /// Sweep: measured t_S per value (NaN: not measured).
    pub fn measured_t_s(&self) -> Vec<f64> {
        if let MeasureResult::Sweep(s) = &self.inner {
            nan(&s.measured_t_s)
        } else {
            Vec::new()
        }
    }
    /// Sweep: standard error of the measured t_S.
    pub fn measured_t_s_se(&self) -> Vec<f64> {
        if let MeasureResult::Sweep(s) = &self.inner {
            nan(&s.measured_t_s_se)
        } else {
            Vec::new()
        }
    }
    /// Sweep: theoretical t_C per value (NaN: none).
    pub fn theory_t_c(&self) -> Vec<f64> {
        if let MeasureResult::Sweep(s) = &self.inner {
            nan(&s.theory_t_c)
        } else {
            Vec::new()
        }
    }
    /// Sweep: measured t_C (mean t̂_C) per value.
    pub fn measured_t_c(&self) -> Vec<f64> {
        if let MeasureResult::Sweep(s) = &self.inner {
            nan(&s.measured_t_c)
        } else {
            Vec::new()
        }
    }
    /// Sweep: standard error of the measured t_C.
    pub fn measured_t_c_se(&self) -> Vec<f64> {
        if let MeasureResult::Sweep(s) = &self.inner {
            nan(&s.measured_t_c_se)
        } else {
            Vec::new()
        }
    }
}
