//! A whole generation run from a validated [`GenerateConfig`]: the score the config asks for (the data model's exact
//! score, or the empirical score of a seeded training set), the time grid, a resumable batch, snapshots, and the class
//! of every sample at the end (SCIENCE.md §6, §9.1).
//!
//! Runs are chunked ([`GenerationJob::step`]) so the page's Worker can report progress and cancel, and cover a range
//! of particle indices so a pool of Workers (or threads) can split one run without changing its numbers.

use serde::Serialize;

use crate::config::{GenerateConfig, Scenario, ScoreKind};
use crate::data::training_set::TrainingSet;
use crate::error::{check_count, Error, Result};
use crate::sampler::generate::{BatchState, Generator, Progress};
use crate::sampler::grid::TimeGrid;
use crate::sampler::step_bias::{step_warning, StepWarning};
use crate::score::any::AnyScore;
use crate::score::empirical::{EmpiricalScore, Nearest};
use crate::score::mixture::MixtureScore;
use crate::score::Score;

/// The training-set draw of a run uses this stream index offset from the run's seed, so the training set and the
/// generation noise never share streams (they also differ by [`crate::random::Purpose`]).
pub const TRAINING_SEED_SALT: u64 = 0x7261_696e; // "rain"

/// The seed of the training set of a run with seed `seed`.
pub fn training_seed(seed: u64) -> u64 {
    seed ^ TRAINING_SEED_SALT
}

/// Builds the score of a scenario: the exact mixture score, or the empirical score of the scenario's training set
/// (drawn with [`training_seed`]), which is returned too.
///
/// # Errors
/// [`Error::Param`] naming `sampler.score` when the analytic score is asked of a model without one; training-set
/// errors (n, budget).
pub fn build_score(s: &Scenario, kind: ScoreKind, seed: u64) -> Result<(AnyScore, Option<TrainingSet>)> {
    match kind {
        ScoreKind::Analytic => {
            let m = s.data.mixture().ok_or_else(|| {
                Error::param("sampler.score", "analytic", "\"empirical\" for a model without an exact score")
            })?;
            Ok((AnyScore::Mixture(MixtureScore::new(&s.process, m)?), None))
        }
        ScoreKind::Empirical => {
            let ts = s.training_set(training_seed(seed))?;
            let score = EmpiricalScore::new(&s.process, &ts)?;
            Ok((AnyScore::Empirical(score), Some(ts)))
        }
    }
}

/// The class of a generated sample at t = 0 (SCIENCE.md §9.1): the nearest class mean for the analytic score (two
/// classes ±μ: the sign of μ·x), the label of the nearest training point for the empirical score.
///
/// `means` are the class means (row per class); `nearest` the nearest training point of each sample when the
/// empirical score drove the run.
pub fn classify(x: &[f64], d: usize, means: &[Vec<f64>], nearest: Option<(&[Nearest], &TrainingSet)>) -> Vec<u32> {
    match nearest {
        Some((nn, ts)) => nn.iter().map(|n| ts.labels()[n.index]).collect(),
        None => x
            .chunks_exact(d)
            .map(|xp| {
                let mut best = (f64::INFINITY, 0u32);
                for (c, m) in means.iter().enumerate() {
                    let dist: f64 = xp.iter().zip(m).map(|(a, b)| (a - b) * (a - b)).sum();
                    if dist < best.0 {
                        best = (dist, c as u32);
                    }
                }
                best.1
            })
            .collect(),
    }
}

/// The number of classes a sample can be told apart by, for legends and readouts: 1 when the model's class means
/// all coincide (m̃ = 0: no class signal, and [`classify`] puts every sample in class 0 by its tie rule), else the
/// model's number of classes; for a model without class means (a curved manifold), the largest label + 1 (at least 2).
pub fn class_count(means: &[Vec<f64>], classes: &[u32]) -> usize {
    match means.split_first() {
        Some((first, rest)) if rest.iter().all(|m| m == first) => 1,
        Some(_) => means.len(),
        None => classes.iter().max().map_or(2, |&c| (c as usize + 1).max(2)),
    }
}

