//! The cloning experiment (SCIENCE.md §9.1) and the clone agreement φ̂_C (§9.4): how often two copies of a trajectory,
//! split at t_b and run to t = 0 with independent noise, end in the same class (or at the same training point).
//!
//! Full integration: one batch runs from T; at each split time (in generation order, largest t_b first) the batch is
//! forked with [`crate::sampler::generate::BatchState::clone_with_noise`], the clone runs to the end, and the original
//! continues to the next split. The original, continued to the end, *is* the first copy of every pair (its future
//! noise is its own stream whatever the fork), so each split costs one clone run, not two.
//!
//! Exact-start shortcut: the copies start at the split's grid time from exact samples of p_{t_b}
//! ([`crate::score::Score::sample_marginal`]: the propagated mixture, or a noised training point for the empirical
//! score), two copies per sample with independent noise.
//!
//! Streams: pair i of the full run starts and moves with `stream(seed, Generation, i)`; its clone at split k moves with
//! `stream(seed_k, Clone, i)`, seed_k = [`derived_seed`]`(seed, 1, k)`; the shortcut's pair i at split k uses
//! `stream(seed_k, Generation, i)` and `stream(seed_k, Clone, i)`.

use std::ops::Range;

use serde::Serialize;

use super::crossing::{crossing, Crossing, F_AT_T_S};
use super::engine::{classify, derived_seed, NearestBuffers, Outcome, PieceData, Setting};
use super::estimate::{proportion, Estimate};
use crate::config::{CloningMethod, ScoreKind};
use crate::error::{Error, Result};
use crate::sampler::generate::{BatchState, Generator, Start};
use crate::score::any::AnyScore;

/// Purpose tag of the split seeds (see [`derived_seed`]).
const SPLIT_TAG: u64 = 1;

/// A split time moved onto the generation grid.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Split {
    /// The split time as requested.
    pub requested: f64,
    /// Grid index of the fork: the first grid time ≤ the requested time.
    pub index: usize,
    /// The grid time of the fork.
    pub time: f64,
}

/// The split points of `times` on `grid`.
///
/// # Errors
/// [`Error::Param`] naming the split time when it is above T, or not above the grid's end time (the copies would not
/// move).
pub fn splits(grid: &crate::sampler::grid::TimeGrid, times: &[f64]) -> Result<Vec<Split>> {
    times
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let index = grid.stop_index(t);
            if t > grid.times()[0] {
                return Err(Error::param(
                    format!("split time [{k}]"),
                    t,
                    format!("a time at most T = {} (generation starts there)", grid.times()[0]),
                ));
            }
            if index >= grid.steps() {
                return Err(Error::param(
                    format!("split time [{k}]"),
                    t,
                    format!("a time above the grid's end time {} and at most T", grid.times()[grid.steps()]),
                ));
            }
            Ok(Split { requested: t, index, time: grid.times()[index] })
        })
        .collect()
}

/// Steps of generation per pair: full = the whole grid once plus each clone from its split to the end; shortcut = two
/// copies from each split to the end.
pub fn steps_per_pair(splits: &[Split], steps: usize, method: CloningMethod) -> usize {
    let tails: usize = splits.iter().map(|s| steps - s.index).sum();
    match method {
        CloningMethod::Full => steps + tails,
        CloningMethod::Shortcut => 2 * tails,
    }
}

/// Runs the pairs of a local index range, a chunk of steps at a time.
pub(crate) struct Runner {
    method: CloningMethod,
    splits: Vec<Split>,
    /// Split positions in generation order (grid index ascending).
    order: Vec<usize>,
    next: usize,
    range: Range<u64>,
    generator: Generator<AnyScore>,
    /// Full: the original batch. Shortcut: the first copy of the current split.
    first: Option<BatchState>,
    /// The clone (full) or the second copy (shortcut) of the current split, with the split's position.
    second: Option<(usize, BatchState)>,
    first_out: Vec<Option<Vec<Outcome>>>,
    second_out: Vec<Option<Vec<Outcome>>>,
    original_out: Option<Vec<Outcome>>,
    buffers: NearestBuffers,
}

