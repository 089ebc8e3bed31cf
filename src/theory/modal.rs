//! The time-t moments of the forward process in the eigenbasis of the drift ("modal form"): O(d²) per time instead
//! of matrix exponentials, so that a full theory evaluation at d = 64 fits in an animation frame (issue 7).
//!
//! **Formulas.** Diagonalize A = V Λ V⁻¹ once (Λ = diag(λ_k), Re λ_k > 0 since A = (I+Q)U is stable). Then
//! E_t = V e^{−Λt} V⁻¹ and, from Σ_t = ∫₀ᵗ E_s (2I) E_sᵀ ds (SCIENCE.md §2), entry by entry in the eigenbasis
//!
//!   (V⁻¹ Σ_t V⁻ᴴ)_kl = P_kl (1 − e^{−(λ_k+λ̄_l)t}) / (λ_k + λ̄_l),   P = 2 V⁻¹V⁻ᴴ,
//!
//! so every time-t covariance X_t = E_t X E_tᵀ + Σ_t (X = C₀, the class covariance Γ_t; X = C, the data covariance;
//! X = 0, the noise Σ_t) is, with K = V⁻¹XV⁻ᴴ, F_kl = P_kl/(λ_k+λ̄_l) (the stationary covariance U⁻¹ in the eigenbasis)
//! and b_kl(t) = e^{−λ_k t} e^{−λ̄_l t} − 1,
//!
//!   (V⁻¹ X_t V⁻ᴴ)_kl = K_kl + b_kl (K_kl − F_kl).
//!
//! b_kl = a_k + ā_l + a_k ā_l with a_k = expm1(−λ_k t) keeps full relative accuracy as t → 0 (no 1 − e^{−x}
//! cancellation; Re(λ_k + λ̄_l) > 0 bounds the loss to |λ|/Re λ), which is what Van Loan's block exponential buys in
//! `process.rs`. The means are V e^{−Λt} V⁻¹ D.
//!
//! **Real form.** Eigenvalues of the real A come in conjugate pairs (λ, λ̄) with eigenvectors (v, v̄); with
//! w₁ = √2 Re v, w₂ = √2 Im v the real basis W has V = W T, T block-diagonal and unitary (blocks
//! (1/√2)[[1, 1], [i, −i]]), so W⁻¹ X_t W⁻ᵀ = T (V⁻¹X_tV⁻ᴴ) Tᴴ is real symmetric and is assembled from the complex
//! entries of the first row of each block in O(d²) (the conjugate rows are conjugates). Every quantity of the theory
//! is invariant under this change of basis or shifts by a constant that cancels: s(t) = m_tᵀΓ_t⁻¹m_t =
//! yᵀ(W⁻¹Γ_tW⁻ᵀ)⁻¹y with y = W⁻¹m_t, and ln det X_t = ln det(W⁻¹X_tW⁻ᵀ) + 2 ln|det W|, which drops out of I_t and of
//! f(t). What remains per time is one real Cholesky factorization per covariance ([`cholesky_upper_solve`]).
//!
//! **Eigenvectors** come from the real Schur form A = Z T Zᵀ (nalgebra) by back substitution on the quasi-triangular T
//! (the method of LAPACK's `dtrevc`, with its small-pivot perturbation), then V = Z X with unit columns.
//!
//! **When it is not used.** The errors of the modal form grow with the condition number κ(W) = ‖W‖₁‖W⁻¹‖₁ of the
//! eigenvector basis (a backward error of about ε κ(W)² in each covariance). A nearly defective A (e.g. the plane
//! rotation at its critical q*, where two eigenvalues merge into a Jordan block) has κ(W) → ∞; above
//! [`MAX_CONDITION`], or if the eigen-decomposition fails its residual check, [`Modal::new`] returns `None` and the
//! callers use the propagated moments of `marginals.rs` and direct transitions instead. At the benchmark input
//! (d = 64, κ(U) = 100, Q_opt) κ(W) ≈ 20.

use nalgebra::{Complex, DMatrix};

use crate::error::{Error, Result};
use crate::kernels::dense::{cholesky_upper_solve, gemm, gemm_nt, lu_solve_in_place};
use crate::process::OuProcess;
use regimes_kernels::modal::SplitCov;

type C64 = Complex<f64>;

/// Largest condition number κ₁(W) of the eigenvector basis for which the modal form is used: errors stay below about
/// ε κ² ≈ 10⁻¹⁰ relative; beyond it the callers fall back to the propagated moments.
pub(crate) const MAX_CONDITION: f64 = 1e3;

