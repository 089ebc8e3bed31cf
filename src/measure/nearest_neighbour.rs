//! Nearest-neighbour stability of generated trajectories (SCIENCE.md §9.3): for each trajectory, t̂_C is the forward
//! time from which its nearest rescaled training point E_t a_i (in the Σ_t metric) no longer changes down to the end
//! of the grid — the largest grid time t_k at which the nearest point already is the final one, given that it
//! differed at t_{k−1} (t̂_C = T when it never changes).
//!
//! The nearest point comes from the empirical score's kernel pass ([`crate::score::empirical::EmpiricalScore::
//! evaluate_with_nearest`]) at every grid time; the generator evaluates the score at the start of each step, so the
//! query at the new time is a second pass per step: tracking costs about twice a plain generation run. The same run
//! gives the memorization ratio d₁/d₂ at the end ([`super::memorization`]).

use std::ops::Range;

use serde::Serialize;

use super::engine::{NearestBuffers, PieceData, Setting};
use super::estimate::mean;
use super::memorization::MemorizationResult;
use crate::error::Result;
use crate::sampler::generate::{BatchState, Generator};
use crate::score::any::AnyScore;
use crate::score::empirical::EmpiricalScore;

/// Generates the trajectories of a local index range, tracking their nearest training point.
pub(crate) struct Runner {
    track: bool,
    generator: Generator<AnyScore>,
    finder: Option<EmpiricalScore>,
    state: BatchState,
    last: Vec<usize>,
    t_hat: Vec<f64>,
    ratio: Vec<f64>,
    buffers: NearestBuffers,
}

impl Runner {
    pub(crate) fn new(setting: &Setting, track: bool, range: Range<u64>) -> Result<Self> {
        let mut generator = setting.generator()?;
        let mut finder = setting.finder(true)?;
        let n = (range.end - range.start) as usize;
        let state = generator.start(n, range.start, setting.seed, setting.start, None)?;
        let mut buffers = NearestBuffers::default();
        let (mut last, mut t_hat) = (Vec::new(), Vec::new());
        if track {
            let t0 = setting.grid.times()[0];
            buffers.query(&mut generator, &mut finder, t0, state.positions())?;
            last = buffers.nearest.iter().map(|n| n.index).collect();
            t_hat = vec![t0; n];
        }
        Ok(Runner { track, generator, finder, state, last, t_hat, ratio: Vec::new(), buffers })
    }

    /// Runs about `max_work` particle-steps; returns (work done, finished).
    pub(crate) fn advance(&mut self, setting: &Setting, max_work: u64) -> Result<(u64, bool)> {
        let p = self.state.n_particles() as u64;
        let end = setting.grid.steps();
        let before = self.state.step();
        let max_steps = (max_work / p).max(1) as usize;
        if self.track {
            for _ in 0..max_steps {
                if self.state.step() >= end {
                    break;
                }
                self.generator.run_chunk(&mut self.state, 1, end)?;
                let t = setting.grid.times()[self.state.step()];
                self.buffers.query(&mut self.generator, &mut self.finder, t, self.state.positions())?;
                for ((last, t_hat), n) in self.last.iter_mut().zip(&mut self.t_hat).zip(&self.buffers.nearest) {
                    if n.index != *last {
                        *last = n.index;
                        *t_hat = t;
                    }
                }
            }
        } else {
            self.generator.run_chunk(&mut self.state, max_steps, end)?;
        }
        let work = (self.state.step() - before) as u64 * p;
        if self.state.step() < end {
            return Ok((work, false));
        }
        if !self.track {
            self.buffers.query(&mut self.generator, &mut self.finder, setting.t_end(), self.state.positions())?;
        }
        // The last query was at t_K: its distances give d₁/d₂.
        self.ratio = self.buffers.nearest.iter().map(|n| (n.d2 / n.d2_second).sqrt()).collect();
        Ok((work, true))
    }

    pub(crate) fn finish(self) -> PieceData {
        let t_hat = if self.track { self.t_hat } else { vec![f64::NAN; self.ratio.len()] };
        PieceData::Trajectories { t_hat, ratio: self.ratio }
    }
}

/// Nearest-neighbour stability: per-trajectory t̂_C in index order, their mean, and the memorization at the end.
#[derive(Clone, Debug, Serialize)]
pub struct NearestNeighbourResult {
    /// t̂_C per trajectory (the distribution).
    pub t_hat: Vec<f64>,
    /// Mean of t̂_C.
    pub t_hat_mean: f64,
    /// Its standard error.
    pub t_hat_se: f64,
    /// Median of t̂_C.
    pub t_hat_median: f64,
    /// The theoretical collapse time t_C.
    pub theory_t_c: Option<f64>,
    /// The memorization fraction of the same trajectories at the end.
    pub memorization: MemorizationResult,
}

impl NearestNeighbourResult {
    pub(crate) fn new(setting: &Setting, t_hat: &[f64], memorization: MemorizationResult) -> Self {
        let e = mean(t_hat);
        let mut sorted = t_hat.to_vec();
        sorted.sort_by(f64::total_cmp);
        let m = sorted.len();
        let median = if m % 2 == 1 { sorted[m / 2] } else { 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]) };
        NearestNeighbourResult {
            t_hat: t_hat.to_vec(),
            t_hat_mean: e.value,
            t_hat_se: e.se,
            t_hat_median: median,
            theory_t_c: super::reference::collapse_time(&setting.scenario, setting.training.as_ref()),
            memorization,
        }
    }
}
