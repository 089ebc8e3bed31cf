//! The engine of the measurements: a validated run ([`Measurement`]) is a list of tasks over one global index space;
//! a work unit is a contiguous range of it, run by [`run_unit`] (or resumably by [`UnitJob`], a chunk of steps at a
//! time, so a browser Worker can report progress and honour a cancel between chunks); [`merge`] combines the units'
//! [`Partial`]s in index order and [`finish`] turns them into a [`MeasureResult`] beside the theory.
//!
//! Index layout: task j owns global indices `offset_j .. offset_j + count_j`; within a task, local index i is clone
//! pair, trajectory or estimator sample i, and draws from streams indexed by i only. A cloning or trajectory task of
//! `sampler.particles` = P has P indices; an entropy task has P samples (each evaluated at every time). A sweep has
//! one task per (value, measured quantity), in value order, t_S before t_C.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::budget;
use super::cloning::{self, CloningResult, Split};
use super::entropy::{self, EntropyResult};
use super::memorization::MemorizationResult;
use super::nearest_neighbour::{self, NearestNeighbourResult};
use super::sweep::{self, SweepResult};
use crate::config::measure::apply_parameter;
use crate::config::{CloningMethod, Experiment, MeasureConfig, Scenario, ScenarioConfig, ScoreKind, SweptQuantity};
use crate::data::training_set::TrainingSet;
use crate::error::{Error, Result};
use crate::sampler::generate::{Generator, Start};
use crate::sampler::grid::TimeGrid;
use crate::sampler::integrator::Integrator;
use crate::sampler::step_bias::{step_warning, StepWarning};
use crate::score::any::AnyScore;
use crate::score::empirical::{EmpiricalScore, Nearest};
use crate::score::mixture::MixtureScore;

/// Indices per work unit the native runner uses for generation experiments: 64 particles of d = 1024 are 512 KiB
/// per buffer, small enough to stay in cache, and many units balance the threads.
pub const UNIT_PARTICLES: u64 = 64;

/// Samples per work unit of the entropy estimator: each unit whitens the training set once per time (O(n d), or
/// O(n d²) for a general U), so units are larger than for generation.
pub const UNIT_SAMPLES: u64 = 512;

/// What the experiment needs from one scenario, built once and shared by every unit.
#[derive(Clone, Debug)]
pub struct Setting {
    /// The validated scenario.
    pub scenario: Scenario,
    /// The training set (drawn from [`crate::generation::training_seed`] of the run's seed, as the generation views
    /// do) when the score, a nearest-point query or the estimator needs it.
    pub training: Option<TrainingSet>,
    /// The score of generation.
    pub score: ScoreKind,
    /// The generation grid.
    pub grid: TimeGrid,
    /// The integrator.
    pub integrator: Integrator,
    /// The start at T.
    pub start: Start,
    /// The run's seed.
    pub seed: u64,
}

/// The end of one generated trajectory: its class at t = 0 and, when nearest points were computed, its nearest
/// training point (`u32::MAX` when not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Class index (the mixture's class index, or the label of the nearest training point).
    pub class: u32,
    /// Index of the nearest training point, or `u32::MAX`.
    pub point: u32,
}

impl Setting {
    /// The score of generation.
    ///
    /// # Errors
    /// [`Error::Param`] for an analytic score without a mixture (refused in validation before this point).
    pub fn score(&self) -> Result<AnyScore> {
        let p = &self.scenario.process;
        match self.score {
            ScoreKind::Analytic => {
                let m = self.scenario.data.mixture().ok_or_else(|| {
                    Error::param("sampler.score", "analytic", "a mixture data model for the analytic score")
                })?;
                Ok(AnyScore::Mixture(MixtureScore::new(p, m)?))
            }
            ScoreKind::Empirical => Ok(AnyScore::Empirical(EmpiricalScore::new(p, self.training()?)?)),
        }
    }

    /// The training set.
    ///
    /// # Errors
    /// [`Error::Param`] if it was not drawn (a bug of the task planning, reported rather than panicking).
    pub fn training(&self) -> Result<&TrainingSet> {
        self.training.as_ref().ok_or_else(|| Error::numerical("measurement", "no training set was drawn"))
    }

