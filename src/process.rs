//! The forward (noising) process dx = −A x dt + √2 dW with A = (I + Q) U, U symmetric positive definite, Qᵀ = −Q
//! (SCIENCE.md §1–§2; Lu–Tang's non-reversible Ornstein–Uhlenbeck process; U = I, Q = 0 is Biroli's).
//!
//! Everything here is exact: the propagator E_t = e^{−At}, the noise covariance Σ_t = U⁻¹ − E_t U⁻¹ E_tᵀ, the
//! transition x_t | x₀ ~ N(E_t x₀, Σ_t), and the relaxation spectrum. Time t is forward time.

use nalgebra::{Complex, DMatrix, DVector};

use crate::error::{Error, Result};
use crate::kernels::dense::{gemm, gemm_nt, gemm_nt_symmetric, symmetrize as symmetrize_rows};
use crate::linalg::{expm, expm_van_loan, mul, one_norm, symmetrize, ExpmWorkspace};
use crate::precision::Precision;
use crate::random::Stream;

/// Below this value of t·‖A‖₁ the noise covariance is computed by Van Loan's block exponential instead of the
/// difference U⁻¹ − E_t U⁻¹ E_tᵀ, which cancels catastrophically as t → 0 (Σ_t ≈ 2t I while each term is O(1)).
/// At 0.5 the difference loses at most about one digit; below it the block method keeps full relative accuracy.
const VAN_LOAN_BELOW: f64 = 0.5;

/// Tolerance of the antisymmetry check of SCIENCE.md §3: ‖Q + Qᵀ‖ ≤ 1e-12 ‖Q‖.
pub const ANTISYMMETRY_TOL: f64 = 1e-12;

/// The exact transition over a time step: mean map E_t and noise covariance Σ_t.
#[derive(Clone, Debug)]
pub struct Transition {
    /// Forward time of the step.
    pub t: f64,
    /// E_t = e^{−At}.
    pub propagator: DMatrix<f64>,
    /// Σ_t = U⁻¹ − E_t U⁻¹ E_tᵀ.
    pub noise_cov: DMatrix<f64>,
}

/// The non-reversible Ornstein–Uhlenbeck forward process.
#[derive(Clone, Debug)]
pub struct OuProcess {
    precision: Precision,
    q: DMatrix<f64>,
    a: DMatrix<f64>,
    u_inv: DMatrix<f64>,
    /// A's eigenvalues, computed on first use (an O(d³) decomposition, 0.23 s at d = 512 natively, that a
    /// generation run asked for twice: the propagator cache's chain length and the white step's fresh starts).
    eigenvalues: std::sync::OnceLock<Vec<Complex<f64>>>,
}

impl OuProcess {
    /// Builds the process from U and an antisymmetric Q.
    ///
    /// # Errors
    /// [`Error::Param`] for a Q of the wrong size, with non-finite entries, or with ‖Q + Qᵀ‖ > 1e-12 ‖Q‖.
    pub fn new(precision: Precision, q: DMatrix<f64>) -> Result<Self> {
        let d = precision.dim();
        if q.nrows() != d || q.ncols() != d {
            return Err(Error::param("Q", format!("{}×{}", q.nrows(), q.ncols()), format!("a {d}×{d} matrix")));
        }
        if q.iter().any(|x| !x.is_finite()) {
            return Err(Error::param("Q", "a matrix with non-finite entries", "finite entries"));
        }
        let asym = (&q + q.transpose()).norm();
        if asym > ANTISYMMETRY_TOL * q.norm() {
            return Err(Error::param("Q", format!("‖Q + Qᵀ‖ = {asym:e}"), "an antisymmetric matrix"));
        }
        let a = mul(&(DMatrix::identity(d, d) + &q), precision.matrix());
        let u_inv = precision.power(-1.0);
        Ok(OuProcess { precision, q, a, u_inv, eigenvalues: std::sync::OnceLock::new() })
    }

    /// The reversible process (Q = 0).
    pub fn reversible(precision: Precision) -> Self {
        let d = precision.dim();
        Self::new(precision, DMatrix::zeros(d, d)).expect("Q = 0 is antisymmetric")
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.precision.dim()
    }