impl Runner {
    pub(crate) fn new(setting: &Setting, splits: &[Split], method: CloningMethod, range: Range<u64>) -> Result<Self> {
        let mut order: Vec<usize> = (0..splits.len()).collect();
        order.sort_by_key(|&k| splits[k].index);
        let mut generator = setting.generator()?;
        let first = match method {
            CloningMethod::Full => Some(generator.start(
                (range.end - range.start) as usize,
                range.start,
                setting.seed,
                setting.start,
                None,
            )?),
            CloningMethod::Shortcut => None,
        };
        Ok(Runner {
            method,
            splits: splits.to_vec(),
            order,
            next: 0,
            range,
            generator,
            first,
            second: None,
            first_out: vec![None; splits.len()],
            second_out: vec![None; splits.len()],
            original_out: None,
            buffers: NearestBuffers::default(),
        })
    }

    fn pairs(&self) -> usize {
        (self.range.end - self.range.start) as usize
    }

    /// Runs about `max_work` particle-steps; returns (work done, finished).
    pub(crate) fn advance(&mut self, setting: &Setting, max_work: u64) -> Result<(u64, bool)> {
        let p = self.pairs() as u64;
        let max_steps = (max_work / p).max(1) as usize;
        let start_step = |s: &BatchState| s.step();
        match self.method {
            CloningMethod::Full => {
                if let Some((k, clone)) = self.second.as_mut() {
                    let before = start_step(clone);
                    let end = setting.grid.steps();
                    let pr = self.generator.run_chunk(clone, max_steps, end)?;
                    let work = (pr.step - before) as u64 * p;
                    if pr.done {
                        let k = *k;
                        let (_, clone) = self.second.take().expect("present");
                        self.second_out[k] =
                            Some(classify(setting, &mut self.generator, &mut self.buffers, clone.positions())?);
                    }
                    return Ok((work, false));
                }
                let orig = self.first.as_mut().expect("the full method has an original batch");
                let stop = self.order.get(self.next).map(|&k| self.splits[k].index).unwrap_or(setting.grid.steps());
                let before = orig.step();
                let pr = self.generator.run_chunk(orig, max_steps, stop)?;
                let work = (pr.step - before) as u64 * p;
                if pr.done {
                    if let Some(&k) = self.order.get(self.next) {
                        self.next += 1;
                        let seed = derived_seed(setting.seed, SPLIT_TAG, k as u64);
                        self.second = Some((k, orig.clone_with_noise(seed)));
                    } else {
                        let out = classify(setting, &mut self.generator, &mut self.buffers, orig.positions())?;
                        self.original_out = Some(out);
                        return Ok((work, true));
                    }
                }
                Ok((work, false))
            }
            CloningMethod::Shortcut => {
                if self.first.is_none() && self.second.is_none() {
                    let Some(&k) = self.order.get(self.next) else { return Ok((0, true)) };
                    self.next += 1;
                    let split = self.splits[k];
                    let seed = derived_seed(setting.seed, SPLIT_TAG, k as u64);
                    self.generator = setting.generator_on(setting.grid.tail(split.index))?;
                    let a = self.generator.start(self.pairs(), self.range.start, seed, Start::Exact, None)?;
                    self.second = Some((k, a.clone_with_noise(seed)));
                    self.first = Some(a);
                }
                let k = self.second.as_ref().map(|s| s.0).expect("a split in progress");
                let end = self.generator.grid().steps();
                let mut work = 0;
                for copy in [self.first.as_mut(), self.second.as_mut().map(|s| &mut s.1)].into_iter().flatten() {
                    let before = copy.step();
                    let pr = self.generator.run_chunk(copy, max_steps, end)?;
                    work += (pr.step - before) as u64 * p;
                }
                let done = |s: &BatchState| s.step() >= end;
                if self.first.as_ref().is_some_and(done) && self.second.as_ref().is_some_and(|s| done(&s.1)) {
                    let a = self.first.take().expect("present");
                    let (_, b) = self.second.take().expect("present");
                    self.first_out[k] = Some(classify(setting, &mut self.generator, &mut self.buffers, a.positions())?);
                    self.second_out[k] =
                        Some(classify(setting, &mut self.generator, &mut self.buffers, b.positions())?);
                    return Ok((work, self.next == self.order.len()));
                }
                Ok((work, false))
            }
        }
    }

    pub(crate) fn finish(self) -> PieceData {
        let n = self.splits.len();
        let (mut same_class, mut same_point) = (vec![0; n], Vec::new());
        let empirical = self.second_out.iter().flatten().flatten().any(|o| o.point != u32::MAX);
        if empirical {
            same_point = vec![0; n];
        }
        for k in 0..n {
            let second = self.second_out[k].as_ref().expect("every split finished");
            let first = match self.method {
                CloningMethod::Full => self.original_out.as_ref().expect("the original finished"),
                CloningMethod::Shortcut => self.first_out[k].as_ref().expect("every split finished"),
            };
            for (a, b) in first.iter().zip(second) {
                same_class[k] += u64::from(a.class == b.class);
                if empirical {
                    same_point[k] += u64::from(a.point == b.point);
                }
            }
        }
        PieceData::Cloning { same_class, same_point }
    }
}

