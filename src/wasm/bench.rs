//! Benchmark boundary (issue 7): one particle range of a workload of `crate::workloads` in a Worker, and the theory
//! benchmark's evaluation. Converts and calls only; timing happens in JavaScript (www/bench/). Only in the bench
//! build (`--features bench`, www/bench/pkg): the page's wasm does not carry the workloads (~13 KB).

use wasm_bindgen::prelude::*;

use super::js_err;
use crate::error::Error;
use crate::theory::sweep::{evaluate, TheoryOptions};
use crate::workloads::{theory_input, Workload, WorkloadId};

/// The particles `first .. first + count` of a workload, set up and ready to step.
#[wasm_bindgen]
pub struct BenchWorkload {
    inner: Workload,
}

#[wasm_bindgen]
impl BenchWorkload {
    /// Sets up the range of workload `name` ("W1" … "W4", "Cloning").
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, first: usize, count: usize) -> Result<BenchWorkload, JsError> {
        let id = WorkloadId::from_name(name)
            .ok_or_else(|| js_err(Error::param("workload", format!("{name:?}"), "W1, W2, W3, W4 or Cloning")))?;
        Ok(BenchWorkload { inner: Workload::setup_range(id, first, count).map_err(js_err)? })
    }

    /// Total steps of the workload's grid.
    pub fn steps(&self) -> usize {
        self.inner.steps()
    }

    /// Grid index reached.
    pub fn step(&self) -> usize {
        self.inner.state().step()
    }

    /// Runs at most `n` further steps; returns whether the grid's end was reached.
    pub fn run(&mut self, n: usize) -> Result<bool, JsError> {
        self.inner.run(n).map(|p| p.step >= p.steps).map_err(js_err)
    }

    /// Positions of the range's particles, particle-major `x[p * d + k]`.
    pub fn positions(&self) -> Vec<f64> {
        self.inner.state().positions().to_vec()
    }

    /// Positions of the clones (cloning workload, once forked; empty otherwise), same layout.
    pub fn clone_positions(&self) -> Vec<f64> {
        self.inner.clones().map(|c| c.positions().to_vec()).unwrap_or_default()
    }

    /// Floating-point operations per step of the whole workload where the count is clear (NaN otherwise).
    pub fn flops_per_step(&self) -> f64 {
        let id = self.inner.id;
        id.flops_per_step(id.particles()).unwrap_or(f64::NAN)
    }
}

/// Runs the theory benchmark's evaluation once (d = 64, anisotropic U, Q_opt; `crate::workloads::theory_input`)
/// and returns t_S (NaN when there is none), so the caller can time it and check the value.
#[wasm_bindgen]
pub fn bench_theory_evaluate() -> Result<f64, JsError> {
    let input = theory_input().map_err(js_err)?;
    let report = evaluate(&input, &TheoryOptions::default()).map_err(js_err)?;
    Ok(report.t_s.unwrap_or(f64::NAN))
}
