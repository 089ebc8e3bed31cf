//! Time grids for generation: forward times t_0 = T > t_1 > … > t_K = t_min (SCIENCE.md §6).
//!
//! Step k goes from t_k to t_{k+1} with h_k = t_k − t_{k+1}; the score is evaluated at t_k, the start of the step, so
//! t_min = 0 is allowed for scores defined at t = 0 and never evaluated there. The empirical score is stiff near 0
//! (Σ_t → 0): use the refined grid with t_min > 0 ([`DEFAULT_T_MIN`]).

use serde::{Deserialize, Serialize};

use crate::error::{check_count, check_range, Error, Result};

/// Largest horizon T: e^{−u_min T} is below f64 resolution long before for any U the page can build.
pub const MAX_T: f64 = 100.0;

/// Largest number of steps of a grid (a budget, not a numerical limit).
pub const MAX_STEPS: usize = 1_000_000;

/// Smallest positive end time t_min. The scores divide by Σ_t ≈ 2t near 0: the empirical score's whitened squared
/// distances |x − E_t a_i|²/Σ_t reach 10¹⁶ at t = 10⁻¹⁰ for data of scale 10³, far below overflow, whereas for t_min
/// near the smallest doubles they overflow to infinity and the run ends in NaN (issue 8 property tests). Nothing in
/// the science happens below it: the noise scale √(2t) is then 1.4·10⁻⁵.
pub const MIN_POSITIVE_T: f64 = 1e-10;

/// Default end time of grids for the empirical score: at t = 10⁻³ the noise scale √(2t) ≈ 0.045 is already far below
/// the spacing of training points, so generation has collapsed onto them (SCIENCE.md §8).
pub const DEFAULT_T_MIN: f64 = 1e-3;

/// How steps are spread over [t_min, T].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GridKind {
    /// Uniform in t.
    Uniform,
    /// Uniform in u(t) = ln t for t ≤ 1 and u(t) = t − 1 above: uniform in t above t = 1, uniform in ln t below, and
    /// the step size is continuous at t = 1 (du/dt = 1 on both sides). Needs t_min > 0.
    Refined,
}

/// The config-facing description of a grid.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Horizon T (generation starts at t = T).
    pub t_max: f64,
    /// End time t_min ≥ 0 (> 0 for [`GridKind::Refined`]).
    pub t_min: f64,
    /// Number of steps K.
    pub steps: usize,
    /// Spacing.
    pub kind: GridKind,
}

/// A validated decreasing grid of forward times.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeGrid {
    times: Vec<f64>,
    /// The common step size of a uniform grid (exactly the same value for every step, so integrator coefficients are
    /// computed once).
    uniform_h: Option<f64>,
}

fn u_of(t: f64) -> f64 {
    if t <= 1.0 {
        libm::log(t)
    } else {
        t - 1.0
    }
}

fn t_of(u: f64) -> f64 {
    if u <= 0.0 {
        libm::exp(u)
    } else {
        1.0 + u
    }
}

impl TimeGrid {
    /// K steps of size h = (T − t_min)/K: t_k = T − k h, t_K = t_min.
    ///
    /// ```
    /// let g = diffusion_regimes::sampler::grid::TimeGrid::uniform(10.0, 0.0, 200).unwrap();
    /// assert_eq!(g.uniform_step(), Some(0.05));
    /// assert_eq!((g.times()[0], g.times()[200]), (10.0, 0.0));
    /// ```
    ///
    /// # Errors
    /// [`Error::Param`] for T not in [[`MIN_POSITIVE_T`], 100], t_min neither 0 nor in [[`MIN_POSITIVE_T`], T), K not in
    /// [1, 10⁶], or so many steps that some round to zero length.
    pub fn uniform(t_max: f64, t_min: f64, steps: usize) -> Result<Self> {
        validate(t_max, t_min, steps, false)?;
        let h = (t_max - t_min) / steps as f64;
        let mut times: Vec<f64> = (0..steps).map(|k| t_max - k as f64 * h).collect();
        times.push(t_min);
        check_decreasing(&times, steps)?;
        Ok(TimeGrid { times, uniform_h: Some(h) })
    }

    /// K steps uniform in u(t) (see [`GridKind::Refined`]).
    ///
    /// ```
    /// let g = diffusion_regimes::sampler::grid::TimeGrid::refined(2.0, 1e-2, 3).unwrap();
    /// // u runs from 1 to ln 0.01 in steps of (1 − ln 0.01)/3: t = 2, ≈ 0.36, ≈ 0.05, 0.01.
    /// assert!((g.times()[1] - (1.0 - (1.0 - 0.01f64.ln()) / 3.0).exp()).abs() < 1e-15);
    /// ```
    ///
    /// # Errors
    /// As [`TimeGrid::uniform`], and t_min must be ≥ [`MIN_POSITIVE_T`].
    pub fn refined(t_max: f64, t_min: f64, steps: usize) -> Result<Self> {
        validate(t_max, t_min, steps, true)?;
        let (u0, u1) = (u_of(t_max), u_of(t_min));
        let du = (u0 - u1) / steps as f64;
        let mut times: Vec<f64> = (0..steps).map(|k| if k == 0 { t_max } else { t_of(u0 - k as f64 * du) }).collect();
        times.push(t_min);
        check_decreasing(&times, steps)?;
        Ok(TimeGrid { times, uniform_h: None })
    }

