//! The memory and work budgets of a measurement, checked before it starts (SCIENCE.md §9 runs can be made
//! arbitrarily large from a config or the page): a run over budget is refused with [`crate::error::Error::Budget`] naming the
//! budget, never by running out of memory half-way.
//!
//! The estimates are conservative: memory as if one unit held every index of a task at once (the single-Worker
//! browser path), work as the number of operations of the score evaluations, the noise and the per-step preparation.

use serde::Serialize;

use crate::config::{MeasureConfig, Scenario, ScoreKind};
use crate::error::Result;
use crate::isotropic::Isotropic;
use crate::measure::engine::TaskKind;
use crate::sampler::grid::TimeGrid;

/// f64 buffers of P × d held by a generation task: the original and its clone (or the two copies), the generator's
/// score, noise and next-state buffers, and the score output of nearest-point queries.
const BATCH_BUFFERS: f64 = 6.0;

/// Copies of the n × d training set: the set, the empirical score's own copy and its tile-transposed copy, a
/// nearest-point finder's two, plus (general U) the whitened keys and their transposed copy.
const TRAINING_COPIES_ISOTROPIC: f64 = 5.0;
const TRAINING_COPIES_GENERAL: f64 = 7.0;

/// d × d matrices held by the process, the integrator's coefficients, the score's per-time data and transitions.
const MATRICES: f64 = 24.0;

/// Bytes of an f64.
const F64: f64 = 8.0;

/// The estimated memory (bytes) and work (operations) of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Estimate {
    /// Peak memory in bytes.
    pub memory_bytes: f64,
    /// Operations.
    pub work: f64,
}

impl Estimate {
    /// Two tasks run one after the other: the larger memory, the summed work.
    pub fn combine(self, other: Estimate) -> Estimate {
        Estimate { memory_bytes: self.memory_bytes.max(other.memory_bytes), work: self.work + other.work }
    }
}

/// Checks an estimate against the crate's budgets ([`crate::budget::MEMORY_LIMIT_BYTES`],
/// [`crate::budget::WORK_LIMIT_FLOPS`]): one set of limits for every run kind.
///
/// # Errors
/// [`crate::error::Error::Budget`] with `budget` = "memory" or "work".
pub fn check(e: &Estimate) -> Result<()> {
    crate::budget::Estimate::new(e.memory_bytes, e.work).check()
}

/// The estimate of one task on a scenario, checked.
///
/// # Errors
/// [`crate::error::Error::Budget`] as [`check`].
pub fn estimate(scenario: &Scenario, config: &MeasureConfig, grid: &TimeGrid, kind: &TaskKind) -> Result<Estimate> {
    let d = scenario.process.dim() as f64;
    let n = scenario.n as f64;
    let p = config.sampler.particles as f64;
    let steps = grid.steps();
    let iso = Isotropic::of(&scenario.process).is_some();
    let empirical = config.sampler.score == ScoreKind::Empirical;
    let training_bytes = n * d * F64 * if iso { TRAINING_COPIES_ISOTROPIC } else { TRAINING_COPIES_GENERAL };
    let mut memory = MATRICES * d * d * F64;
    // Per particle-step: the score, plus d for the noise and the integrator's update.
    let score_cost = if empirical {
        n * d + if iso { 0.0 } else { 2.0 * d * d }
    } else {
        let k = scenario.data.mixture().map(|m| m.n_classes() as f64).unwrap_or(2.0);
        if iso {
            2.0 * d
        } else {
            k * d * d
        }
    } + d;
    // Per step: the per-time preparation (transition and whitening) for a general U.
    let prep = if iso { 0.0 } else { 10.0 * d * d * d + if empirical { n * d * d } else { 0.0 } };
    let work = match kind {
        TaskKind::Cloning { splits, method } => {
            memory += BATCH_BUFFERS * p * d * F64 + if empirical { training_bytes } else { 0.0 };
            let particle_steps = super::cloning::steps_per_pair(splits, steps, *method) as f64;
            particle_steps * (p * score_cost + prep)
        }
        TaskKind::Entropy { times } => {
            memory += training_bytes + p * d * F64 + p * times.len() as f64 * F64;
            times.len() as f64 * (p * n * d + n * d * d)
        }
        TaskKind::Trajectories { track } => {
            memory += BATCH_BUFFERS * p * d * F64 + training_bytes;
            let query = if *track { n * d } else { 0.0 };
            steps as f64 * (p * (score_cost + query) + prep)
        }
    };
    let e = Estimate { memory_bytes: memory, work };
    check(&e)?;
    Ok(e)
}
