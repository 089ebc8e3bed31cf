//! The memory and work budgets of a measurement, checked before it starts (SCIENCE.md §9 runs can be made
//! arbitrarily large from a config or the page): a run over budget is refused with [`crate::error::Error::Budget`] naming the
//! budget, never by running out of memory half-way.
//!
//! The estimates are conservative for memory (as if one unit held every index of a task at once: the single-Worker
//! browser path), and for work use [`crate::budget`]'s measured cost model: seconds in one Worker on the reference
//! machine for the score evaluations, the noise, the per-step preparation and the theory reported beside the result.

use serde::Serialize;

use crate::budget::{cost, new_step_sizes, StepKind};
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

/// d × d matrices held by the process, the integrator's coefficients, the score's per-time data and transitions:
/// measured natively at d = 1024, 66 for a log-spaced U (generation) and 20 for U = I.
const MATRICES_GENERAL: f64 = 66.0;
const MATRICES_ISOTROPIC: f64 = 20.0;

/// Bytes of an f64.
const F64: f64 = 8.0;

/// The estimated memory (bytes) and work (seconds in one Worker on the reference machine, [`crate::budget::cost`])
/// of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Estimate {
    /// Peak memory in bytes.
    pub memory_bytes: f64,
    /// Seconds in one Worker.
    pub seconds: f64,
    /// The part of `seconds` that divides among the Workers of a pool (the per-index work); each Worker repeats the
    /// rest (the per-step preparation).
    pub split_seconds: f64,
}

impl Estimate {
    /// Two tasks run one after the other: the larger memory, the summed work.
    pub fn combine(self, other: Estimate) -> Estimate {
        Estimate {
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
            seconds: self.seconds + other.seconds,
            split_seconds: self.split_seconds + other.split_seconds,
        }
    }

    fn whole(self) -> crate::budget::Estimate {
        crate::budget::Estimate::new(self.memory_bytes, self.seconds, self.split_seconds)
    }
}

/// Checks an estimate against the crate's budgets ([`crate::budget::MEMORY_LIMIT_BYTES`],
/// [`crate::budget::WORK_LIMIT_SECONDS`]): one set of limits for every run kind.
///
/// # Errors
/// [`crate::error::Error::Budget`] with `budget` = "memory" or "work".
pub fn check(e: &Estimate) -> Result<()> {
    e.whole().check()
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

/// How the scenario's score steps ([`crate::budget`]'s cost model; `white` when the two-class step may run in white
/// coordinates: the exponential SDE step on a uniform grid, [`crate::sampler::generate::Generator::whiten`]).
fn step_kind(scenario: &Scenario, score: ScoreKind, iso: bool, white: bool, batch: f64) -> StepKind {
    match score {
        ScoreKind::Empirical => StepKind::Empirical { n: scenario.n as f64, batch },
        ScoreKind::Analytic => match scenario.data.mixture() {
            Some(m) if m.n_classes() > 2 || m.symmetric_two_class_mean().is_none() => {
                StepKind::Mixture { classes: m.n_classes() as f64 }
            }
            Some(m) if iso && m.isotropic_variance().is_some() => StepKind::Scalar,
            _ => StepKind::TwoClass { products: if white { 1.0 } else { 2.0 } },
        },
    }
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
    let white = crate::sampler::whitened::applies(config.sampler.integrator, grid);
    let step = step_kind(scenario, config.sampler.score, iso, white, p);
    let per_particle = step.particle_step(d, iso);
    let prep = step.preparation(d, iso);
    // New step coefficients, once per task and Worker (the grid's distinct step sizes).
    let coefficients = new_step_sizes(grid, config.sampler.integrator, d, iso);
    // Tracking the nearest training points rides on the empirical score's pass (`evaluate_with_nearest`): a quarter
    // more per particle-step.
    let query = 0.25 * StepKind::Empirical { n, batch: p }.particle_step(d, true);
    let mut memory = if iso { MATRICES_ISOTROPIC } else { MATRICES_GENERAL } * d * d * F64;
    let (split, serial) = match kind {
        TaskKind::Cloning { splits, method } => {
            memory += BATCH_BUFFERS * p * d * F64 + if empirical { training_bytes } else { 0.0 };
            let particle_steps = super::cloning::steps_per_pair(splits, steps, *method) as f64;
            (particle_steps * p * per_particle, particle_steps * prep + coefficients)
        }
        TaskKind::Entropy { times } => {
            memory += training_bytes + p * d * F64 + p * times.len() as f64 * F64;
            let t = times.len() as f64;
            let whiten = if iso { 0.0 } else { n * d * d * cost::WHITEN_MAC };
            (t * p * n * d * cost::ENTROPY_UNIT, t * whiten)
        }
        TaskKind::Trajectories { track } => {
            memory += BATCH_BUFFERS * p * d * F64 + training_bytes;
            let q = if *track { query } else { 0.0 };
            (steps as f64 * p * (per_particle + q), steps as f64 * prep + coefficients)
        }
    };
    // The theory reported beside the result (`super::reference`): t_S on the default scan (400 points) and φ at
    // every grid time for cloning; t_C (about 30 evaluations of f) and f at the estimator's times for the collapse
    // measurements.
    let theory_points = match kind {
        TaskKind::Cloning { .. } => 400.0 + steps as f64,
        TaskKind::Entropy { times } => 30.0 + times.len() as f64,
        TaskKind::Trajectories { track: true } => 30.0,
        TaskKind::Trajectories { track: false } => 0.0,
    };
    let theory = if theory_points > 0.0 { crate::budget::theory_points(d, theory_points).seconds } else { 0.0 };
    Estimate { memory_bytes: memory, seconds: split + serial + theory, split_seconds: split }
}

/// The estimate of a whole run from its config alone, not checked against the budgets (the page shows it before Run,
/// over budget or not): no training set is drawn and no theory is evaluated, so it is cheap. The tasks are those
/// `engine::Measurement::new` plans and checks (the simulation and the theory reported beside the result), with one
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
    Ok(e.whole())
}