    /// A generator on the whole grid (the white two-class step allowed, as in generation runs: [`Generator::whiten`]).
    ///
    /// # Errors
    /// As [`Setting::score`] and [`Generator::new`].
    pub fn generator(&self) -> Result<Generator<AnyScore>> {
        self.generator_on(self.grid.clone())
    }

    /// A generator on `grid` (a tail of the setting's grid), the white two-class step allowed.
    ///
    /// # Errors
    /// As [`Setting::score`] and [`Generator::new`].
    pub fn generator_on(&self, grid: TimeGrid) -> Result<Generator<AnyScore>> {
        let mut g = Generator::new(&self.scenario.process, self.score()?, grid, self.integrator)?;
        g.whiten();
        Ok(g)
    }

    /// A separate nearest-point finder when generation does not use the empirical score.
    ///
    /// # Errors
    /// As [`EmpiricalScore::new`].
    pub fn finder(&self, needed: bool) -> Result<Option<EmpiricalScore>> {
        if needed && self.score != ScoreKind::Empirical {
            Ok(Some(EmpiricalScore::new(&self.scenario.process, self.training()?)?))
        } else {
            Ok(None)
        }
    }

    /// The end time of generation t_K.
    pub fn t_end(&self) -> f64 {
        *self.grid.times().last().expect("a grid has at least two times")
    }
}

/// Buffers of nearest-point queries, reused across calls.
#[derive(Clone, Debug, Default)]
pub struct NearestBuffers {
    out: Vec<f64>,
    /// The nearest points of the last query, one per particle.
    pub nearest: Vec<Nearest>,
}

impl NearestBuffers {
    /// The nearest training points (in the Σ_t metric) of the particle rows `x` at forward time t, through the
    /// generator's empirical score or the separate finder.
    ///
    /// # Errors
    /// As [`crate::score::Score::prepare`] (t must be > 0).
    pub fn query(
        &mut self,
        generator: &mut Generator<AnyScore>,
        finder: &mut Option<EmpiricalScore>,
        t: f64,
        x: &[f64],
    ) -> Result<()> {
        use crate::score::Score;
        let score = match finder {
            Some(f) => f,
            None => match generator.score_mut() {
                AnyScore::Empirical(s) => s,
                AnyScore::Mixture(_) => unreachable!("a finder is built whenever the score is analytic"),
            },
        };
        score.prepare(t)?;
        let d = score.dim();
        self.out.resize(x.len(), 0.0);
        self.nearest.resize(x.len() / d, Nearest::default());
        score.evaluate_with_nearest(x, &mut self.out, Some(&mut self.nearest));
        Ok(())
    }
}

/// Classes at t = 0 of the particle rows `x` (SCIENCE.md §9.1): with the empirical score the label of the nearest
/// training point (computed at the grid's end time t_K > 0, in the Σ_{t_K} metric); with the analytic score the
/// nearest class mean (two symmetric classes ±μ: the sign of μ·x), by [`crate::generation::classify`], the one
/// definition shared with the generation views.
///
/// # Errors
/// As [`NearestBuffers::query`].
pub fn classify(
    setting: &Setting,
    generator: &mut Generator<AnyScore>,
    buffers: &mut NearestBuffers,
    x: &[f64],
) -> Result<Vec<Outcome>> {
    let d = setting.scenario.process.dim();
    if setting.score == ScoreKind::Empirical {
        buffers.query(generator, &mut None, setting.t_end(), x)?;
        let labels = setting.training()?.labels();
        return Ok(buffers.nearest.iter().map(|n| Outcome { class: labels[n.index], point: n.index as u32 }).collect());
    }
    let m = setting.scenario.data.mixture().expect("the analytic score has a mixture");
    let means: Vec<Vec<f64>> = m.means().iter().map(|mu| mu.as_slice().to_vec()).collect();
    let classes = crate::generation::classify(x, d, &means, None);
    Ok(classes.into_iter().map(|class| Outcome { class, point: u32::MAX }).collect())
}

