//! Scores ∇ ln p_t of SCIENCE.md §5: the exact mixture score and the exact empirical score, behind one interface the
//! samplers drive.
//!
//! A score is *prepared* once per time t (E_t, Σ_t, Cholesky factors, whitened data: everything shared by all
//! particles) into buffers it owns, then *evaluated* on a particle-major batch `x[p * d + k]`, writing into a
//! caller's buffer of the same layout without allocating.

pub mod any;
pub mod empirical;
pub mod mixture;

use crate::error::Result;
use crate::random::Stream;

/// A score function ∇ₓ ln p_t(x) evaluated on batches.
pub trait Score {
    /// Dimension d.
    fn dim(&self) -> usize;

    /// Prepares the per-time data for forward time t. Calling it again with the same t does nothing.
    ///
    /// # Errors
    /// [`crate::error::Error::Param`] for a t the score is not defined at (not finite, negative, or t = 0 for a
    /// score with a singular p₀), [`crate::error::Error::NotSpd`] when a covariance at time t cannot be factored.
    fn prepare(&mut self, t: f64) -> Result<()>;

    /// The time of the last successful [`Score::prepare`], if any.
    fn prepared_time(&self) -> Option<f64>;

    /// Writes ∇ ln p_t(x_p) into `out` row p for every particle row of `x` (both particle-major, length P·d), at the
    /// prepared time. Allocation-free once the workspace has grown to the batch's tile size.
    ///
    /// Panics when no time is prepared or the buffers do not hold whole rows of length d (contract violations).
    fn evaluate(&mut self, x: &[f64], out: &mut [f64]);

    /// Fills `x` (particle-major, one row per stream) with exact samples of p_t, particle p drawing from `rngs[p]`:
    /// the exact start of generation at t = T (SCIENCE.md §6) and the shortcut of the cloning experiment (§9.1).
    ///
    /// # Errors
    /// As [`Score::prepare`].
    fn sample_marginal(&mut self, t: f64, rngs: &mut [Stream], x: &mut [f64]) -> Result<()>;

    /// At the prepared time, `Some((B, g))` when the score has the form S(x) = −B x + tanh(gᵀx) g (B row-major d×d):
    /// the symmetric two-class mixture with a shared covariance, B = Γ_t⁻¹, g = Γ_t⁻¹ m_t. A sampler may then fold
    /// −B into its linear coefficient (one d×d product per particle instead of two). `None` by default.
    fn two_class_form(&self) -> Option<(&[f64], &[f64])> {
        None
    }

    /// For a score of the two-class form ([`Score::two_class_form`]): writes the shared covariance Γ_t (row-major
    /// d×d) and a class mean m_t (d) of the mixture pushed forward to time t, without changing the prepared time; the
    /// white step continues them from step to step ([`crate::sampler::whitened`]). `None` when the score has no such
    /// form (the default).
    ///
    /// # Errors
    /// As [`Score::prepare`].
    fn two_class_moments(&mut self, _t: f64, _gamma: &mut [f64], _mean: &mut [f64]) -> Option<Result<()>> {
        None
    }
}
