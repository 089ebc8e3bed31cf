//! The memorization fraction (SCIENCE.md §9.5): the fraction of generated samples whose distances to the nearest and
//! second nearest training point satisfy d₁/d₂ < 1/3.
//!
//! Distances are taken at the grid's end time t_K > 0 in the Σ_{t_K} metric, from the empirical score's kernel pass.
//! As t_K → 0, Σ_t ≈ 2t I and E_t ≈ I, so the ratio d₁/d₂ tends to the Euclidean ratio at t = 0 (the metric's scale
//! cancels in a ratio).

use serde::Serialize;

use super::engine::Setting;
use super::estimate::proportion;

/// The memorization threshold on d₁/d₂ (Biroli et al. 2024; SCIENCE.md §9.5).
pub const RATIO_THRESHOLD: f64 = 1.0 / 3.0;

/// The memorization fraction with its binomial standard error and the per-sample ratios.
#[derive(Clone, Debug, Serialize)]
pub struct MemorizationResult {
    /// Number of generated samples.
    pub samples: u64,
    /// Samples with d₁/d₂ < 1/3.
    pub memorized: u64,
    /// The fraction.
    pub fraction: f64,
    /// Its binomial standard error.
    pub fraction_se: f64,
    /// d₁/d₂ per sample, in index order.
    pub ratio: Vec<f64>,
    /// The grid time t_K at which the distances were taken.
    pub t_end: f64,
}

impl MemorizationResult {
    pub(crate) fn new(setting: &Setting, ratio: &[f64]) -> Self {
        let memorized = ratio.iter().filter(|&&r| r < RATIO_THRESHOLD).count() as u64;
        let e = proportion(memorized, ratio.len() as u64);
        MemorizationResult {
            samples: ratio.len() as u64,
            memorized,
            fraction: e.value,
            fraction_se: e.se,
            ratio: ratio.to_vec(),
            t_end: setting.t_end(),
        }
    }
}
