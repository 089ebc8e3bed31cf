//! The data models of SCIENCE.md §4: Gaussian mixtures at time 0, the manifold (GVM) model, and training sets drawn
//! from either.
//!
//! [`DataModel`] is the one interface a training set needs from a model: draw one point from a given stream.

pub mod manifold;
pub mod mixture;
pub mod training_set;

use crate::random::Stream;

/// A distribution at time 0 that can be sampled point by point.
///
/// Point i of a data set is drawn from its own stream (`stream(seed, Purpose::Data, i)`), so a data set does not
/// depend on how it is split into chunks.
pub trait DataModel {
    /// Dimension d of a point.
    fn dim(&self) -> usize;

    /// Draws one point into `out` (length d) and returns its class label. `scratch` is a reusable buffer the model may
    /// resize; passing the same one for many points avoids an allocation per point.
    fn sample_point(&self, rng: &mut Stream, scratch: &mut Vec<f64>, out: &mut [f64]) -> u32;
}
