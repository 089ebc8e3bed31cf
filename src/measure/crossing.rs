//! The measured speciation time: where the measured cloning curve φ̂(t_b) crosses F(1) = 0.7752, the theoretical
//! cloning probability at t_S for any drift (SCIENCE.md §7), by linear interpolation between split times.

use serde::{Deserialize, Serialize};

use super::estimate::Estimate;

/// F(1) to the quadrature's accuracy: the cloning probability at s = 1, i.e. at t_S (SCIENCE.md §7 gives 0.7752).
/// [`crate::theory::cloning::cloning_probability`] computes it; the test below pins the constant to it.
pub const F_AT_T_S: f64 = 0.775_200_245;

/// A crossing time with its standard error and the bracketing split times.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// The interpolated time.
    pub t: f64,
    /// Its standard error (delta method, see [`crossing`]).
    pub se: f64,
    /// The bracketing times (t₁ < t₂).
    pub bracket: [f64; 2],
}

/// The time where a measured curve crosses `level`, by linear interpolation between the bracketing points.
///
/// φ̂ decreases with t_b (copies split earlier in generation agree less), so the crossing is taken where φ̂ goes from
/// above to below the level; with noise it may cross several times, and like t_S (the largest root, the first met in
/// generation) the largest such crossing is returned. With u = (level − φ₁)/(φ₂ − φ₁) and t = t₁ + u(t₂ − t₁), the
/// delta method with independent errors at the two points gives
/// se(t)² = (t₂ − t₁)²/(φ₂ − φ₁)² · [(1 − u)² se₁² + u² se₂²].
/// (The points of a full-integration run share their trajectories up to the earlier split, so they are positively
/// correlated and this overstates the error slightly.)
///
/// ```
/// use diffusion_regimes::measure::{crossing::crossing, estimate::Estimate};
/// let e = |v| Estimate { value: v, se: 0.01 };
/// let c = crossing(&[1.0, 2.0, 3.0], &[e(0.9), e(0.8), e(0.6)], 0.7).unwrap();
/// assert!((c.t - 2.5).abs() < 1e-12);
/// // u = ½, t₂ − t₁ = 1, φ₂ − φ₁ = −0.2: se = (1/0.2)·√(¼·10⁻⁴ + ¼·10⁻⁴).
/// assert!((c.se - (1.0 / 0.2) * (0.5f64 * 1e-4).sqrt()).abs() < 1e-12);
/// ```
///
/// `None` when the curve does not cross the level between two given times. Times must be ascending.
pub fn crossing(times: &[f64], phi: &[Estimate], level: f64) -> Option<Crossing> {
    assert_eq!(times.len(), phi.len(), "crossing: one estimate per time");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "crossing: ascending times");
    (1..times.len()).rev().find_map(|k| {
        let (t1, t2, p1, p2) = (times[k - 1], times[k], phi[k - 1], phi[k]);
        if !(p1.value >= level && p2.value < level) || t2 <= t1 {
            return None;
        }
        let dp = p2.value - p1.value;
        let u = (level - p1.value) / dp;
        let t = t1 + u * (t2 - t1);
        let se = (t2 - t1) / dp.abs() * ((1.0 - u).powi(2) * p1.se * p1.se + u * u * p2.se * p2.se).sqrt();
        Some(Crossing { t, se, bracket: [t1, t2] })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_is_the_theory_value() {
        let f1 = crate::theory::cloning::cloning_probability(1.0).unwrap();
        assert!((F_AT_T_S - f1).abs() < 1e-7, "F(1) = {f1}");
    }

    #[test]
    fn no_crossing_and_the_largest_crossing() {
        let e = |v| Estimate { value: v, se: 0.0 };
        assert!(crossing(&[1.0, 2.0], &[e(0.9), e(0.8)], 0.7).is_none());
        // Crosses down at 1.5, back up, and down again at 3.5: the largest crossing is reported.
        let c = crossing(&[1.0, 2.0, 3.0, 4.0], &[e(0.8), e(0.6), e(0.8), e(0.6)], 0.7).unwrap();
        assert!((c.t - 3.5).abs() < 1e-12 && c.se == 0.0);
    }
}