    /// The grid of a spec.
    ///
    /// # Errors
    /// As the constructors.
    pub fn from_spec(spec: &GridSpec) -> Result<Self> {
        match spec.kind {
            GridKind::Uniform => Self::uniform(spec.t_max, spec.t_min, spec.steps),
            GridKind::Refined => Self::refined(spec.t_max, spec.t_min, spec.steps),
        }
    }

    /// The times t_0 = T > … > t_K = t_min.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Number of steps K.
    pub fn steps(&self) -> usize {
        self.times.len() - 1
    }

    /// Step size h_k = t_k − t_{k+1} (exactly the common h on a uniform grid).
    pub fn step_size(&self, k: usize) -> f64 {
        self.uniform_h.unwrap_or(self.times[k] - self.times[k + 1])
    }

    /// The common step of a uniform grid.
    pub fn uniform_step(&self) -> Option<f64> {
        self.uniform_h
    }

    /// The largest step size.
    pub fn max_step(&self) -> f64 {
        (0..self.steps()).map(|k| self.step_size(k)).fold(0.0, f64::max)
    }

    /// Index of the grid time nearest to t (the first on ties).
    pub fn nearest_index(&self, t: f64) -> usize {
        let mut best = 0;
        for (k, s) in self.times.iter().enumerate() {
            if (s - t).abs() < (self.times[best] - t).abs() {
                best = k;
            }
        }
        best
    }

    /// The grid from index k on: t_k > … > t_K, with the same step sizes (the exact-start shortcut of the cloning
    /// experiment starts there, SCIENCE.md §9.1).
    ///
    /// ```
    /// let g = diffusion_regimes::sampler::grid::TimeGrid::uniform(1.0, 0.0, 4).unwrap();
    /// assert_eq!(g.tail(1).times(), &g.times()[1..]);
    /// assert_eq!(g.tail(1).uniform_step(), Some(0.25));
    /// ```
    ///
    /// Panics unless k < K (a grid has at least one step).
    pub fn tail(&self, k: usize) -> TimeGrid {
        assert!(k < self.steps(), "TimeGrid::tail({k}) of a grid of {} steps", self.steps());
        TimeGrid { times: self.times[k..].to_vec(), uniform_h: self.uniform_h }
    }

    /// The first index k with t_k ≤ t (K when t < t_min): where a run told to stop at t stops.
    pub fn stop_index(&self, t: f64) -> usize {
        self.times.iter().position(|&s| s <= t).unwrap_or(self.steps())
    }
}

/// Every step must have a positive size: K steps over a span a few ulps wide round to repeated times, and the
/// integrators need h > 0 (issue 8 property tests: T = 5e-324 with 8 steps reached their assertion).
fn check_decreasing(times: &[f64], steps: usize) -> Result<()> {
    if times.windows(2).all(|w| w[1] < w[0]) {
        Ok(())
    } else {
        Err(Error::param("steps", steps, "fewer steps: at this many, steps of [t_min, T] round to zero length"))
    }
}

fn validate(t_max: f64, t_min: f64, steps: usize, positive_min: bool) -> Result<()> {
    check_range("T", t_max, MIN_POSITIVE_T, MAX_T)?;
    if positive_min {
        if !(t_min.is_finite() && t_min >= MIN_POSITIVE_T && t_min < t_max) {
            return Err(Error::param(
                "t_min",
                t_min,
                format!("a finite number in [{MIN_POSITIVE_T:e}, T = {t_max}) for a refined grid"),
            ));
        }
    } else {
        check_range("t_min", t_min, 0.0, t_max)?;
        if t_min >= t_max || (t_min > 0.0 && t_min < MIN_POSITIVE_T) {
            return Err(Error::param("t_min", t_min, format!("0 or a number in [{MIN_POSITIVE_T:e}, T = {t_max})")));
        }
    }
    check_count("steps", steps, 1, MAX_STEPS)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refined_grid_is_monotone_and_continuous_at_one() {
        let g = TimeGrid::refined(5.0, 1e-3, 400).unwrap();
        let t = g.times();
        assert!(t.windows(2).all(|w| w[0] > w[1]));
        assert_eq!((t[0], t[400]), (5.0, 1e-3));
        // Steps just above and below t = 1 agree to first order (du/dt = 1 on both sides).
        let k = t.iter().position(|&s| s < 1.0).unwrap();
        assert!((g.step_size(k - 1) / g.step_size(k) - 1.0).abs() < 0.05);
        assert_eq!(g.stop_index(2.0), t.iter().position(|&s| s <= 2.0).unwrap());
    }

    #[test]
    fn validation_names_parameters() {
        assert!(TimeGrid::uniform(0.0, 0.0, 10).unwrap_err().to_string().contains("invalid T = 0"));
        assert!(TimeGrid::uniform(1.0, 0.0, 0).unwrap_err().to_string().contains("invalid steps = 0"));
        assert!(TimeGrid::refined(1.0, 0.0, 5).unwrap_err().to_string().contains("t_min"));
        assert!(TimeGrid::uniform(f64::NAN, 0.0, 5).is_err());
    }
}
