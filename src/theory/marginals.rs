//! The time-t moments of the data model on a [`TimeGrid`], propagated by exact semigroup steps of the forward process.
//!
//! A Gaussian component N(μ, C) at time 0 is N(E_t μ, E_t C E_tᵀ + Σ_t) at time t (SCIENCE.md §2). Over one step h
//! the moments obey the same law: X_{t+h} = E_h X_t E_hᵀ + Σ_h for every time-t covariance X and m_{t+h} = E_h m_t.
//! On a graded grid only a handful of step sizes h_k occur (one per octave), so a grid point costs two matrix products
//! per carried covariance instead of a matrix exponential, and E_t and Σ_t are never re-derived: every step transition
//! comes from [`OuProcess::transition`], directly or by exact doubling E_{2h} = E_h², Σ_{2h} = Σ_h + E_h Σ_h E_hᵀ.
//!
//! Accuracy. A rounded E_h ≈ I − A h carries A h only to absolute precision ε ≈ 10⁻¹⁶, i.e. the generator to relative
//! ε/(‖A‖h); composing t/h such steps gives an error ≈ ε t/h. Octaves whose step has h‖A‖₁ ≥ ½ therefore take a
//! direct transition (the cheap branch of `transition`, no Van Loan block). The octaves below, where a direct
//! transition needs Van Loan's 2d×2d exponential (about ten times the cost at d = 64), are reached by doubling, with a
//! direct transition every [`REANCHOR_OCTAVES`] octaves so that a chain of doublings spans at most a factor
//! 2^REANCHOR_OCTAVES in h: the error stays below about ε·2^6·m ≈ 10⁻¹³ relative, and it does not grow later because
//! each later step is accurate and contracting. The tests check the propagated moments against direct transitions.
//! Callers use grid values to bracket and to plot; roots are refined with direct transitions.

use nalgebra::DMatrix;

use crate::error::Result;
use crate::linalg::{one_norm, symmetrize};
use crate::process::OuProcess;
use crate::theory::grid::TimeGrid;

/// Octaves with step h·‖A‖₁ at or above this take a direct transition; it is the threshold below which
/// [`OuProcess::transition`] switches to Van Loan's block exponential (process.rs, `VAN_LOAN_BELOW`), so a direct
/// transition here costs one d×d exponential.
const DIRECT_STEP_ABOVE: f64 = 0.5;

/// Below the direct threshold, a direct (Van Loan) transition every this many octaves bounds the length of a chain of
/// doublings (see the module docs): 6 keeps the error near 10⁻¹³ for about two Van Loan calls on the default grid.
const REANCHOR_OCTAVES: u32 = 6;

/// The moments at one grid point, lent to the visitor of [`propagate`].
pub(crate) struct Moments<'a> {
    /// E_t D: the propagated class-signal factor (two classes: the mean m_t as a d×1 matrix).
    pub signal: &'a DMatrix<f64>,
    /// Γ_t = E_t C₀ E_tᵀ + Σ_t: the within-class covariance at time t.
    pub class_cov: &'a DMatrix<f64>,
    /// Σ_t, when carried.
    pub noise_cov: Option<&'a DMatrix<f64>>,
    /// E_t C E_tᵀ + Σ_t, the total data covariance at time t, when carried.
    pub data_cov: Option<&'a DMatrix<f64>>,
}

/// Step transition: E_h, its transpose, and Σ_h.
struct Step {
    e: DMatrix<f64>,
    et: DMatrix<f64>,
    sigma: DMatrix<f64>,
}

impl Step {
    fn double(&mut self, tmp: &mut DMatrix<f64>) {
        // Σ_{2h} = Σ_h + E_h Σ_h E_hᵀ, then E_{2h} = E_h E_h.
        let mut s2 = self.sigma.clone();
        congruence_add(&self.e, &self.et, &self.sigma, &mut s2, tmp);
        self.sigma = s2;
        self.e = &self.e * &self.e;
        self.et = self.e.transpose();
    }
}

/// out ← E X Eᵀ + out (X symmetric), through the buffer `tmp`; symmetrizes the result.
fn congruence_add(
    e: &DMatrix<f64>,
    et: &DMatrix<f64>,
    x: &DMatrix<f64>,
    out: &mut DMatrix<f64>,
    tmp: &mut DMatrix<f64>,
) {
    tmp.gemm(1.0, e, x, 0.0);
    out.gemm(1.0, tmp, et, 1.0);
    symmetrize(out);
}

/// One covariance carried along the grid, with its double buffer.
struct Carried {
    now: DMatrix<f64>,
    next: DMatrix<f64>,
}

impl Carried {
    fn start(e0: &DMatrix<f64>, c: &DMatrix<f64>, sigma0: &DMatrix<f64>) -> Self {
        let mut now = e0 * c * e0.transpose() + sigma0;
        symmetrize(&mut now);
        let next = now.clone();
        Carried { now, next }
    }

    fn step(&mut self, s: &Step, tmp: &mut DMatrix<f64>) {
        self.next.copy_from(&s.sigma);
        congruence_add(&s.e, &s.et, &self.now, &mut self.next, tmp);
        std::mem::swap(&mut self.now, &mut self.next);
    }
}