/// Largest relative residual ‖AW − WD‖_F / (‖A‖_F ‖W‖_F) of an accepted eigen-decomposition (D the real block
/// diagonal form of Λ).
const MAX_RESIDUAL: f64 = 1e-12;

// A diagonal block of the real Schur form (one real eigenvalue, or a conjugate pair): `regimes_kernels::modal::Block`.
use regimes_kernels::modal::Block;

/// The eigen-decomposition of the drift, ready to give time-t moments in O(d²) each.
#[derive(Clone, Debug)]
pub(crate) struct Modal {
    d: usize,
    blocks: Vec<Block>,
    /// λ_k for every index (a pair stores λ then λ̄).
    lambda: Vec<C64>,
    /// W⁻¹, row-major.
    w_inv: Vec<f64>,
    /// F_kl = (V⁻¹U⁻¹V⁻ᴴ)_kl, filled on the first row k of every block, all columns l (row-major d × d).
    stationary: Vec<C64>,
}

/// A covariance X in the eigenbasis: K = V⁻¹XV⁻ᴴ and K − F, on the first row of every block, with real and
/// imaginary parts in separate arrays (row-major d × d) so that a row's entries vectorize ([`Modal::fill_cov`]).
#[derive(Clone, Debug)]
pub(crate) struct ModalCov {
    k_re: Vec<f64>,
    k_im: Vec<f64>,
    diff_re: Vec<f64>,
    diff_im: Vec<f64>,
}

impl ModalCov {
    fn from_complex(k: &[C64], diff: &[C64]) -> Self {
        ModalCov {
            k_re: k.iter().map(|z| z.re).collect(),
            k_im: k.iter().map(|z| z.im).collect(),
            diff_re: diff.iter().map(|z| z.re).collect(),
            diff_im: diff.iter().map(|z| z.im).collect(),
        }
    }
}

/// The per-time factors a_k = expm1(−λ_k t) and e_k = e^{−λ_k t} (each with full relative accuracy) of the time
/// `t` they were last set for, and the buffers of one time-t factorization.
#[derive(Clone, Debug)]
pub(crate) struct Workspace {
    t: f64,
    a: Vec<C64>,
    /// ā_l, real and imaginary parts, for every index l.
    abar_re: Vec<f64>,
    abar_im: Vec<f64>,
    /// One row of entries g_kl of [`Modal::fill_cov`], real and imaginary parts.
    g_re: Vec<f64>,
    g_im: Vec<f64>,
    e: Vec<C64>,
    m: Vec<f64>,
    y: Vec<f64>,
}

