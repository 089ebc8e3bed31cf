//! One score type for runs whose score is chosen at run time (the config's `sampler.score`): static dispatch to the
//! mixture or the empirical score, so the sampler stays generic and monomorphic inside.

use super::empirical::EmpiricalScore;
use super::mixture::MixtureScore;
use super::Score;
use crate::error::Result;
use crate::random::Stream;

/// The exact mixture score or the exact empirical score.
// The two variants differ in size (the empirical score owns its whitened training set), but a run holds exactly one
// of them, once, so boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum AnyScore {
    /// Analytic: the data model's exact score.
    Mixture(MixtureScore),
    /// Empirical: the score of the training set (memorizes).
    Empirical(EmpiricalScore),
}

impl Score for AnyScore {
    fn dim(&self) -> usize {
        match self {
            AnyScore::Mixture(s) => s.dim(),
            AnyScore::Empirical(s) => s.dim(),
        }
    }

    fn prepare(&mut self, t: f64) -> Result<()> {
        match self {
            AnyScore::Mixture(s) => s.prepare(t),
            AnyScore::Empirical(s) => s.prepare(t),
        }
    }

    fn prepared_time(&self) -> Option<f64> {
        match self {
            AnyScore::Mixture(s) => s.prepared_time(),
            AnyScore::Empirical(s) => s.prepared_time(),
        }
    }

    fn evaluate(&mut self, x: &[f64], out: &mut [f64]) {
        match self {
            AnyScore::Mixture(s) => s.evaluate(x, out),
            AnyScore::Empirical(s) => s.evaluate(x, out),
        }
    }

    fn sample_marginal(&mut self, t: f64, rngs: &mut [Stream], x: &mut [f64]) -> Result<()> {
        match self {
            AnyScore::Mixture(s) => s.sample_marginal(t, rngs, x),
            AnyScore::Empirical(s) => s.sample_marginal(t, rngs, x),
        }
    }

    fn two_class_form(&self) -> Option<(&[f64], &[f64])> {
        match self {
            AnyScore::Mixture(s) => s.two_class_form(),
            AnyScore::Empirical(s) => s.two_class_form(),
        }
    }

    fn two_class_moments(&mut self, t: f64, gamma: &mut [f64], mean: &mut [f64]) -> Option<Result<()>> {
        match self {
            AnyScore::Mixture(s) => s.two_class_moments(t, gamma, mean),
            AnyScore::Empirical(s) => s.two_class_moments(t, gamma, mean),
        }
    }
}
