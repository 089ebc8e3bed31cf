//! Monte Carlo estimates with their standard errors: a proportion of successes (binomial) and a sample mean.

use serde::{Deserialize, Serialize};

/// An estimate and its standard error.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The estimate.
    pub value: f64,
    /// Its standard error.
    pub se: f64,
}

/// The proportion p̂ = k/N with the binomial standard error √(p̂(1 − p̂)/N) (SCIENCE.md §9.1).
///
/// ```
/// use diffusion_regimes::measure::estimate::proportion;
/// let e = proportion(75, 100);
/// assert_eq!(e.value, 0.75);
/// assert!((e.se - (0.75f64 * 0.25 / 100.0).sqrt()).abs() < 1e-15);
/// ```
///
/// Panics when N = 0 or k > N (a caller's counting bug).
pub fn proportion(k: u64, n: u64) -> Estimate {
    assert!(n > 0 && k <= n, "proportion {k}/{n}");
    let p = k as f64 / n as f64;
    Estimate { value: p, se: (p * (1.0 - p) / n as f64).sqrt() }
}

/// The sample mean with the standard error s/√N, s² the unbiased sample variance (0 for a single value), summed in
/// index order so the result does not depend on how the values were computed.
///
/// ```
/// use diffusion_regimes::measure::estimate::mean;
/// let e = mean(&[1.0, 2.0, 3.0]);
/// assert_eq!(e.value, 2.0);
/// assert!((e.se - (1.0f64 / 3.0).sqrt()).abs() < 1e-15);
/// ```
///
/// Panics on an empty slice.
pub fn mean(xs: &[f64]) -> Estimate {
    assert!(!xs.is_empty(), "mean of no values");
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    if xs.len() == 1 {
        return Estimate { value: m, se: 0.0 };
    }
    let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    Estimate { value: m, se: (var / n).sqrt() }
}