/// A seed for the k-th part of a run with a given purpose tag, derived from the run's seed (the streams mix it again,
/// see [`crate::random::stream`]).
pub fn derived_seed(seed: u64, tag: u64, k: u64) -> u64 {
    seed ^ (tag.wrapping_mul(0xD1B5_4A32_D192_ED03)).wrapping_add((k + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// What one task computes.
#[derive(Clone, Debug)]
pub enum TaskKind {
    /// Clone pairs split at each split time.
    Cloning {
        /// The split points, in config order.
        splits: Vec<Split>,
        /// Full integration or the exact-start shortcut.
        method: CloningMethod,
    },
    /// The entropy estimator at the given times.
    Entropy {
        /// Forward times, in config order.
        times: Vec<f64>,
    },
    /// Generated trajectories: nearest point at the end, and its stability along the way when `track`.
    Trajectories {
        /// Whether t̂_C is tracked (a nearest-point query at every grid time).
        track: bool,
    },
}

/// One task: a kind on a setting, over `count` indices starting at `offset` of the global index space.
#[derive(Clone, Debug)]
pub struct Task {
    /// Index of the setting in [`Measurement::settings`].
    pub setting: usize,
    /// What it computes.
    pub kind: TaskKind,
    /// Number of indices.
    pub count: u64,
    /// First global index.
    pub offset: u64,
}

/// A validated, prepared measurement: settings (training sets drawn), tasks, and the sweep's plan.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// The config it was built from.
    pub config: MeasureConfig,
    /// The settings (one, or one per valid sweep value).
    pub settings: Vec<Setting>,
    /// The tasks, in global index order.
    pub tasks: Vec<Task>,
    /// The sweep's per-value plan (theory, task indices, messages).
    pub sweep: Option<sweep::Plan>,
    /// The budget estimate that was checked.
    pub estimate: budget::Estimate,
}

fn setting_for(
    config: &MeasureConfig,
    scenario_config: &ScenarioConfig,
    score: ScoreKind,
    need_training: bool,
) -> Result<Setting> {
    let scenario = scenario_config.build()?;
    let grid = TimeGrid::from_spec(&config.sampler.grid)?;
    let training = if need_training || score == ScoreKind::Empirical {
        Some(scenario.training_set(crate::generation::training_seed(config.seed))?)
    } else {
        None
    };
    Ok(Setting {
        scenario,
        training,
        score,
        grid,
        integrator: config.sampler.integrator,
        start: config.sampler.start,
        seed: config.seed,
    })
}

/// Nearest training points are computed at the grid's end time in the Σ_t metric, which needs t > 0.
fn check_positive_end(config: &MeasureConfig) -> Result<()> {
    if config.sampler.grid.t_min > 0.0 {
        Ok(())
    } else {
        Err(Error::param(
            "sampler.grid.t_min",
            config.sampler.grid.t_min,
            "a time > 0 (e.g. 1e-3) when nearest training points are needed: they are found in the Σ_t metric",
        ))
    }
}

impl Measurement {
    /// The step warnings (SCIENCE.md §6: Euler steps over 0.1/‖A‖₂; the predicted step-size bias), one per setting
    /// that has one (a sweep: each value's own process), in setting order. None for the entropy estimator, which
    /// integrates nothing.
    pub fn step_warnings(&self) -> Vec<StepWarning> {
        if matches!(self.config.experiment, Experiment::Entropy { .. }) {
            return Vec::new();
        }
        self.settings.iter().filter_map(|s| step_warning(&s.scenario, s.score, s.integrator, &s.grid)).collect()
    }

    /// Validates the config, checks the budgets (before anything large is allocated), draws the training sets and
    /// plans the tasks.
    ///
    /// # Errors
    /// Any [`Error::Param`] of validation (naming the parameter); [`Error::Budget`] naming the memory or work budget.
    pub fn new(config: &MeasureConfig) -> Result<Self> {
        let scenario = config.validate()?;
        let p = config.sampler.particles as u64;
        let grid = TimeGrid::from_spec(&config.sampler.grid)?;
        let empirical = config.sampler.score == ScoreKind::Empirical;
        match &config.experiment {
            Experiment::Cloning { split_times, method } => {
                if empirical {
                    check_positive_end(config)?;
                }
                let splits = cloning::splits(&grid, split_times)?;
                let kind = TaskKind::Cloning { splits, method: *method };
                let estimate = budget::estimate(&scenario, config, &grid, &kind)?;
                let setting = setting_for(config, &config.scenario, config.sampler.score, false)?;
                let tasks = vec![Task { setting: 0, kind, count: p, offset: 0 }];
                Ok(Measurement { config: config.clone(), settings: vec![setting], tasks, sweep: None, estimate })
            }
            Experiment::Entropy { times } => {
                let kind = TaskKind::Entropy { times: times.clone() };
                let estimate = budget::estimate(&scenario, config, &grid, &kind)?;
                let setting = setting_for(config, &config.scenario, config.sampler.score, true)?;
                let tasks = vec![Task { setting: 0, kind, count: p, offset: 0 }];
                Ok(Measurement { config: config.clone(), settings: vec![setting], tasks, sweep: None, estimate })
            }
            Experiment::NearestNeighbour {} | Experiment::Memorization {} => {
                check_positive_end(config)?;
                let track = matches!(config.experiment, Experiment::NearestNeighbour {});
                let kind = TaskKind::Trajectories { track };
                let estimate = budget::estimate(&scenario, config, &grid, &kind)?;
                let setting = setting_for(config, &config.scenario, config.sampler.score, true)?;
                let tasks = vec![Task { setting: 0, kind, count: p, offset: 0 }];
                Ok(Measurement { config: config.clone(), settings: vec![setting], tasks, sweep: None, estimate })
            }
            Experiment::Sweep { parameter, values, measure, split_factors, method } => {
                if measure.contains(&SweptQuantity::TC) || empirical {
                    check_positive_end(config)?;
                }
                let mut plan = sweep::Plan::new(*parameter, values);
                let (mut settings, mut tasks) = (Vec::new(), Vec::new());
                let mut estimate = budget::Estimate::default();
                let mut offset = 0;
                for (v, &value) in values.iter().enumerate() {
                    let built =
                        apply_parameter(&config.scenario, *parameter, value).and_then(|sc| sc.build().map(|s| (sc, s)));
                    let (sc, scenario) = match built {
                        Ok(x) => x,
                        Err(e) => {
                            plan.message(v, e.to_string());
                            continue;
                        }
                    };
                    if config.sampler.score == ScoreKind::Analytic && scenario.data.mixture().is_none() {
                        plan.message(v, "the analytic score needs a mixture data model".into());
                        continue;
                    }
                    plan.theory(v, &scenario);
                    let mut add = |kind: TaskKind, score: ScoreKind, need_training: bool| -> Result<usize> {
                        estimate = estimate.combine(budget::estimate(&scenario, config, &grid, &kind)?);
                        budget::check(&estimate)?;
                        settings.push(setting_for(config, &sc, score, need_training)?);
                        tasks.push(Task { setting: settings.len() - 1, kind, count: p, offset });
                        offset += p;
                        Ok(tasks.len() - 1)
                    };
                    if measure.contains(&SweptQuantity::TS) {
                        match plan.theory_t_s[v] {
                            Some(t_s) => {
                                let times: Vec<f64> = split_factors.iter().map(|f| f * t_s).collect();
                                match cloning::splits(&grid, &times) {
                                    Ok(splits) => {
                                        let j = add(
                                            TaskKind::Cloning { splits, method: *method },
                                            config.sampler.score,
                                            false,
                                        )?;
                                        plan.t_s_task[v] = Some(j);
                                    }
                                    Err(e) => plan.message(v, format!("t_S not measured: {e}")),
                                }
                            }
                            None => plan
                                .message(v, "t_S not measured: the theory has no t_S to place the split times".into()),
                        }
                    }
                    if measure.contains(&SweptQuantity::TC) {
                        let j = add(TaskKind::Trajectories { track: true }, ScoreKind::Empirical, true)?;
                        plan.t_c_task[v] = Some(j);
                    }
                }
                Ok(Measurement { config: config.clone(), settings, tasks, sweep: Some(plan), estimate })
            }
        }
    }

    /// Size of the global index space.
    pub fn total(&self) -> u64 {
        self.tasks.last().map(|t| t.offset + t.count).unwrap_or(0)
    }

    /// The work of the indices in `range` (particle-steps, or sample-times for the estimator), for progress reports.
    pub fn work(&self, range: Range<u64>) -> u64 {
        pieces(self, range.clone())
            .iter()
            .map(|(j, r)| self.task_work(*j) / self.tasks[*j].count * (r.end - r.start))
            .sum()
    }

    fn task_work(&self, j: usize) -> u64 {
        let task = &self.tasks[j];
        let steps = self.settings[task.setting].grid.steps() as u64;
        task.count * per_index_work(&task.kind, steps)
    }

    /// Contiguous units covering the index space: entropy tasks in [`UNIT_SAMPLES`], others in [`UNIT_PARTICLES`]
    /// (a unit may straddle two tasks of a sweep).
    pub fn units(&self) -> Vec<Range<u64>> {
        let size = if self.tasks.iter().all(|t| matches!(t.kind, TaskKind::Entropy { .. })) {
            UNIT_SAMPLES
        } else {
            UNIT_PARTICLES
        };
        let total = self.total();
        (0..total.div_ceil(size)).map(|u| u * size..((u + 1) * size).min(total)).collect()
    }
}

/// Work per index of a task kind on a grid of `steps` steps.
fn per_index_work(kind: &TaskKind, steps: u64) -> u64 {
    match kind {
        TaskKind::Cloning { splits, method } => cloning::steps_per_pair(splits, steps as usize, *method) as u64,
        TaskKind::Entropy { times } => times.len() as u64,
        TaskKind::Trajectories { .. } => steps,
    }
}

/// The parts of `range` falling in each task: (task index, local range).
fn pieces(m: &Measurement, range: Range<u64>) -> Vec<(usize, Range<u64>)> {
    m.tasks
        .iter()
        .enumerate()
        .filter_map(|(j, t)| {
            let (a, b) = (range.start.max(t.offset), range.end.min(t.offset + t.count));
            (a < b).then(|| (j, a - t.offset..b - t.offset))
        })
        .collect()
}

/// The result of one task over a local range of indices: integer counts or per-index values in index order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PieceData {
    /// Per split time (config order): pairs ending in the same class, and at the same training point (empirical
    /// score only; empty otherwise).
    Cloning {
        /// Same-class counts.
        same_class: Vec<u64>,
        /// Same-training-point counts.
        same_point: Vec<u64>,
    },
    /// Per sample and time, sample-major: `values[i * times + k]` = ½ + (1/d) ln Σ_j e^{−½|y_i − b_j|²}.
    Entropy {
        /// The per-sample terms of crit(t).
        values: Vec<f64>,
    },
    /// Per trajectory: t̂_C (NaN when not tracked) and d₁/d₂ at the end.
    Trajectories {
        /// Nearest-neighbour stability times (NaN travels as `null` in JSON, which has no NaN).
        #[serde(with = "nan_as_null")]
        t_hat: Vec<f64>,
        /// Ratios of the distances to the nearest and second nearest training point.
        ratio: Vec<f64>,
    },
}

/// Serde of a `Vec<f64>` whose NaN entries are written as `null` and read back as NaN, so a partial survives its JSON
/// round trip between the Workers of a pool (serde_json writes NaN as `null` and refuses `null` for an `f64`).
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let opt: Vec<Option<f64>> = v.iter().map(|&x| if x.is_nan() { None } else { Some(x) }).collect();
        opt.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let opt = Vec::<Option<f64>>::deserialize(d)?;
        Ok(opt.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    }
}