    /// The precision U.
    pub fn precision(&self) -> &Precision {
        &self.precision
    }

    /// The antisymmetric part Q.
    pub fn q(&self) -> &DMatrix<f64> {
        &self.q
    }

    /// The drift matrix A = (I + Q) U.
    pub fn drift(&self) -> &DMatrix<f64> {
        &self.a
    }

    /// The stationary covariance U⁻¹ (the same for every antisymmetric Q).
    pub fn stationary_cov(&self) -> &DMatrix<f64> {
        &self.u_inv
    }

    /// The propagator E_t = e^{−At}.
    ///
    /// ```
    /// use diffusion_regimes::{precision::Precision, process::OuProcess};
    /// let p = OuProcess::reversible(Precision::scaled_identity(2, 1.0).unwrap());
    /// assert!((p.propagator(1.0)[(0, 0)] - (-1f64).exp()).abs() < 1e-15);
    /// ```
    pub fn propagator(&self, t: f64) -> DMatrix<f64> {
        expm(&(&self.a * -t))
    }

    /// The exact transition over forward time t: E_t and Σ_t (SCIENCE.md §2).
    /// Σ_t solves dΣ/dt = −AΣ − ΣAᵀ + 2I, Σ₀ = 0; for U = I, Q = 0 it is Δ_t I, Δ_t = 1 − e^{−2t}.
    pub fn transition(&self, t: f64) -> Transition {
        assert!(t.is_finite() && t >= 0.0, "transition needs a finite t ≥ 0, got {t}");
        let d = self.dim();
        if t == 0.0 {
            return Transition { t, propagator: DMatrix::identity(d, d), noise_cov: DMatrix::zeros(d, d) };
        }
        if t * one_norm(&self.a) < VAN_LOAN_BELOW {
            // Van Loan (1978): exp([[−A, 2I], [0, Aᵀ]] t) has blocks F11 = E_t and
            // F12 = ∫₀ᵗ e^{−A(t−s)} 2 e^{Aᵀs} ds, so Σ_t = F12 F11ᵀ without cancellation (block-wise, `expm_van_loan`).
            let (e, f12, _) = expm_van_loan(&(&self.a * -t), 2.0 * t);
            let mut sigma = mul(&f12, &e.transpose());
            symmetrize(&mut sigma);
            Transition { t, propagator: e, noise_cov: sigma }
        } else {
            let e = self.propagator(t);
            let mut sigma = &self.u_inv - mul(&mul(&e, &self.u_inv), &e.transpose());
            symmetrize(&mut sigma);
            Transition { t, propagator: e, noise_cov: sigma }
        }
    }

    /// Σ_t alone.
    pub fn noise_cov(&self, t: f64) -> DMatrix<f64> {
        self.transition(t).noise_cov
    }

    /// Propagates a Gaussian component N(μ, C) at time 0 to time t: N(E_t μ, E_t C E_tᵀ + Σ_t) (SCIENCE.md §2).
    pub fn propagate_gaussian(&self, mean: &DVector<f64>, cov: &DMatrix<f64>, t: f64) -> (DVector<f64>, DMatrix<f64>) {
        let tr = self.transition(t);
        let m = &tr.propagator * mean;
        let mut c = mul(&mul(&tr.propagator, cov), &tr.propagator.transpose()) + tr.noise_cov;
        symmetrize(&mut c);
        (m, c)
    }

    /// Draws x_t | x₀ exactly, given a precomputed transition and the Cholesky factor L of its Σ_t.
    pub fn sample_transition(
        tr: &Transition,
        chol_l: &DMatrix<f64>,
        x0: &DVector<f64>,
        rng: &mut Stream,
    ) -> DVector<f64> {
        let d = x0.len();
        let z = DVector::from_fn(d, |_, _| rng.normal());
        &tr.propagator * x0 + chol_l * z
    }

    /// Eigenvalues of A (complex, unsorted).
    pub fn drift_eigenvalues(&self) -> Vec<Complex<f64>> {
        self.eigenvalues.get_or_init(|| crate::kernels::decompose::complex_eigenvalues(self.a.clone())).clone()
    }