/// d₁/d₂ from the squared distances to the nearest and second nearest training points: 1 when both are 0 (a sample
/// on two coincident training points is equally near both).
///
/// # Errors
/// [`Error::Numerical`] when a distance is not finite (whitened distances overflow only for samples astronomically
/// far from every training point: a diverged run).
fn distance_ratio(d2: f64, d2_second: f64) -> Result<f64> {
    if !(d2.is_finite() && d2_second.is_finite()) {
        return Err(Error::numerical(
            "nearest training points",
            format!("squared distances {d2:e} and {d2_second:e} (a sample far outside the data: diverged run?)"),
        ));
    }
    Ok(if d2_second > 0.0 { (d2 / d2_second).sqrt() } else { 1.0 })
}

/// What a generation run returns.
#[derive(Clone, Debug, Serialize)]
pub struct GenerationResult {
    /// Dimension d.
    pub d: usize,
    /// Global index of the first particle of this range.
    pub first_index: u64,
    /// Number of particles.
    pub particles: usize,
    /// The end time t_min of the grid.
    pub t_end: f64,
    /// Samples at t_min, particle-major `samples[p * d + k]`.
    pub samples: Vec<f64>,
    /// Class of each sample (see [`classify`]).
    pub classes: Vec<u32>,
    /// The number of classes the samples are told apart by (see [`class_count`]): 1 when the model's class means
    /// coincide (m̃ = 0), so `classes` says nothing.
    pub class_count: usize,
    /// For the empirical score: the nearest training point of each sample and the ratio d₁/d₂ of the distances to
    /// the nearest and second nearest (memorized when below 1/3, SCIENCE.md §9.5).
    pub nearest: Option<Vec<u32>>,
    /// d₁/d₂ per sample (empirical score only).
    pub distance_ratio: Option<Vec<f64>>,
    /// Snapshot times (forward time), if snapshots were asked for.
    pub snapshot_times: Vec<f64>,
    /// Recorded particles (indices within this range).
    pub snapshot_particles: Vec<usize>,
    /// Components per recorded particle.
    pub snapshot_width: usize,
    /// `snapshot_values[(s * snapshot_particles.len() + j) * snapshot_width + c]`.
    pub snapshot_values: Vec<f64>,
}

/// A resumable generation run over particle indices `first .. first + count`.
pub struct GenerationJob {
    generator: Generator<AnyScore>,
    state: BatchState,
    training: Option<TrainingSet>,
    means: Vec<Vec<f64>>,
    t_end: f64,
    warning: Option<StepWarning>,
}

impl GenerationJob {
    /// Validates the config and starts particles `first .. first + count` (all of them: `0, cfg.sampler.particles`).
    ///
    /// # Errors
    /// Any parameter error; a range outside `0 .. particles`.
    pub fn new(cfg: &GenerateConfig, first: usize, count: usize) -> Result<Self> {
        let scenario = cfg.validate()?;
        check_count("particle range length", count, 1, cfg.sampler.particles)?;
        if first + count > cfg.sampler.particles {
            return Err(Error::param(
                "particle range",
                format!("{first}..{}", first + count),
                format!("a range inside 0..{}", cfg.sampler.particles),
            ));
        }
        let (score, training) = build_score(&scenario, cfg.sampler.score, cfg.seed)?;
        let means = scenario
            .data
            .mixture()
            .map(|m| m.means().iter().map(|v| v.as_slice().to_vec()).collect())
            .unwrap_or_default();
        let grid = TimeGrid::from_spec(&cfg.sampler.grid)?;
        let t_end = *grid.times().last().expect("a grid has at least two times");
        let warning = step_warning(&scenario, cfg.sampler.score, cfg.sampler.integrator, &grid);
        let mut generator = Generator::new(&scenario.process, score, grid, cfg.sampler.integrator)?;
        generator.whiten();
        let state = generator.start(count, first as u64, cfg.seed, cfg.sampler.start, cfg.snapshots.as_ref())?;
        Ok(GenerationJob { generator, state, training, means, t_end, warning })
    }