/// A task's result over a local range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Piece {
    /// Task index.
    pub task: usize,
    /// First local index.
    pub start: u64,
    /// One past the last local index.
    pub end: u64,
    /// The data.
    pub data: PieceData,
}

/// The result of one work unit: its range of global indices and one piece per task it touches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// Global index range.
    pub start: u64,
    /// One past the last global index.
    pub end: u64,
    /// Pieces, in task order.
    pub pieces: Vec<Piece>,
}

/// The runner of one piece.
// The runners differ in size, but a unit holds one at a time.
#[allow(clippy::large_enum_variant)]
enum Runner {
    Cloning(cloning::Runner),
    Entropy(entropy::Runner),
    Trajectories(nearest_neighbour::Runner),
}

/// A work unit run a chunk at a time (the browser's path; [`run_unit`] runs one to the end).
pub struct UnitJob {
    range: Range<u64>,
    pieces: Vec<(usize, Range<u64>)>,
    next: usize,
    runner: Option<(usize, Range<u64>, Runner)>,
    done: Vec<Piece>,
    work_done: u64,
    work_total: u64,
}

impl UnitJob {
    /// A job over the global indices `range` of `m`.
    ///
    /// # Errors
    /// [`Error::Param`] for an empty range or one beyond the index space.
    pub fn new(m: &Measurement, range: Range<u64>) -> Result<Self> {
        if range.start >= range.end || range.end > m.total() {
            return Err(Error::param(
                "unit range",
                format!("{}..{}", range.start, range.end),
                format!("a non-empty range within 0..{}", m.total()),
            ));
        }
        let pieces = pieces(m, range.clone());
        Ok(UnitJob {
            work_total: m.work(range.clone()),
            range,
            pieces,
            next: 0,
            runner: None,
            done: Vec::new(),
            work_done: 0,
        })
    }