    /// The spectral gap g(Q) = min_k Re eig_k(A): the asymptotic relaxation rate.
    pub fn spectral_gap(&self) -> f64 {
        self.drift_eigenvalues().iter().map(|z| z.re).fold(f64::INFINITY, f64::min)
    }

    /// The bound τ = Tr U / d ≥ g(Q) for every antisymmetric Q (since Σ Re eig A = Tr A = Tr U).
    pub fn trace_bound(&self) -> f64 {
        self.precision.tau()
    }

    /// ‖E_t‖₂ at each time in `ts`: the transient norm of the propagator, which for non-normal A can exceed
    /// e^{−g t} (SCIENCE.md §2, "The gain is asymptotic only").
    ///
    /// On a uniform stretch of `ts` (the relaxation report's grid) E_t follows the grid, E_{t+h} = E_h E_t, one d × d
    /// product (the kernels' `gemm`) per point instead of an exponential, with a fresh exponential every
    /// 16 points; ‖E_t‖₂² is the largest eigenvalue of E_tᵀE_t, computed without eigenvectors (d = 256,
    /// Q_opt, 48 points natively: 1.1 s → 0.12 s; within 1e-10 of an exponential per point, tested).
    pub fn propagator_norm_curve(&self, ts: &[f64]) -> Vec<f64> {
        let d = self.dim();
        let mut out = Vec::with_capacity(ts.len());
        // Column-major E_t, read as row-major: the buffer holds E_tᵀ.
        let mut e_t: Vec<f64> = Vec::new();
        let mut e_h: Option<(f64, Vec<f64>)> = None;
        let (mut next, mut gram) = (vec![0.0; d * d], vec![0.0; d * d]);
        for (k, &t) in ts.iter().enumerate() {
            // The step from the previous point (NaN at the first), and whether E_h is already known for it (then E_t
            // of the previous point is too).
            let h = if k > 0 { t - ts[k - 1] } else { f64::NAN };
            let known = e_h.as_ref().filter(|(h0, _)| (h - h0).abs() <= 1e-12 * h0);
            match known {
                Some((_, eh)) if k % NORM_CHAIN != 0 => {
                    // E_tᵀ = E_{t−h}ᵀ E_hᵀ (row-major products of the transposes).
                    gemm(d, d, d, 1.0, &e_t, eh, 0.0, &mut next);
                    std::mem::swap(&mut e_t, &mut next);
                }
                _ => {
                    e_t = self.propagator(t).as_slice().to_vec();
                    if known.is_none() && h > 0.0 {
                        e_h = Some((h, self.propagator(h).as_slice().to_vec()));
                    }
                }
            }
            // gram = (E_tᵀ)(E_tᵀ)ᵀ = E_tᵀE_t, its upper triangle mirrored (exactly symmetric).
            gemm_nt_symmetric(d, d, &e_t, &e_t, &mut gram);
            let ev = crate::kernels::decompose::symmetric_eigenvalues(DMatrix::from_row_slice(d, d, &gram));
            out.push(ev.iter().copied().fold(0.0, f64::max).max(0.0).sqrt());
        }
        out
    }
}

/// Points of [`OuProcess::propagator_norm_curve`] between fresh exponentials (the forward recursion E_{t+h} = E_h E_t
/// contracts, so its rounding errors stay near the number of steps × machine epsilon × the transient's size).
const NORM_CHAIN: usize = 16;

/// Longest run of the backward recursion E_{t−h} = e^{Ah} E_t before a fresh exponential (see [`PropagatorCache`]).
const MAX_CHAIN: usize = 64;

/// Largest growth factor allowed for rounding errors along one run of the backward recursion: with real parts of
/// the eigenvalues of A spread over [λ_min, λ_max], an error made at one step grows relative to E_t by at most about
/// κ(V)² e^{(λ_max − λ_min) s} after a time s (V the eigenvectors of A), so runs are cut at (λ_max − λ_min) m h ≤
/// ln(CHAIN_GROWTH): relative errors stay near 10³ × machine epsilon × κ(V)².
const CHAIN_GROWTH: f64 = 1e3;