/// The cloning experiment's result: φ̂(t_b) with binomial standard errors, the measured t_S, and the theory.
#[derive(Clone, Debug, Serialize)]
pub struct CloningResult {
    /// Full integration or shortcut.
    pub method: CloningMethod,
    /// Number of clone pairs per split time.
    pub pairs: u64,
    /// Split times as requested (config order).
    pub split_times: Vec<f64>,
    /// The grid times of the forks.
    pub grid_times: Vec<f64>,
    /// Pairs ending in the same class.
    pub same_class: Vec<u64>,
    /// φ̂(t_b) = same_class / pairs.
    pub phi: Vec<f64>,
    /// Binomial standard errors of φ̂.
    pub phi_se: Vec<f64>,
    /// Pairs ending at the same training point (empirical score only).
    pub same_point: Option<Vec<u64>>,
    /// φ̂_C(t_b), the clone agreement on training points (SCIENCE.md §9.4; empirical score only).
    pub phi_c: Option<Vec<f64>>,
    /// Binomial standard errors of φ̂_C.
    pub phi_c_se: Option<Vec<f64>>,
    /// The measured t_S: where φ̂ crosses F(1) = 0.7752 (None when the split times do not bracket it).
    pub measured_t_s: Option<Crossing>,
    /// The theoretical t_S (two-class or k-class mixture).
    pub theory_t_s: Option<f64>,
    /// The theoretical φ(t) = F(s(t)) at the grid times (two classes; with the empirical score it is the theory of
    /// the exact score, which the empirical one approaches for t above t_C).
    pub theory_phi: Option<Vec<f64>>,
}

impl CloningResult {
    pub(crate) fn new(
        setting: &Setting,
        splits: &[Split],
        method: CloningMethod,
        pairs: u64,
        same_class: &[u64],
        same_point: &[u64],
    ) -> Self {
        let est: Vec<Estimate> = same_class.iter().map(|&k| proportion(k, pairs)).collect();
        let empirical = setting.score == ScoreKind::Empirical && !same_point.is_empty();
        let est_c: Vec<Estimate> = same_point.iter().map(|&k| proportion(k, pairs)).collect();
        let grid_times: Vec<f64> = splits.iter().map(|s| s.time).collect();
        let mut order: Vec<usize> = (0..splits.len()).collect();
        order.sort_by(|&a, &b| grid_times[a].total_cmp(&grid_times[b]));
        let sorted_t: Vec<f64> = order.iter().map(|&k| grid_times[k]).collect();
        let sorted_e: Vec<Estimate> = order.iter().map(|&k| est[k]).collect();
        CloningResult {
            method,
            pairs,
            split_times: splits.iter().map(|s| s.requested).collect(),
            measured_t_s: crossing(&sorted_t, &sorted_e, F_AT_T_S),
            theory_t_s: super::reference::speciation_time(&setting.scenario),
            theory_phi: super::reference::cloning_curve(&setting.scenario, &grid_times),
            grid_times,
            same_class: same_class.to_vec(),
            phi: est.iter().map(|e| e.value).collect(),
            phi_se: est.iter().map(|e| e.se).collect(),
            same_point: empirical.then(|| same_point.to_vec()),
            phi_c: empirical.then(|| est_c.iter().map(|e| e.value).collect()),
            phi_c_se: empirical.then(|| est_c.iter().map(|e| e.se).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampler::grid::TimeGrid;

    #[test]
    fn splits_snap_to_the_grid_and_refuse_times_outside_it() {
        let g = TimeGrid::uniform(2.0, 0.0, 20).unwrap();
        let s = splits(&g, &[1.05, 2.0]).unwrap();
        assert_eq!((s[0].index, s[1].index), (10, 0));
        assert!((s[0].time - 1.0).abs() < 1e-12);
        // A sweep places split times at multiples of the theory's t_S: beyond T they are refused, not clamped.
        assert!(splits(&g, &[2.5]).unwrap_err().to_string().contains("at most T = 2"));
        assert!(splits(&g, &[0.0]).is_err());
        assert_eq!(steps_per_pair(&s, 20, CloningMethod::Full), 20 + 10 + 20);
        assert_eq!(steps_per_pair(&s, 20, CloningMethod::Shortcut), 2 * (10 + 20));
    }
}