impl Modal {
    /// The modal form of the process's drift, or `None` when A is too close to defective (κ(W) > [`MAX_CONDITION`])
    /// or the Schur iteration or the residual check fails.
    pub(crate) fn new(process: &OuProcess) -> Option<Modal> {
        let a = process.drift();
        let d = a.nrows();
        // At most 100·d sweeps: nalgebra's iteration has no exceptional shifts and can cycle (then the direct route).
        let (z, t) = crate::kernels::decompose::schur(a.clone(), f64::EPSILON, 100 * d)?.unpack();
        let blocks = blocks_of(&t);
        let lambda = eigenvalues(&t, &blocks);
        // Real basis W (row-major), column by column from the complex eigenvectors V = Z X.
        let mut w = vec![0.0; d * d];
        let scale = t.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for b in &blocks {
            let x = schur_eigenvector(&t, b, lambda[b.start], scale);
            let mut v = vec![C64::new(0.0, 0.0); d];
            for (i, vi) in v.iter_mut().enumerate() {
                for (j, xj) in x.iter().enumerate() {
                    *vi += xj * z[(i, j)];
                }
            }
            let norm = v.iter().map(|c| c.norm_sqr()).sum::<f64>().sqrt();
            if !(norm > 0.0 && norm.is_finite()) {
                return None;
            }
            let c = if b.pair { std::f64::consts::SQRT_2 / norm } else { 1.0 / norm };
            for (i, vi) in v.iter().enumerate() {
                w[i * d + b.start] = c * vi.re;
                if b.pair {
                    w[i * d + b.start + 1] = c * vi.im;
                }
            }
        }
        // W⁻¹ by LU, κ₁(W), and the residual of A W = W D.
        let mut lu = w.clone();
        let mut w_inv = vec![0.0; d * d];
        (0..d).for_each(|i| w_inv[i * d + i] = 1.0);
        if !lu_solve_in_place(&mut lu, &mut w_inv, d, d) || w_inv.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let condition = one_norm_rm(&w, d) * one_norm_rm(&w_inv, d);
        if condition.is_nan() || condition > MAX_CONDITION {
            return None;
        }
        let a_rm: Vec<f64> = (0..d * d).map(|i| a[(i / d, i % d)]).collect();
        let mut aw = vec![0.0; d * d];
        gemm(d, d, d, 1.0, &a_rm, &w, 0.0, &mut aw);
        for b in &blocks {
            let (k, l) = (b.start, lambda[b.start]);
            for i in 0..d {
                // (W D)_ik: a real column is λ w_k; a pair's columns are α w₁ − β w₂ and β w₁ + α w₂.
                if b.pair {
                    let (w1, w2) = (w[i * d + k], w[i * d + k + 1]);
                    aw[i * d + k] -= l.re * w1 - l.im * w2;
                    aw[i * d + k + 1] -= l.im * w1 + l.re * w2;
                } else {
                    aw[i * d + k] -= l.re * w[i * d + k];
                }
            }
        }
        let fro = |m: &[f64]| m.iter().map(|x| x * x).sum::<f64>().sqrt();
        let residual = fro(&aw);
        if residual.is_nan() || residual > MAX_RESIDUAL * fro(&a_rm) * fro(&w) {
            return None;
        }
        let mut modal = Modal { d, blocks, lambda, w_inv, stationary: Vec::new() };
        // F = V⁻¹U⁻¹V⁻ᴴ, the stationary covariance: K + b(K − F) → F as t → ∞.
        modal.stationary = modal.to_complex(&modal.congruence(process.stationary_cov()));
        Some(modal)
    }

    /// The eigenvalues of A, one per index (as `OuProcess::drift_eigenvalues`, in the order of the Schur form).
    pub(crate) fn eigenvalues(&self) -> &[C64] {
        &self.lambda
    }

    /// A time-0 covariance X in the eigenbasis.
    pub(crate) fn covariance(&self, x: &DMatrix<f64>) -> ModalCov {
        let k = self.to_complex(&self.congruence(x));
        let diff: Vec<C64> = k.iter().zip(&self.stationary).map(|(k, f)| k - f).collect();
        ModalCov::from_complex(&k, &diff)
    }

    /// Σ_t itself: X = 0, so the entries are −b F.
    pub(crate) fn noise(&self) -> ModalCov {
        let diff: Vec<C64> = self.stationary.iter().map(|f| -f).collect();
        ModalCov::from_complex(&vec![C64::new(0.0, 0.0); self.d * self.d], &diff)
    }

    /// A buffer set for times of this decomposition, with r right-hand sides (columns of the signal factor).
    pub(crate) fn workspace(&self, r: usize) -> Workspace {
        Workspace {
            t: f64::NAN,
            a: vec![C64::new(0.0, 0.0); self.d],
            abar_re: vec![0.0; self.d],
            abar_im: vec![0.0; self.d],
            g_re: vec![0.0; self.d],
            g_im: vec![0.0; self.d],
            e: vec![C64::new(0.0, 0.0); self.d],
            m: vec![0.0; self.d * self.d],
            y: vec![0.0; self.d * r],
        }
    }

    /// The real matrix W⁻¹ X W⁻ᵀ (row-major) of a real symmetric X.
    fn congruence(&self, x: &DMatrix<f64>) -> Vec<f64> {
        let d = self.d;
        let x_rm: Vec<f64> = (0..d * d).map(|i| x[(i / d, i % d)]).collect();
        let (mut t, mut out) = (vec![0.0; d * d], vec![0.0; d * d]);
        gemm(d, d, d, 1.0, &self.w_inv, &x_rm, 0.0, &mut t);
        gemm_nt(d, d, d, &t, &self.w_inv, &mut out);
        out
    }

