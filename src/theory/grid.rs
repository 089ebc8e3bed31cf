//! Time grids for the theory: the search range of a transition ([`ScanRange`]) and the graded logarithmic grid
//! ([`TimeGrid`]) on which the marginals are propagated by exact semigroup steps.
//!
//! Edges: this file only builds lists of forward times; what is computed on them lives in `marginals.rs` and the
//! transition modules.

use serde::{Deserialize, Serialize};

use crate::error::{check_count, Error, Result};

/// Smallest number of grid points accepted: fewer cannot resolve even one crossing of a criterion.
pub const MIN_POINTS: usize = 8;

/// Largest number of grid points accepted (a budget: each point costs a few d×d matrix products).
pub const MAX_POINTS: usize = 100_000;

/// Largest forward time accepted. Beyond a few hundred the process is at equilibrium to machine precision for any U
/// the core accepts (u_min ≥ 10⁻⁵ by the κ bound only when u_max is large, so 10⁴ is generous).
pub const MAX_TIME: f64 = 1e4;

/// Largest ratio t_max / t_min: a grid of [`MAX_POINTS`] points must still be able to span it.
pub const MAX_RATIO: f64 = 1e12;

/// The forward-time range searched for a transition and the number of scan points (SCIENCE.md §7: "scan on a grid
/// uniform in ln t, then bracketed root finding").
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScanRange {
    /// Lower end of the searched forward time, > 0.
    pub t_min: f64,
    /// Upper end of the searched forward time, > t_min.
    pub t_max: f64,
    /// Number of scan points.
    pub points: usize,
}

impl Default for ScanRange {
    /// t ∈ [10⁻⁴, 50] with 400 points: about 21 points per octave, so crossings closer than ~3 % in t are resolved;
    /// 50 is far beyond every transition of the playground's workloads (t_S ≈ ½ ln d ≤ 5 for d ≤ 16384).
    fn default() -> Self {
        ScanRange { t_min: 1e-4, t_max: 50.0, points: 400 }
    }
}

impl ScanRange {
    /// A validated range.
    ///
    /// # Errors
    /// [`Error::Param`] for t_min not in (0, 10⁴), t_max not in (t_min, 10⁴], t_max/t_min > 10¹², or points not in
    /// [8, 100000].
    pub fn new(t_min: f64, t_max: f64, points: usize) -> Result<Self> {
        let r = ScanRange { t_min, t_max, points };
        r.validate()?;
        Ok(r)
    }

    /// Checks the range (see [`ScanRange::new`]).
    ///
    /// # Errors
    /// As [`ScanRange::new`].
    pub fn validate(&self) -> Result<()> {
        if !(self.t_min.is_finite() && self.t_min > 0.0 && self.t_min < MAX_TIME) {
            return Err(Error::param("t_min", self.t_min, format!("a finite number in (0, {MAX_TIME:e})")));
        }
        if !(self.t_max.is_finite() && self.t_max > self.t_min && self.t_max <= MAX_TIME) {
            return Err(Error::param(
                "t_max",
                self.t_max,
                format!("a finite number in (t_min = {}, {MAX_TIME:e}]", self.t_min),
            ));
        }
        if self.t_max / self.t_min > MAX_RATIO {
            return Err(Error::param("t_max / t_min", self.t_max / self.t_min, format!("at most {MAX_RATIO:e}")));
        }
        check_count("points", self.points, MIN_POINTS, MAX_POINTS)?;
        Ok(())
    }
}

/// A graded logarithmic grid of forward times: octaves [t_hi 2^{−k−1}, t_hi 2^{−k}], each cut into m equal steps
/// h_k = t_hi 2^{−k−1}/m, so the step doubles from one octave to the next.
///
/// Why not exactly uniform in ln t: on this grid every step is one of a handful of step sizes h_k with
/// h_{k−1} = 2 h_k, so the transition over each step is obtained from one exact transition and exact doublings
/// (E_{2h} = E_h², Σ_{2h} = Σ_h + E_h Σ_h E_hᵀ), and each grid point costs two matrix products instead of a matrix
/// exponential. The spacing in ln t varies only between ln(1 + 1/(2m−1)) and ln(1 + 1/m) (within a factor of two
/// of uniform), which is what the scan needs: a resolution that is relative to t at every scale.
///
/// The grid has exactly the requested number of points, ends at t_hi and starts at or below t_lo (the lowest octave
/// may be partial); m is the largest number of steps per octave for which it reaches t_lo.
///
/// ```
/// use diffusion_regimes::theory::grid::TimeGrid;
/// let g = TimeGrid::graded(1e-3, 10.0, 200).unwrap();
/// assert_eq!(g.times().len(), 200);
/// assert!(g.times()[0] <= 1e-3 && (g.times()[199] - 10.0).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TimeGrid {
    times: Vec<f64>,
    /// Octave index k of each point (0 = the top octave); the step that reaches point j from j − 1 is h_{k_j}.
    octave: Vec<u32>,
    per_octave: usize,
    t_hi: f64,
}