    /// Work done so far and in total (particle-steps, or sample-times for the estimator).
    pub fn progress(&self) -> (u64, u64) {
        (self.work_done.min(self.work_total), self.work_total)
    }

    /// Whether every piece is finished.
    pub fn is_done(&self) -> bool {
        self.runner.is_none() && self.next == self.pieces.len()
    }

    /// Runs about `max_work` work (at least one step of one batch), then returns whether the unit is done.
    ///
    /// # Errors
    /// Errors of generation (a non-finite particle) or of the scores' preparation.
    pub fn advance(&mut self, m: &Measurement, max_work: u64) -> Result<bool> {
        let mut budget = max_work.max(1);
        while budget > 0 && !self.is_done() {
            if self.runner.is_none() {
                let (j, r) = self.pieces[self.next].clone();
                self.next += 1;
                let task = &m.tasks[j];
                let setting = &m.settings[task.setting];
                let runner = match &task.kind {
                    TaskKind::Cloning { splits, method } => {
                        Runner::Cloning(cloning::Runner::new(setting, splits, *method, r.clone())?)
                    }
                    TaskKind::Entropy { times } => Runner::Entropy(entropy::Runner::new(setting, times, r.clone())?),
                    TaskKind::Trajectories { track } => {
                        Runner::Trajectories(nearest_neighbour::Runner::new(setting, *track, r.clone())?)
                    }
                };
                self.runner = Some((j, r, runner));
            }
            let (j, r, runner) = self.runner.as_mut().expect("set above");
            let setting = &m.settings[m.tasks[*j].setting];
            let (work, finished) = match runner {
                Runner::Cloning(c) => c.advance(setting, budget)?,
                Runner::Entropy(e) => e.advance(setting, budget)?,
                Runner::Trajectories(t) => t.advance(setting, budget)?,
            };
            self.work_done += work;
            budget = budget.saturating_sub(work.max(1));
            if finished {
                let (j, r, runner) = self.runner.take().expect("present");
                let data = match runner {
                    Runner::Cloning(c) => c.finish(),
                    Runner::Entropy(e) => e.finish(),
                    Runner::Trajectories(t) => t.finish(),
                };
                self.done.push(Piece { task: j, start: r.start, end: r.end, data });
            } else {
                let _ = (j, r);
            }
        }
        Ok(self.is_done())
    }