    /// Tᴴ R T (the eigenbasis form of a real-basis matrix R), on the first row of every block, all columns.
    fn to_complex(&self, r: &[f64]) -> Vec<C64> {
        let d = self.d;
        let mut out = vec![C64::new(0.0, 0.0); d * d];
        for bk in &self.blocks {
            let k = bk.start;
            // Row k of Tᴴ: e_k (real) or (e_k − i e_{k+1})/√2 (first of a pair).
            let row = |j: usize| -> C64 {
                if bk.pair {
                    C64::new(r[k * d + j], -r[(k + 1) * d + j]) * std::f64::consts::FRAC_1_SQRT_2
                } else {
                    C64::new(r[k * d + j], 0.0)
                }
            };
            for bl in &self.blocks {
                let l = bl.start;
                if bl.pair {
                    // Columns l, l+1 of T: (e_l + i e_{l+1})/√2 and (e_l − i e_{l+1})/√2.
                    let (p, q) = (row(l), row(l + 1));
                    let iq = C64::new(-q.im, q.re);
                    out[k * d + l] = (p + iq) * std::f64::consts::FRAC_1_SQRT_2;
                    out[k * d + l + 1] = (p - iq) * std::f64::consts::FRAC_1_SQRT_2;
                } else {
                    out[k * d + l] = row(l);
                }
            }
        }
        out
    }

    /// The factors a_k = expm1(−λ_k t) and e_k = e^{−λ_k t} of time t. They are computed once per pair: the second
    /// eigenvalue of a pair is the exact conjugate of the first, and [`exp_and_expm1`] of a conjugate argument is the
    /// exact conjugate (libm's sin is odd and cos even, bit for bit), so the copy is what the call would return. A
    /// second call with the same t (the curves ask for Γ_t and then Σ_t at one time) keeps the factors it has.
    pub(crate) fn set_time(&self, t: f64, ws: &mut Workspace) {
        if ws.t.to_bits() == t.to_bits() {
            return;
        }
        ws.t = t;
        for b in &self.blocks {
            let (k, l) = (b.start, self.lambda[b.start]);
            let (a, e) = exp_and_expm1(-l.re * t, -l.im * t);
            (ws.a[k], ws.e[k]) = (a, e);
            if b.pair {
                (ws.a[k + 1], ws.e[k + 1]) = (a.conj(), e.conj());
            }
        }
        for (l, a) in ws.a.iter().enumerate() {
            let c = a.conj();
            (ws.abar_re[l], ws.abar_im[l]) = (c.re, c.im);
        }
    }

    /// The upper triangle of W⁻¹ X_t W⁻ᵀ (row-major) into `ws.m`, for the time of the last [`Modal::set_time`].
    ///
    /// For each block row k, first the complex entries g_kl = K_kl + b_kl (K_kl − F_kl), b_kl = a_k + ā_l + a_k ā_l,
    /// for every column l ≥ k in one element-wise pass over split real and imaginary parts (which the compiler
    /// vectorizes; the operations are those of the complex arithmetic, written out in the same order, so the same
    /// bits), then the real entries of the block row from them.
    fn fill_cov(&self, x: &ModalCov, ws: &mut Workspace) {
        let split = SplitCov { k_re: &x.k_re, k_im: &x.k_im, diff_re: &x.diff_re, diff_im: &x.diff_im };
        let (abar, g) = ((&ws.abar_re[..], &ws.abar_im[..]), (&mut ws.g_re[..], &mut ws.g_im[..]));
        regimes_kernels::modal::fill_cov(self.d, &self.blocks, &ws.a, split, abar, g, &mut ws.m);
    }

    /// Factors W⁻¹X_tW⁻ᵀ = UᵀU and solves Uᵀ Z = W⁻¹ E_t D for the signal `sig` (if any); returns ln det U²
    /// (= ln det X_t − 2 ln|det W|), with Z in `ws.y`.
    fn factor(&self, x: &ModalCov, sig: Option<&ModalSignal>, ws: &mut Workspace, name: &str) -> Result<f64> {
        self.fill_cov(x, ws);
        let r = match sig {
            Some(s) => {
                self.fill_signal(s, ws);
                s.r
            }
            None => 0,
        };
        let d = self.d;
        if !cholesky_upper_solve(&mut ws.m, d, &mut ws.y, r) {
            return Err(Error::NotSpd { name: name.into(), reason: "the Cholesky factorization failed".into() });
        }
        Ok(regimes_kernels::modal::ln_det_upper(&ws.m, d))
    }

    /// W⁻¹ E_t D = T e^{−Λt} ν (row-major d × r) into `ws.y`.
    fn fill_signal(&self, s: &ModalSignal, ws: &mut Workspace) {
        regimes_kernels::modal::fill_signal(s.r, &self.blocks, &ws.e, &s.nu, &mut ws.y);
        debug_assert_eq!(ws.y.len(), self.d * s.r);
    }