/// E_t = e^{−At} for a decreasing sequence of times (the grid of reverse-time generation) without allocation:
/// from one time to the next by E_{t−h} = e^{Ah} E_t, one d×d product per step, with e^{Ah} computed once per step
/// size, and a fresh exponential (Padé, in a preallocated workspace) every few steps so rounding errors stay bounded
/// (the backward recursion amplifies errors along the fast modes; see `CHAIN_GROWTH`).
///
/// Below t‖A‖₁ = 0.5 the noise covariance from E_t cancels catastrophically; [`PropagatorCache::accurate_at`] tells
/// callers to use [`OuProcess::transition`] (Van Loan's block form, allocating) there instead.
#[derive(Clone, Debug)]
pub struct PropagatorCache {
    d: usize,
    a: Vec<f64>,
    u_inv: Vec<f64>,
    a_norm1: f64,
    /// max Re λ(A) − min Re λ(A).
    spread: f64,
    t: Option<f64>,
    e: Vec<f64>,
    /// The step size of the last backward move, and e^{Ah} for it once a second move of that size came.
    h: Option<f64>,
    e_h: Vec<f64>,
    e_h_ready: bool,
    chain: usize,
    tmp: Vec<f64>,
    ws: ExpmWorkspace,
}

impl PropagatorCache {
    /// A cache for `process` (computes the eigenvalues of A once, O(d³)).
    pub fn new(process: &OuProcess) -> Self {
        let d = process.dim();
        let rows = |m: &DMatrix<f64>| m.transpose().as_slice().to_vec();
        let re: Vec<f64> = process.drift_eigenvalues().iter().map(|z| z.re).collect();
        let spread =
            re.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - re.iter().cloned().fold(f64::INFINITY, f64::min);
        PropagatorCache {
            d,
            a: rows(process.drift()),
            u_inv: rows(process.stationary_cov()),
            a_norm1: one_norm(process.drift()),
            spread: spread.max(0.0),
            t: None,
            e: vec![0.0; d * d],
            h: None,
            e_h: vec![0.0; d * d],
            e_h_ready: false,
            chain: 0,
            tmp: vec![0.0; d * d],
            ws: ExpmWorkspace::new(d),
        }
    }

    /// Whether E_t-based formulas are accurate at t (t‖A‖₁ ≥ 0.5, the branch of [`OuProcess::transition`] that
    /// computes Σ_t as a difference).
    pub fn accurate_at(&self, t: f64) -> bool {
        t * self.a_norm1 >= VAN_LOAN_BELOW
    }

    /// Moves to forward time t and returns E_t (row-major).
    pub fn propagator_at(&mut self, t: f64) -> &[f64] {
        assert!(t.is_finite() && t >= 0.0, "propagator_at needs a finite t ≥ 0, got {t}");
        if self.t == Some(t) {
            return &self.e;
        }
        let d = self.d;
        let step = self.t.map(|t0| t0 - t).filter(|&h| h > 0.0);
        let same_h = match (step, self.h) {
            (Some(h), Some(h0)) => (h - h0).abs() <= 1e-12 * h0,
            _ => false,
        };
        let max_chain = match step {
            Some(h) if self.spread * h > 0.0 => ((CHAIN_GROWTH.ln() / (self.spread * h)) as usize).min(MAX_CHAIN),
            _ => MAX_CHAIN,
        };
        if same_h && self.chain < max_chain {
            let h = self.h.expect("same_h implies a step size");
            if !self.e_h_ready {
                self.ws.expm_into(&self.a, h, &mut self.e_h);
                self.e_h_ready = true;
            }
            gemm(d, d, d, 1.0, &self.e_h, &self.e, 0.0, &mut self.tmp);
            std::mem::swap(&mut self.e, &mut self.tmp);
            self.chain += 1;
        } else {
            if !same_h {
                self.h = step;
                self.e_h_ready = false;
            }
            self.ws.expm_into(&self.a, -t, &mut self.e);
            self.chain = 0;
        }
        self.t = Some(t);
        &self.e
    }