    /// The unit's partial result.
    ///
    /// Panics unless the job is done (a caller's contract).
    pub fn finish(self) -> Partial {
        assert!(self.is_done(), "UnitJob::finish before the job is done");
        Partial { start: self.range.start, end: self.range.end, pieces: self.done }
    }
}

/// Runs one work unit to the end: the pure, serializable unit of the engine.
///
/// # Errors
/// As [`UnitJob::new`] and [`UnitJob::advance`].
pub fn run_unit(m: &Measurement, range: Range<u64>) -> Result<Partial> {
    let mut job = UnitJob::new(m, range)?;
    job.advance(m, u64::MAX)?;
    Ok(job.finish())
}

/// The merged data of every task, in index order.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    /// One entry per task.
    pub tasks: Vec<PieceData>,
}

/// Merges partials (in any order) into one entry per task, concatenating per-index values and adding counts in
/// index order.
///
/// # Errors
/// [`Error::Param`] naming `partials` when they overlap, leave a gap, or do not match the tasks.
pub fn merge(m: &Measurement, mut partials: Vec<Partial>) -> Result<Merged> {
    partials.sort_by_key(|p| p.start);
    let mut at = 0;
    for p in &partials {
        if p.start != at || p.end <= p.start {
            return Err(Error::param(
                "partials",
                format!("a unit starting at {}", p.start),
                format!("contiguous units from 0 (next {at})"),
            ));
        }
        at = p.end;
    }
    if at != m.total() {
        return Err(Error::param("partials", format!("indices up to {at}"), format!("all {} indices", m.total())));
    }
    let mut tasks: Vec<Option<PieceData>> = vec![None; m.tasks.len()];
    for piece in partials.into_iter().flat_map(|p| p.pieces) {
        let slot = tasks
            .get_mut(piece.task)
            .ok_or_else(|| Error::param("partials", piece.task, "a task index of this run"))?;
        match (slot.as_mut(), piece.data) {
            (None, data) => *slot = Some(data),
            (
                Some(PieceData::Cloning { same_class, same_point }),
                PieceData::Cloning { same_class: c, same_point: s },
            ) => {
                same_class.iter_mut().zip(c).for_each(|(a, b)| *a += b);
                same_point.iter_mut().zip(s).for_each(|(a, b)| *a += b);
            }
            (Some(PieceData::Entropy { values }), PieceData::Entropy { values: v }) => values.extend(v),
            (Some(PieceData::Trajectories { t_hat, ratio }), PieceData::Trajectories { t_hat: t, ratio: r }) => {
                t_hat.extend(t);
                ratio.extend(r);
            }
            _ => return Err(Error::param("partials", "pieces of different kinds", "one kind per task")),
        }
    }
    let tasks = tasks
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::param("partials", "a task without data", "every task covered"))?;
    Ok(Merged { tasks })
}