    /// The signal factor D (d × r) in the eigenbasis: ν = V⁻¹D = Tᴴ W⁻¹ D, on the first row of every block.
    pub(crate) fn signal(&self, dm: &DMatrix<f64>) -> ModalSignal {
        let (d, r) = (self.d, dm.ncols());
        let d_rm: Vec<f64> = (0..d * r).map(|i| dm[(i / r, i % r)]).collect();
        let mut z = vec![0.0; d * r];
        gemm(d, d, r, 1.0, &self.w_inv, &d_rm, 0.0, &mut z);
        let mut nu = vec![C64::new(0.0, 0.0); d * r];
        for b in &self.blocks {
            let k = b.start;
            for c in 0..r {
                nu[k * r + c] = if b.pair {
                    C64::new(z[k * r + c], -z[(k + 1) * r + c]) * std::f64::consts::FRAC_1_SQRT_2
                } else {
                    C64::new(z[k * r + c], 0.0)
                };
            }
        }
        ModalSignal { nu, r }
    }
}

/// The class-signal factor D in the eigenbasis.
#[derive(Clone, Debug)]
pub(crate) struct ModalSignal {
    nu: Vec<C64>,
    r: usize,
}

/// Everything the theory evaluates at one time, in the modal form: the class model (signal factor, C₀), the noise,
/// and optionally a data covariance C.
#[derive(Clone, Debug)]
pub(crate) struct ModalMoments<'a> {
    modal: &'a Modal,
    /// The signal factor D and the within-class covariance C₀, when a class model is given.
    class: Option<(ModalSignal, ModalCov)>,
    noise: ModalCov,
    data: Option<ModalCov>,
    ws: Workspace,
}

/// The criterion at one time with ln det Γ_t (up to the basis constant) and the determinant-lemma term.
pub(crate) struct ModalCriterion {
    /// λ_max(YᵀY), Y = Γ_t^{−1/2} E_t D (s(t) for two classes).
    pub criterion: f64,
    /// ln det Γ_t − 2 ln|det W|.
    pub ln_det_gamma: f64,
    /// ln det(I + YᵀY).
    pub ln_det_lemma: f64,
}

impl<'a> ModalMoments<'a> {
    /// The moments of a class model (signal factor D, within-class covariance C₀), if given, and of a data
    /// covariance C, if given.
    pub(crate) fn new(
        modal: &'a Modal,
        class: Option<(&DMatrix<f64>, &DMatrix<f64>)>,
        data: Option<&DMatrix<f64>>,
    ) -> Self {
        let r = class.map_or(0, |(signal, _)| signal.ncols());
        ModalMoments {
            modal,
            class: class.map(|(signal, within)| (modal.signal(signal), modal.covariance(within))),
            noise: modal.noise(),
            data: data.map(|c| modal.covariance(c)),
            ws: modal.workspace(r),
        }
    }

    /// The speciation criterion at time t (`speciation::criterion_with_log_dets` in the modal form).
    pub(crate) fn criterion(&mut self, t: f64) -> Result<ModalCriterion> {
        let (signal, class) = self.class.as_ref().expect("ModalMoments::criterion needs a class model");
        self.modal.set_time(t, &mut self.ws);
        let ln_det_gamma = self.modal.factor(class, Some(signal), &mut self.ws, "Γ_t (class covariance at time t)")?;
        let r = signal.r;
        let y = &self.ws.y;
        let (criterion, ln_det_lemma) = if r == 1 {
            let s: f64 = y.iter().map(|v| v * v).sum();
            (s, s.ln_1p())
        } else {
            let ym = DMatrix::from_row_slice(self.modal.d, r, y);
            let eig = crate::kernels::decompose::symmetric_eigen(ym.transpose() * &ym);
            let lmax = eig.eigenvalues.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lmax, eig.eigenvalues.iter().map(|l| l.max(0.0).ln_1p()).sum())
        };
        if criterion.is_finite() {
            Ok(ModalCriterion { criterion, ln_det_gamma, ln_det_lemma })
        } else {
            Err(Error::numerical("speciation criterion", format!("value {criterion}")))
        }
    }

    /// ln det Σ_t − 2 ln|det W| at time t.
    pub(crate) fn ln_det_noise(&mut self, t: f64) -> Result<f64> {
        self.modal.set_time(t, &mut self.ws);
        self.modal.factor(&self.noise, None, &mut self.ws, "Σ_t (noise covariance)")
    }

    /// I_t = ½[ln det(Σ_t + E_t C E_tᵀ) − ln det Σ_t] for the data covariance C given at construction.
    pub(crate) fn information(&mut self, t: f64) -> Result<f64> {
        let data = self.data.as_ref().expect("ModalMoments::information needs a data covariance");
        self.modal.set_time(t, &mut self.ws);
        let a = self.modal.factor(data, None, &mut self.ws, "Σ_t + E_t C E_tᵀ (data covariance at time t)")?;
        let b = self.modal.factor(&self.noise, None, &mut self.ws, "Σ_t (noise covariance)")?;
        let i = 0.5 * (a - b);
        if i.is_finite() {
            Ok(i.max(0.0))
        } else {
            Err(Error::numerical("mutual information", format!("ln det values {a}, {b}")))
        }
    }
}