    /// Runs at most `max_steps` steps.
    ///
    /// # Errors
    /// A score that cannot be prepared at some time (numerical failure).
    pub fn step(&mut self, max_steps: usize) -> Result<Progress> {
        let stop = self.generator.grid().steps();
        self.generator.run_chunk(&mut self.state, max_steps, stop)
    }

    /// The run's step warnings ([`crate::sampler::step_bias::step_warning`]: an Euler step over 0.1/‖A‖₂, SCIENCE.md
    /// §6, and the predicted step-size bias of the class variance); the page shows them above the plot, the CLI on
    /// stderr.
    pub fn step_warning(&self) -> Option<String> {
        self.warning.as_ref().map(|w| w.text.clone())
    }

    /// The same warnings with the step count that brings the predicted bias within 4 % (the page's fix).
    pub fn step_warning_with_fix(&self) -> Option<&StepWarning> {
        self.warning.as_ref()
    }

    /// Whether every step has run.
    pub fn is_done(&self) -> bool {
        self.state.step() >= self.generator.grid().steps()
    }

    /// The samples, their classes and the snapshots.
    ///
    /// # Errors
    /// [`Error::Param`] if called before the run is done.
    pub fn finish(mut self) -> Result<GenerationResult> {
        if !self.is_done() {
            return Err(Error::param("generation", "an unfinished run", "a finished run (call step until done)"));
        }
        let d = self.state.dim();
        let x = self.state.positions().to_vec();
        let np = self.state.n_particles();
        let (nearest, ratio, classes) = match (self.generator.score_mut(), &self.training) {
            (AnyScore::Empirical(score), Some(ts)) => {
                score.prepare(self.t_end)?;
                let mut nn = vec![Nearest { index: 0, d2: 0.0, d2_second: 0.0 }; np];
                let mut out = vec![0.0; x.len()];
                score.evaluate_with_nearest(&x, &mut out, Some(&mut nn));
                let classes = classify(&x, d, &self.means, Some((&nn, ts)));
                let idx = nn.iter().map(|n| n.index as u32).collect();
                let ratio = nn.iter().map(|n| distance_ratio(n.d2, n.d2_second)).collect::<Result<_>>()?;
                (Some(idx), Some(ratio), classes)
            }
            _ => (None, None, classify(&x, d, &self.means, None)),
        };
        let (snapshot_times, snapshot_particles, snapshot_width, snapshot_values) = match self.state.snapshots() {
            Some(s) => (s.times.clone(), s.particles.clone(), s.width, s.values.clone()),
            None => (Vec::new(), Vec::new(), 0, Vec::new()),
        };
        Ok(GenerationResult {
            d,
            first_index: self.state.first_index(),
            particles: np,
            t_end: self.t_end,
            samples: x,
            class_count: class_count(&self.means, &classes),
            classes,
            nearest,
            distance_ratio: ratio,
            snapshot_times,
            snapshot_particles,
            snapshot_width,
            snapshot_values,
        })
    }
}