/// The result of a measurement, by experiment.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[allow(clippy::large_enum_variant)] // One result per run.
pub enum MeasureResult {
    /// The cloning experiment.
    Cloning(CloningResult),
    /// The entropy estimator.
    Entropy(EntropyResult),
    /// Nearest-neighbour stability and memorization.
    NearestNeighbour(NearestNeighbourResult),
    /// The memorization fraction.
    Memorization(MemorizationResult),
    /// A measured sweep.
    Sweep(SweepResult),
}

/// Turns merged data into the experiment's result, with the theory beside it.
///
/// # Errors
/// As [`merge`].
pub fn finish(m: &Measurement, partials: Vec<Partial>) -> Result<MeasureResult> {
    let merged = merge(m, partials)?;
    let task_result = |j: usize| -> Result<TaskResult> {
        let task = &m.tasks[j];
        let setting = &m.settings[task.setting];
        Ok(match (&task.kind, &merged.tasks[j]) {
            (TaskKind::Cloning { splits, method }, PieceData::Cloning { same_class, same_point }) => {
                TaskResult::Cloning(CloningResult::new(setting, splits, *method, task.count, same_class, same_point))
            }
            (TaskKind::Entropy { times }, PieceData::Entropy { values }) => {
                TaskResult::Entropy(EntropyResult::new(setting, times, values))
            }
            (TaskKind::Trajectories { track }, PieceData::Trajectories { t_hat, ratio }) => {
                let memo = MemorizationResult::new(setting, ratio);
                if *track {
                    TaskResult::NearestNeighbour(NearestNeighbourResult::new(setting, t_hat, memo))
                } else {
                    TaskResult::Memorization(memo)
                }
            }
            _ => return Err(Error::numerical("merge", "task data of another kind")),
        })
    };
    if let Some(plan) = &m.sweep {
        let results = (0..m.tasks.len()).map(task_result).collect::<Result<Vec<_>>>()?;
        return Ok(MeasureResult::Sweep(SweepResult::new(plan, results)));
    }
    Ok(match task_result(0)? {
        TaskResult::Cloning(c) => MeasureResult::Cloning(c),
        TaskResult::Entropy(e) => MeasureResult::Entropy(e),
        TaskResult::NearestNeighbour(n) => MeasureResult::NearestNeighbour(n),
        TaskResult::Memorization(r) => MeasureResult::Memorization(r),
    })
}

/// The result of one task (a sweep collects them per value).
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // Short-lived.
pub enum TaskResult {
    /// Cloning.
    Cloning(CloningResult),
    /// Entropy estimator.
    Entropy(EntropyResult),
    /// Nearest-neighbour stability.
    NearestNeighbour(NearestNeighbourResult),
    /// Memorization.
    Memorization(MemorizationResult),
}

/// Runs a whole measurement in this thread, unit by unit (tests, and the single-Worker browser path).
///
/// # Errors
/// As [`Measurement::new`], [`run_unit`] and [`finish`].
pub fn run(config: &MeasureConfig) -> Result<MeasureResult> {
    let m = Measurement::new(config)?;
    let partials = m.units().into_iter().map(|r| run_unit(&m, r)).collect::<Result<Vec<_>>>()?;
    finish(&m, partials)
}