impl TimeGrid {
    /// The graded grid with `points` points ending at `t_hi` and starting at or below `t_lo`.
    ///
    /// # Errors
    /// [`Error::Param`] for an invalid range (as [`ScanRange::new`]) or too few points to span it with one point per
    /// octave.
    pub fn graded(t_lo: f64, t_hi: f64, points: usize) -> Result<Self> {
        ScanRange::new(t_lo, t_hi, points)?;
        // Point j from the top: octave k = j / m, offset i = j % m, time t_hi 2^{−k} (1 − i/(2m)).
        let point = |m: usize, j: usize| {
            let (k, i) = (j / m, j % m);
            t_hi * 2f64.powi(-(k as i32)) * (1.0 - i as f64 / (2 * m) as f64)
        };
        // The lowest point rises as m grows (a finer grid spans less), so the first m from the top that reaches t_lo
        // is the finest grid that covers the range.
        let m = (1..points).rev().find(|&m| point(m, points - 1) <= t_lo * (1.0 + 1e-12)).ok_or_else(|| {
            Error::param(
                "points",
                points,
                format!(
                    "at least {} to span [{t_lo}, {t_hi}] with one point per octave",
                    (t_hi / t_lo).log2().ceil() as usize + 1
                ),
            )
        })?;
        let mut times = Vec::with_capacity(points);
        let mut octave = Vec::with_capacity(points);
        for j in (0..points).rev() {
            times.push(point(m, j));
            octave.push((j / m) as u32);
        }
        Ok(TimeGrid { times, octave, per_octave: m, t_hi })
    }

    /// The grid times, ascending.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Steps per octave m.
    pub fn per_octave(&self) -> usize {
        self.per_octave
    }

    /// Octave index of point j (0 = the top octave [t_hi/2, t_hi]).
    pub(crate) fn octave_of(&self, j: usize) -> u32 {
        self.octave[j]
    }

    /// The step h_k = t_hi 2^{−k−1}/m of octave k.
    pub(crate) fn step(&self, k: u32) -> f64 {
        self.t_hi * 2f64.powi(-(k as i32) - 1) / self.per_octave as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_range_gives_about_21_points_per_octave() {
        let r = ScanRange::default();
        let g = TimeGrid::graded(r.t_min, r.t_max, r.points).unwrap();
        assert_eq!(g.times().len(), 400);
        assert!(g.times()[0] <= 1e-4);
        // log2(50/1e-4) = 18.9 octaves for 399 steps: 21 per octave.
        assert_eq!(g.per_octave(), 21);
        // Consecutive differences are the octave steps: the step reaching point j is h_{k_j}.
        for j in 1..g.times().len() {
            let h = g.times()[j] - g.times()[j - 1];
            assert!((h / g.step(g.octave_of(j)) - 1.0).abs() < 1e-9, "j={j}");
        }
        // Spacing in ln t within a factor of two of uniform.
        let dl: Vec<f64> = g.times().windows(2).map(|w| (w[1] / w[0]).ln()).collect();
        let (lo, hi) = dl.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(hi / lo <= 2.0 + 1e-9, "{lo} {hi}");
    }

    #[test]
    fn rejects_bad_ranges() {
        assert!(ScanRange::new(0.0, 1.0, 100).is_err());
        assert!(ScanRange::new(1.0, 1.0, 100).is_err());
        assert!(ScanRange::new(1e-3, f64::NAN, 100).is_err());
        assert!(ScanRange::new(1e-3, 1.0, 3).is_err());
        assert!(ScanRange::new(1e-3, 2e4, 100).is_err());
        // 8 points cannot span 20 octaves.
        let e = TimeGrid::graded(1e-6, 1.0, 8).unwrap_err();
        assert!(e.to_string().contains("points"), "{e}");
    }
}