/// The diagonal blocks of a real Schur form (a 2×2 block where the subdiagonal entry is non-zero).
fn blocks_of(t: &DMatrix<f64>) -> Vec<Block> {
    let d = t.nrows();
    let mut out = Vec::with_capacity(d);
    let mut k = 0;
    while k < d {
        let pair = k + 1 < d && t[(k + 1, k)] != 0.0;
        out.push(Block { start: k, pair });
        k += if pair { 2 } else { 1 };
    }
    out
}

/// The eigenvalues of the blocks, by the formulas of nalgebra's `complex_eigenvalues`: a pair stores
/// λ = ½tr + i√(−disc) first, then λ̄. They agree with `OuProcess::drift_eigenvalues` (an eigenvalue-only iteration)
/// to rounding.
fn eigenvalues(t: &DMatrix<f64>, blocks: &[Block]) -> Vec<C64> {
    let mut out = vec![C64::new(0.0, 0.0); t.nrows()];
    for b in blocks {
        let k = b.start;
        if b.pair {
            let (p, q, r, s) = (t[(k, k)], t[(k, k + 1)], t[(k + 1, k)], t[(k + 1, k + 1)]);
            let val = (p - s) * 0.5;
            let discr = r * q + val * val;
            let im = (-discr).sqrt();
            let half_tra = (s + p) * 0.5;
            out[k] = C64::new(half_tra, im);
            out[k + 1] = C64::new(half_tra, -im);
        } else {
            out[k] = C64::new(t[(k, k)], 0.0);
        }
    }
    out
}

/// An eigenvector x of the quasi-triangular T for the eigenvalue λ of block `b` (the first of a pair): zero below
/// the block, the block's null vector, then back substitution (T_JJ − λI) x_J = −Σ T_Jj x_j over the blocks above.
/// A pivot smaller than ε·max|T| is replaced by that value (LAPACK `dtrevc`), so equal eigenvalues in different
/// blocks give independent eigenvectors instead of a division by zero.
fn schur_eigenvector(t: &DMatrix<f64>, b: &Block, lambda: C64, scale: f64) -> Vec<C64> {
    let d = t.nrows();
    let zero = C64::new(0.0, 0.0);
    let mut x = vec![zero; d];
    let k = b.start;
    let end = if b.pair {
        // (p − λ) x_k + q x_{k+1} = 0.
        x[k] = C64::new(t[(k, k + 1)], 0.0);
        x[k + 1] = lambda - t[(k, k)];
        k + 2
    } else {
        x[k] = C64::new(1.0, 0.0);
        k + 1
    };
    let smin = (f64::EPSILON * scale).max(f64::MIN_POSITIVE);
    let guard = |z: C64| if z.norm() < smin { C64::new(smin, 0.0) } else { z };
    // Blocks above, from the bottom up.
    let mut j = k;
    while j > 0 {
        let two = j >= 2 && t[(j - 1, j - 2)] != 0.0;
        let top = if two { j - 2 } else { j - 1 };
        let rhs = |i: usize| -> C64 { -(j..end).fold(zero, |acc, c| acc + x[c] * t[(i, c)]) };
        if two {
            // [[p − λ, q], [r, s − λ]] (x_top, x_top+1) = rhs, by Cramer's rule.
            let (p, q, r, s) =
                (t[(top, top)] - lambda, t[(top, top + 1)], t[(top + 1, top)], t[(top + 1, top + 1)] - lambda);
            let (r0, r1) = (rhs(top), rhs(top + 1));
            let det = guard(p * s - q * r);
            x[top] = (r0 * s - r1 * q) / det;
            x[top + 1] = (p * r1 - r * r0) / det;
        } else {
            x[top] = rhs(top) / guard(t[(top, top)] - lambda);
        }
        j = top;
    }
    x
}