    /// `out ← U⁻¹ + E_t C E_tᵀ` (symmetrized) at the current time, for a row-major symmetric C: with C = C₀ − U⁻¹
    /// the covariance Γ_t = E_t C₀ E_tᵀ + Σ_t of a pushed-forward Gaussian, with C = −U⁻¹ the noise covariance Σ_t
    /// (SCIENCE.md §2). Needs a time set by [`PropagatorCache::propagator_at`].
    pub fn sandwich_plus_stationary(&mut self, c: &[f64], out: &mut [f64]) {
        assert!(self.t.is_some(), "sandwich_plus_stationary before propagator_at");
        let d = self.d;
        gemm(d, d, d, 1.0, &self.e, c, 0.0, &mut self.tmp);
        gemm_nt(d, d, d, &self.tmp, &self.e, out);
        out.iter_mut().zip(&self.u_inv).for_each(|(o, u)| *o += u);
        symmetrize_rows(out, d);
    }

    /// U⁻¹, row-major.
    pub fn stationary_cov(&self) -> &[f64] {
        &self.u_inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_curve_on_a_grid_matches_an_exponential_per_point() {
        let u = Precision::log_spaced(12, 100.0, None).unwrap();
        let q = crate::drift::optimal(&u, &crate::drift::Weights::Linear).unwrap();
        let p = OuProcess::new(u, q).unwrap();
        // A uniform grid (chained, fresh every NORM_CHAIN points), then an irregular one (an exponential per point).
        let uniform: Vec<f64> = (0..70).map(|k| 0.08 * k as f64).collect();
        let irregular = [0.0, 0.01, 0.05, 0.3, 0.31, 2.0, 4.5];
        for ts in [&uniform[..], &irregular[..]] {
            let curve = p.propagator_norm_curve(ts);
            for (&t, &n) in ts.iter().zip(&curve) {
                let exact = crate::linalg::spectral_norm(&p.propagator(t));
                assert!((n - exact).abs() <= 1e-10 * exact, "t = {t}: {n} vs {exact}");
            }
        }
        assert_eq!(p.propagator_norm_curve(&[0.0])[0], 1.0);
    }

    fn aniso_rotated() -> OuProcess {
        let p = Precision::diagonal(&[1.0, 4.0]).unwrap();
        let q = DMatrix::from_row_slice(2, 2, &[0.0, -2.25, 2.25, 0.0]);
        OuProcess::new(p, q).unwrap()
    }

    #[test]
    fn biroli_noise_is_delta_t() {
        let p = OuProcess::reversible(Precision::scaled_identity(3, 1.0).unwrap());
        for &t in &[1e-8, 1e-3, 0.2, 1.0, 5.0] {
            let s = p.noise_cov(t);
            let delta = -(-2.0 * t).exp_m1();
            assert!((s[(1, 1)] / delta - 1.0).abs() < 1e-12, "t={t}: {} vs {delta}", s[(1, 1)]);
            assert!(s[(0, 1)].abs() < 1e-15);
        }
    }

    #[test]
    fn noise_cov_solves_lyapunov_ode_and_branches_agree() {
        let p = aniso_rotated();
        let a = p.drift().clone();
        // dΣ/dt = −AΣ − ΣAᵀ + 2I, checked by a central difference.
        for &t in &[0.01, 0.3, 1.2] {
            let h = 1e-5;
            let ds = (p.noise_cov(t + h) - p.noise_cov(t - h)) / (2.0 * h);
            let s = p.noise_cov(t);
            let rhs = -&a * &s - &s * a.transpose() + DMatrix::identity(2, 2) * 2.0;
            assert!((&ds - &rhs).norm() < 1e-6 * rhs.norm().max(1.0), "t={t}");
        }
        // Stationarity: A U⁻¹ + U⁻¹ Aᵀ = 2I.
        let ui = p.stationary_cov();
        let st = &a * ui + ui * a.transpose();
        assert!((st - DMatrix::identity(2, 2) * 2.0).norm() < 1e-12);
    }

    /// Σ_t by the dense 2d × 2d Van Loan exponential: exp([[−A, 2I], [0, Aᵀ]] t) = [[E_t, F], [0, e^{Aᵀt}]] with
    /// Σ_t = F E_tᵀ (what `transition` computed before it used the block structure).
    fn noise_cov_van_loan(a: &DMatrix<f64>, t: f64) -> DMatrix<f64> {
        let d = a.nrows();
        let mut m = DMatrix::zeros(2 * d, 2 * d);
        m.view_mut((0, 0), (d, d)).copy_from(&(a * -t));
        m.view_mut((0, d), (d, d)).copy_from(&(DMatrix::identity(d, d) * (2.0 * t)));
        m.view_mut((d, d), (d, d)).copy_from(&(a.transpose() * t));
        let f = expm(&m);
        f.view((0, d), (d, d)) * f.view((0, 0), (d, d)).transpose()
    }

    #[test]
    fn small_time_noise_cov_agrees_with_the_dense_van_loan() {
        // Every drift family at the times where Van Loan's form is used (t‖A‖₁ from 10⁻¹⁰ to just below 0.5):
        // κ up to 10⁶ with Q_opt, a strong plane rotation (q = 1000), a random dense Q and the reversible process.
        use crate::drift::{optimal, plane_rotation, random, Weights};
        let mut worst: f64 = 0.0;
        for (d, kappa) in [(2, 10.0), (9, 1e3), (16, 1e6), (33, 100.0)] {
            let u = Precision::log_spaced(d, kappa, Some(d as u64)).unwrap();
            let qs = [
                optimal(&u, &Weights::Linear).unwrap(),
                plane_rotation(&u, 1000.0).unwrap(),
                random(d, 3.0, 7).unwrap(),
                DMatrix::zeros(d, d),
            ];
            for q in qs {
                let p = OuProcess::new(u.clone(), q).unwrap();
                let norm = one_norm(p.drift());
                for x in [1e-10, 1e-6, 1e-3, 0.05, 0.3, 0.499] {
                    let t = x / norm;
                    let (got, reference) = (p.noise_cov(t), noise_cov_van_loan(p.drift(), t));
                    let err = (&got - &reference).norm() / reference.norm();
                    assert!(err < 1e-13, "d = {d}, κ = {kappa}, t‖A‖₁ = {x}: relative error {err:e}");
                    assert!(crate::linalg::cholesky(&got, "Σ_t").is_ok());
                    worst = worst.max(err);
                }
            }
        }
        eprintln!("worst relative difference from the dense Van Loan: {worst:e}");
    }

    #[test]
    fn propagator_cache_follows_a_uniform_grid() {
        // The backward recursion with periodic fresh exponentials must agree with a fresh e^{−At} at every grid
        // time, for a drift with equal real parts (optimal Q: long runs) and one with a wide spread (Q = 0, κ = 100).
        use crate::drift::{optimal, Weights};
        let u = Precision::log_spaced(12, 100.0, None).unwrap();
        for q in [optimal(&u, &Weights::Linear).unwrap(), DMatrix::zeros(12, 12)] {
            let p = OuProcess::new(u.clone(), q).unwrap();
            let mut cache = PropagatorCache::new(&p);
            let (t_max, steps) = (10.0, 500);
            for k in (1..=steps).rev() {
                let t = t_max * k as f64 / steps as f64;
                let e = DMatrix::from_row_slice(12, 12, cache.propagator_at(t));
                let exact = p.propagator(t);
                let err = (&e - &exact).norm() / exact.norm();
                assert!(err < 1e-10, "t = {t}: relative error {err:e}");
            }
        }
    }

    #[test]
    fn rejects_non_antisymmetric_q() {
        let p = Precision::scaled_identity(2, 1.0).unwrap();
        let q = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]);
        let e = OuProcess::new(p, q).unwrap_err();
        assert!(e.to_string().contains("antisymmetric"), "{e}");
    }

    #[test]
    fn spectrum_of_test_vector() {
        // SCIENCE.md §3: U = diag(1, 4), Q = [[0, −2.25], [2.25, 0]] gives eig(A) = 2.5 ± 4.242641 i.
        let p = aniso_rotated();
        let mut ev = p.drift_eigenvalues();
        ev.sort_by(|a, b| a.im.total_cmp(&b.im));
        assert!((ev[0].re - 2.5).abs() < 1e-12 && (ev[1].im - 4.242641).abs() < 1e-6);
        assert!((p.spectral_gap() - p.trace_bound()).abs() < 1e-12);
    }
}