/// Runs a whole generation config in one go (the CLI; the page uses [`GenerationJob`] in chunks).
///
/// # Errors
/// As [`GenerationJob::new`] and [`GenerationJob::step`].
pub fn run(cfg: &GenerateConfig) -> Result<GenerationResult> {
    let mut job = GenerationJob::new(cfg, 0, cfg.sampler.particles)?;
    job.step(usize::MAX)?;
    job.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_json;

    const CFG: &str = r#"{"scenario": {"process": {"d": 16}, "n": 200},
        "sampler": {"score": "analytic", "grid": {"t_max": 5, "t_min": 0.001, "steps": 200, "kind": "uniform"},
                    "particles": 64},
        "seed": 3}"#;

    #[test]
    fn analytic_run_separates_classes_and_is_split_invariant() {
        let cfg: GenerateConfig = from_json(CFG).unwrap();
        let r = run(&cfg).unwrap();
        // Both classes appear (each with probability 1/2 per particle: 64 all-equal has probability 2^-63).
        assert!(r.classes.contains(&0) && r.classes.contains(&1));
        // The same particles from two ranges are bit-identical to one run.
        let mut a = GenerationJob::new(&cfg, 0, 30).unwrap();
        a.step(usize::MAX).unwrap();
        let mut b = GenerationJob::new(&cfg, 30, 34).unwrap();
        b.step(7).unwrap();
        b.step(usize::MAX).unwrap();
        let (a, b) = (a.finish().unwrap(), b.finish().unwrap());
        let joined: Vec<f64> = a.samples.iter().chain(&b.samples).cloned().collect();
        assert_eq!(joined, r.samples);
    }

    #[test]
    fn a_particle_does_not_depend_on_how_many_particles_the_run_has() {
        // Symptom (up to 0.8.0): with a general U and the exponential integrator, a run of fewer than d particles took
        // the plain step and one of at least d the white one, so adding particles moved the first ones by ~1e-6 of
        // their scale. Every such run now takes the white step (it is also the faster one at every count).
        let json = CFG
            .replace(
                r#"{"d": 16}"#,
                r#"{"d": 16, "precision": {"kind": "log_spaced", "kappa": 10}, "drift": {"design": "optimal"}}"#,
            )
            .replace(r#""score": "analytic","#, r#""score": "analytic", "integrator": "exponential","#);
        let few: GenerateConfig = from_json(&json.replace("\"particles\": 64", "\"particles\": 3")).unwrap();
        let many: GenerateConfig = from_json(&json).unwrap();
        let (few, many) = (run(&few).unwrap(), run(&many).unwrap());
        assert_eq!(few.samples[..], many.samples[..3 * 16]);
    }

    #[test]
    fn empirical_run_reports_nearest_points() {
        // The empirical score is stiff near t = 0: a grid refined in ln t there (SCIENCE.md §6).
        let json = CFG.replace("\"analytic\"", "\"empirical\"").replace("\"uniform\"", "\"refined\"");
        let cfg: GenerateConfig = from_json(&json).unwrap();
        let r = run(&cfg).unwrap();
        let ratio = r.distance_ratio.unwrap();
        // d = 16, n = 200 (α = 0.33), run to t = 0.001: deep in the collapse regime, every sample is memorized.
        let memorized = ratio.iter().filter(|&&q| q < 1.0 / 3.0).count();
        assert!(memorized as f64 >= 0.9 * ratio.len() as f64, "{memorized}/{}", ratio.len());
    }

    #[test]
    fn class_count_is_one_when_the_class_means_coincide() {
        let with = |data: &str| {
            let json = CFG.replace("\"n\": 200", &format!("\"n\": 200, \"data\": {data}"));
            run(&from_json::<GenerateConfig>(&json).unwrap()).unwrap()
        };
        let two = with(r#"{"model": "two_class"}"#);
        assert_eq!(two.class_count, 2);
        // m̃ = 0: ±μ are both 0, so every sample is in class 0 by the tie rule and has no class.
        let none = with(r#"{"model": "two_class", "m_tilde": 0}"#);
        assert_eq!(none.class_count, 1);
        assert!(none.classes.iter().all(|&c| c == 0));
        assert_eq!(with(r#"{"model": "k_class", "k": 3}"#).class_count, 3);
        assert_eq!(with(r#"{"model": "k_class", "k": 3, "m_tilde": 0}"#).class_count, 1);
        // Without class means (a curved manifold, classes from the training labels): the labels' count, at least 2.
        assert_eq!(class_count(&[], &[0, 0]), 2);
        assert_eq!(class_count(&[], &[0, 4]), 5);
    }

    #[test]
    fn refuses_bad_ranges() {
        let cfg: GenerateConfig = from_json(CFG).unwrap();
        assert!(GenerationJob::new(&cfg, 60, 10).is_err());
        assert!(GenerationJob::new(&cfg, 0, 0).is_err());
    }
}