/// Propagates the class model (signal factor D, within-class covariance C₀), optionally Σ_t (`carry_noise`) and the
/// data covariance C (which implies Σ_t) along `grid`, calling `visit(j, moments)` at every grid point in ascending time. Stops at the first error of
/// `visit`.
pub(crate) fn propagate(
    process: &OuProcess,
    grid: &TimeGrid,
    signal0: &DMatrix<f64>,
    within: &DMatrix<f64>,
    carry_noise: bool,
    data: Option<&DMatrix<f64>>,
    mut visit: impl FnMut(usize, &Moments) -> Result<()>,
) -> Result<()> {
    let ts = grid.times();
    let d = process.dim();
    let tr0 = process.transition(ts[0]);
    let mut signal = &tr0.propagator * signal0;
    let mut signal_next = signal.clone();
    let mut class = Carried::start(&tr0.propagator, within, &tr0.noise_cov);
    let mut noise =
        (carry_noise || data.is_some()).then(|| Carried { now: tr0.noise_cov.clone(), next: tr0.noise_cov.clone() });
    let mut total = data.map(|c| Carried::start(&tr0.propagator, c, &tr0.noise_cov));
    let mut tmp = DMatrix::zeros(d, d);
    visit(
        0,
        &Moments {
            signal: &signal,
            class_cov: &class.now,
            noise_cov: noise.as_ref().map(|c| &c.now),
            data_cov: total.as_ref().map(|c| &c.now),
        },
    )?;
    if ts.len() < 2 {
        return Ok(());
    }
    let norm_a = one_norm(process.drift());
    let direct = |k: u32| {
        let tr = process.transition(grid.step(k));
        Step { et: tr.propagator.transpose(), e: tr.propagator, sigma: tr.noise_cov }
    };
    let mut octave = grid.octave_of(1);
    let mut step = direct(octave);
    let mut chain = 0;
    for j in 1..ts.len() {
        while octave > grid.octave_of(j) {
            octave -= 1;
            chain += 1;
            if grid.step(octave) * norm_a >= DIRECT_STEP_ABOVE || chain >= REANCHOR_OCTAVES {
                chain = 0;
                step = direct(octave);
            } else {
                step.double(&mut tmp);
            }
        }
        signal_next.gemm(1.0, &step.e, &signal, 0.0);
        std::mem::swap(&mut signal, &mut signal_next);
        class.step(&step, &mut tmp);
        if let Some(c) = noise.as_mut() {
            c.step(&step, &mut tmp);
        }
        if let Some(c) = total.as_mut() {
            c.step(&step, &mut tmp);
        }
        visit(
            j,
            &Moments {
                signal: &signal,
                class_cov: &class.now,
                noise_cov: noise.as_ref().map(|c| &c.now),
                data_cov: total.as_ref().map(|c| &c.now),
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precision::Precision;
    use nalgebra::DVector;

    #[test]
    fn propagated_moments_match_direct_transitions() {
        // Anisotropic U with a rotation in the slow–fast plane: non-normal A, the hard case for rounding growth.
        let p = Precision::log_spaced(6, 100.0, Some(5)).unwrap();
        let (es, ef) = (p.slowest(), p.fastest());
        let q = (&ef * es.transpose() - &es * ef.transpose()) * 3.0;
        let proc_ = OuProcess::new(p, q).unwrap();
        let mu = DMatrix::from_column_slice(6, 1, DVector::from_fn(6, |k, _| 1.0 + k as f64).as_slice());
        let c0 = DMatrix::from_fn(6, 6, |i, j| if i == j { 0.5 } else { 0.1 });
        let c = &c0 + &mu * mu.transpose();
        let grid = TimeGrid::graded(1e-4, 20.0, 300).unwrap();
        let mut worst: f64 = 0.0;
        propagate(&proc_, &grid, &mu, &c0, true, Some(&c), |j, m| {
            if j % 37 == 0 || j + 1 == grid.times().len() {
                let tr = proc_.transition(grid.times()[j]);
                let g = &tr.propagator * &c0 * tr.propagator.transpose() + &tr.noise_cov;
                let k = &tr.propagator * &c * tr.propagator.transpose() + &tr.noise_cov;
                let s = &tr.propagator * &mu;
                let errs = [
                    (&g - m.class_cov).norm() / g.norm(),
                    (&k - m.data_cov.unwrap()).norm() / k.norm(),
                    (&tr.noise_cov - m.noise_cov.unwrap()).norm() / tr.noise_cov.norm(),
                    (&s - m.signal).norm() / s.norm().max(1e-300),
                ];
                worst = errs.iter().fold(worst, |a, &b| a.max(b));
            }
            Ok(())
        })
        .unwrap();
        // Error budget (module docs): ε·2^6·m with m ≈ 17 here, about 1e-13 relative, plus 300 steps of rounding;
        // 2e-12 leaves a margin for the transient growth of E_h.
        assert!(worst < 2e-12, "worst relative deviation {worst:e}");
    }
}