/// (e^z, e^z − 1) for z = x + iy, both with full relative accuracy: e^z − 1 = (expm1(x) cos y − 2 sin²(y/2)) +
/// i eˣ sin y (no cancellation as z → 0), and e^z directly (no cancellation as x → −∞).
fn exp_and_expm1(x: f64, y: f64) -> (C64, C64) {
    let (s, c) = libm::sincos(y);
    let h = libm::sin(0.5 * y);
    let ex = libm::exp(x);
    (C64::new(libm::expm1(x) * c - 2.0 * h * h, ex * s), C64::new(ex * c, ex * s))
}

/// The 1-norm (largest absolute column sum) of a row-major n × n matrix.
fn one_norm_rm(m: &[f64], n: usize) -> f64 {
    (0..n).map(|j| (0..n).map(|i| m[i * n + j].abs()).sum::<f64>()).fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{optimal, plane_rotation, Weights};
    use crate::linalg::{cholesky, ln_det_chol, symmetrize};
    use crate::precision::Precision;

    fn processes() -> Vec<OuProcess> {
        let rot = Precision::log_spaced(12, 100.0, Some(7)).unwrap();
        let q = optimal(&rot, &Weights::Linear).unwrap();
        let aniso = Precision::log_spaced(9, 30.0, None).unwrap();
        let (es, ef) = (aniso.slowest(), aniso.fastest());
        let q2 = (&ef * es.transpose() - &es * ef.transpose()) * 3.0;
        vec![
            OuProcess::reversible(Precision::scaled_identity(5, 2.0).unwrap()),
            OuProcess::reversible(Precision::log_spaced(6, 10.0, Some(1)).unwrap()),
            OuProcess::new(rot, q).unwrap(),
            OuProcess::new(aniso, q2).unwrap(),
        ]
    }

    /// The modal moments agree with direct transitions (Padé exponential, Van Loan) from t = 10⁻⁶ to t = 40.
    #[test]
    fn modal_moments_match_direct_transitions() {
        for p in processes() {
            let d = p.dim();
            let modal = Modal::new(&p).expect("well-conditioned drift");
            let mu = DMatrix::from_fn(d, 1, |i, _| 1.0 + 0.3 * i as f64);
            let c0 = DMatrix::from_fn(d, d, |i, j| if i == j { 0.7 } else { 0.05 });
            let c = &c0 + &mu * mu.transpose();
            let mut mm = ModalMoments::new(&modal, Some((&mu, &c0)), Some(&c));
            // 2 ln|det W| from the basis itself, to compare absolute log-determinants.
            let w_inv = DMatrix::from_row_slice(d, d, &modal.w_inv);
            let ln_det_w2 = -2.0 * w_inv.determinant().abs().ln();
            for &t in &[1e-6, 1e-3, 0.05, 0.7, 3.0, 40.0] {
                let tr = p.transition(t);
                let e = &tr.propagator;
                let mut g = e * &c0 * e.transpose() + &tr.noise_cov;
                symmetrize(&mut g);
                let m = e * &mu;
                let chol = cholesky(&g, "Γ").unwrap();
                let s = chol.solve(&m).dot(&m);
                let got = mm.criterion(t).unwrap();
                assert!((got.criterion - s).abs() <= 1e-11 * s, "t = {t}: s {} vs {s}", got.criterion);
                let lg = ln_det_chol(&chol);
                assert!((got.ln_det_gamma + ln_det_w2 - lg).abs() <= 1e-10 * lg.abs().max(1.0), "t = {t}: ln det Γ");
                let ls = ln_det_chol(&cholesky(&tr.noise_cov, "Σ").unwrap());
                let got_ls = mm.ln_det_noise(t).unwrap() + ln_det_w2;
                assert!((got_ls - ls).abs() <= 1e-10 * ls.abs().max(1.0), "t = {t}: ln det Σ {got_ls} vs {ls}");
                let i = crate::theory::collapse::information_unchecked(&p, &c, t).unwrap();
                let got_i = mm.information(t).unwrap();
                // Relative 1e-11, or absolute 1e-13 where I_t is small: at t = 3 (I_t ~ 2e-4) both sides carry
                // ~1e-14 of absolute rounding (up to 3e-14 over the rotation seeds 1–7 of the first process).
                assert!((got_i - i).abs() <= 1e-11 * i.max(1e-2), "t = {t}: I_t {got_i} vs {i}");
            }
        }
    }

    #[test]
    fn conjugate_arguments_give_conjugate_factors_bit_for_bit() {
        // `set_time` copies the conjugate for the second eigenvalue of a pair instead of calling exp_and_expm1.
        for i in 0..2000 {
            let y = 1e-12 * 1.03f64.powi(i);
            for x in [0.0, -1e-9, -0.3, -7.0, -700.0] {
                let (a, e) = exp_and_expm1(x, y);
                let (ac, ec) = exp_and_expm1(x, -y);
                assert_eq!((a.re.to_bits(), (-a.im).to_bits()), (ac.re.to_bits(), ac.im.to_bits()), "x={x} y={y}");
                assert_eq!((e.re.to_bits(), (-e.im).to_bits()), (ec.re.to_bits(), ec.im.to_bits()), "x={x} y={y}");
            }
        }
    }

    #[test]
    fn eigenvalues_match_the_process_spectrum() {
        for p in processes() {
            let modal = Modal::new(&p).unwrap();
            let a: Vec<(f64, f64)> = modal.eigenvalues().iter().map(|z| (z.re, z.im)).collect();
            let b: Vec<(f64, f64)> = p.drift_eigenvalues().iter().map(|z| (z.re, z.im)).collect();
            // Two iterations (the Schur form's and the eigenvalue-only one), so equal to rounding: each of a matched
            // to the nearest of b not taken yet (with Q_opt every real part is τ up to rounding, so no sort pairs them).
            let scale = p.drift().norm();
            assert_eq!(a.len(), b.len());
            let mut taken = vec![false; b.len()];
            for x in &a {
                let dist = |y: &(f64, f64)| (x.0 - y.0).abs() + (x.1 - y.1).abs();
                let k =
                    (0..b.len()).filter(|&k| !taken[k]).min_by(|&i, &j| dist(&b[i]).total_cmp(&dist(&b[j]))).unwrap();
                taken[k] = true;
                assert!(dist(&b[k]) <= 1e-12 * scale, "{x:?} vs {:?}", b[k]);
            }
        }
    }

    #[test]
    fn a_defective_drift_falls_back() {
        // U = diag(1, 4): the plane rotation at q* = |u₁ − u₂|/(2√(u₁u₂)) = 3/4 merges the two eigenvalues of A into
        // a Jordan block (SCIENCE.md §3, design 4), so no eigenvector basis exists.
        let u = Precision::diagonal(&[1.0, 4.0]).unwrap();
        let q = plane_rotation(&u, 0.75).unwrap();
        assert!(Modal::new(&OuProcess::new(u.clone(), q).unwrap()).is_none());
        // Away from q* the basis is fine.
        let q = plane_rotation(&u, 2.0).unwrap();
        assert!(Modal::new(&OuProcess::new(u, q).unwrap()).is_some());
    }

    #[test]
    fn a_cycling_schur_iteration_falls_back_and_the_spectrum_is_still_found() {
        // U = I and Q = P − Pᵀ for the cyclic shift P in d = 8: A = I + Q is normal with eigenvalues 1 + 2i sin(2πk/8),
        // on which nalgebra's double-shift iteration cycles (it had no sweep limit here before).
        let d = 8;
        let q = DMatrix::from_fn(d, d, |i, j| {
            if (i + 1) % d == j {
                1.0
            } else if (j + 1) % d == i {
                -1.0
            } else {
                0.0
            }
        });
        let p = OuProcess::new(Precision::scaled_identity(d, 1.0).unwrap(), q).unwrap();
        assert!(Modal::new(&p).is_none());
        let mut im: Vec<f64> = p.drift_eigenvalues().iter().map(|z| z.im).collect();
        im.sort_by(f64::total_cmp);
        let mut exact: Vec<f64> =
            (0..d).map(|k| 2.0 * (2.0 * std::f64::consts::PI * k as f64 / d as f64).sin()).collect();
        exact.sort_by(f64::total_cmp);
        for (a, b) in im.iter().zip(&exact) {
            assert!((a - b).abs() < 1e-12, "{im:?} vs {exact:?}");
        }
        assert!(p.drift_eigenvalues().iter().all(|z| (z.re - 1.0).abs() < 1e-12));
    }
}
