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

/// f64 buffers of P × d held by a generation task: the original and its clone (or the two copies) with their white
/// coordinates (general U, two-class score), the generator's score, noise and next-state buffers, and the score output
/// of nearest-point queries.
const BATCH_BUFFERS: f64 = 8.0;

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
    let e = unchecked(scenario, config, grid, kind);
    check(&e)?;
    Ok(e)
}

/// The estimate of one task, not checked against the budgets.
fn unchecked(scenario: &Scenario, config: &MeasureConfig, grid: &TimeGrid, kind: &TaskKind) -> Estimate {
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
    Estimate { memory_bytes: memory, work }
}

/// The estimate of a whole run from its config alone, not checked against the budgets (the page shows it before Run,
/// over budget or not): no training set is drawn and no theory is evaluated, so it is cheap. The tasks are those
/// `engine::Measurement::new` plans and checks (the simulation; the theory reported beside the result is not counted:
/// `crate::budget`'s theory estimate is a loose upper bound, minutes where a d = 256 evaluation takes seconds), with one
/// difference: a sweep's split times are placed by the theory's t_S, which is not evaluated here, so every split is put
/// at T (an upper bound for the cloning work).
///
/// # Errors
/// Any [`crate::error::Error::Param`] of validation, or of a sweep value that does not build.
pub fn estimate_config(config: &MeasureConfig) -> Result<crate::budget::Estimate> {
    use crate::config::measure::apply_parameter;
    use crate::config::{Experiment, SweptQuantity};
    use crate::measure::cloning::splits;
    let scenario = config.validate()?;
    let grid = TimeGrid::from_spec(&config.sampler.grid)?;
    let e = match &config.experiment {
        Experiment::Cloning { split_times, method } => {
            let kind = TaskKind::Cloning { splits: splits(&grid, split_times)?, method: *method };
            unchecked(&scenario, config, &grid, &kind)
        }
        Experiment::Entropy { times } => {
            unchecked(&scenario, config, &grid, &TaskKind::Entropy { times: times.clone() })
        }
        Experiment::NearestNeighbour {} => unchecked(&scenario, config, &grid, &TaskKind::Trajectories { track: true }),
        Experiment::Memorization {} => unchecked(&scenario, config, &grid, &TaskKind::Trajectories { track: false }),
        Experiment::Sweep { parameter, values, measure, split_factors, method } => {
            let mut total = Estimate::default();
            let at_t = vec![config.sampler.grid.t_max; split_factors.len()];
            for &value in values {
                let Ok(scenario) = apply_parameter(&config.scenario, *parameter, value).and_then(|sc| sc.build())
                else {
                    continue; // reported per value by the run itself
                };
                if measure.contains(&SweptQuantity::TS) {
                    let kind = TaskKind::Cloning { splits: splits(&grid, &at_t)?, method: *method };
                    total = total.combine(unchecked(&scenario, config, &grid, &kind));
                }
                if measure.contains(&SweptQuantity::TC) {
                    // The t_C runs always use the empirical score (whatever `sampler.score` says for t_S).
                    let mut empirical = config.clone();
                    empirical.sampler.score = ScoreKind::Empirical;
                    let kind = TaskKind::Trajectories { track: true };
                    total = total.combine(unchecked(&scenario, &empirical, &grid, &kind));
                }
            }
            total
        }
    };
    Ok(crate::budget::Estimate::new(e.memory_bytes, e.work))
}
