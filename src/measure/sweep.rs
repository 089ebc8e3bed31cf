//! Measured sweeps: t_S (φ̂ crossing F(1), split times placed at multiples of each value's theoretical t_S) and t_C
//! (the mean nearest-neighbour stability time t̂_C with the empirical score) along one parameter, with error bars,
//! beside the theory lines (SCIENCE.md §7–§9).
//!
//! A value whose scenario is invalid, or whose theory has no t_S to place the split times, is skipped with a message;
//! the arrays keep one entry per value (`None` where nothing was measured).

use serde::Serialize;

use super::cloning::CloningResult;
use super::engine::TaskResult;
use crate::config::{Scenario, SweptParameter};

/// A message about one value of a sweep.
#[derive(Clone, Debug, Serialize)]
pub struct SweepMessage {
    /// Index of the value.
    pub index: usize,
    /// The value.
    pub value: f64,
    /// What happened.
    pub message: String,
}

/// The per-value plan of a measured sweep: the theory, and which task measures what.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The parameter.
    pub parameter: SweptParameter,
    /// Its values.
    pub values: Vec<f64>,
    /// Theoretical t_S per value.
    pub theory_t_s: Vec<Option<f64>>,
    /// Theoretical t_C per value.
    pub theory_t_c: Vec<Option<f64>>,
    /// The cloning task of each value.
    pub t_s_task: Vec<Option<usize>>,
    /// The nearest-neighbour task of each value.
    pub t_c_task: Vec<Option<usize>>,
    /// Messages.
    pub messages: Vec<SweepMessage>,
}

impl Plan {
    pub(crate) fn new(parameter: SweptParameter, values: &[f64]) -> Self {
        let n = values.len();
        Plan {
            parameter,
            values: values.to_vec(),
            theory_t_s: vec![None; n],
            theory_t_c: vec![None; n],
            t_s_task: vec![None; n],
            t_c_task: vec![None; n],
            messages: Vec::new(),
        }
    }

    pub(crate) fn message(&mut self, index: usize, message: String) {
        self.messages.push(SweepMessage { index, value: self.values[index], message });
    }

    pub(crate) fn theory(&mut self, index: usize, scenario: &Scenario) {
        self.theory_t_s[index] = super::reference::speciation_time(scenario);
        self.theory_t_c[index] = super::reference::collapse_time(scenario, None);
    }
}

/// Measured t_S and t_C along the parameter, beside the theory.
#[derive(Clone, Debug, Serialize)]
pub struct SweepResult {
    /// The parameter.
    pub parameter: SweptParameter,
    /// Its values.
    pub values: Vec<f64>,
    /// Theoretical t_S.
    pub theory_t_s: Vec<Option<f64>>,
    /// Theoretical t_C.
    pub theory_t_c: Vec<Option<f64>>,
    /// Measured t_S (φ̂ crossing F(1)).
    pub measured_t_s: Vec<Option<f64>>,
    /// Its standard error.
    pub measured_t_s_se: Vec<Option<f64>>,
    /// Measured t_C: the mean t̂_C.
    pub measured_t_c: Vec<Option<f64>>,
    /// Its standard error.
    pub measured_t_c_se: Vec<Option<f64>>,
    /// The memorization fraction of the t_C run at the end.
    pub memorization: Vec<Option<f64>>,
    /// The cloning runs behind measured t_S (φ̂ at every split time).
    pub cloning: Vec<Option<CloningResult>>,
    /// Messages, in order of the values.
    pub messages: Vec<SweepMessage>,
}

impl SweepResult {
    pub(crate) fn new(plan: &Plan, results: Vec<TaskResult>) -> Self {
        let n = plan.values.len();
        let mut out = SweepResult {
            parameter: plan.parameter,
            values: plan.values.clone(),
            theory_t_s: plan.theory_t_s.clone(),
            theory_t_c: plan.theory_t_c.clone(),
            measured_t_s: vec![None; n],
            measured_t_s_se: vec![None; n],
            measured_t_c: vec![None; n],
            measured_t_c_se: vec![None; n],
            memorization: vec![None; n],
            cloning: vec![None; n],
            messages: plan.messages.clone(),
        };
        for v in 0..n {
            if let Some(TaskResult::Cloning(c)) = plan.t_s_task[v].map(|j| &results[j]) {
                match c.measured_t_s {
                    Some(x) => {
                        out.measured_t_s[v] = Some(x.t);
                        out.measured_t_s_se[v] = Some(x.se);
                    }
                    None => out.messages.push(SweepMessage {
                        index: v,
                        value: plan.values[v],
                        message: "φ̂ does not cross F(1) between the split times: widen split_factors".into(),
                    }),
                }
                out.cloning[v] = Some(c.clone());
            }
            if let Some(TaskResult::NearestNeighbour(r)) = plan.t_c_task[v].map(|j| &results[j]) {
                out.measured_t_c[v] = Some(r.t_hat_mean);
                out.measured_t_c_se[v] = Some(r.t_hat_se);
                out.memorization[v] = Some(r.memorization.fraction);
            }
        }
        out.messages.sort_by_key(|m| m.index);
        out
    }
}
