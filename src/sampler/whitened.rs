//! The two-class step in noise-whitened coordinates: one d×d product per particle per step instead of two.
//!
//! The stochastic exponential step with a score of the form S(x) = −B x + tanh(gᵀx) g is
//! ([`StepCoefficients::apply_two_class`], M = L − K B)
//!
//! ```text
//!     x' = M x + tanh(gᵀx) K g + N ξ,        ξ ~ N(0, I_d),  N = e^{Ah} chol(Σ_h) (a full d×d matrix for a general U)
//! ```
//!
//! so each particle costs two d×d products: M x and the correlated noise N ξ. On a uniform grid N is the same at every
//! step, and in the coordinates z = N⁻¹ x the noise is white:
//!
//! ```text
//!     z' = G z + tanh(g̃ᵀz) c + ξ,            G = N⁻¹ M N,  g̃ = Nᵀ g,  c = N⁻¹ K g
//! ```
//!
//! the same Markov chain in exact arithmetic (this project's rewriting; no approximation), with one product per
//! particle plus O(d) per particle and O(d³) per step for G. The positions are converted back (x = N z) at the end of
//! a chunk and at each snapshot step, so callers only ever see x, while z stays in the batch state between chunks (the
//! numbers do not depend on the chunking). Its O(d³) per step is below the plain step's as well, so it pays at every
//! particle count; a run allows it with [`Generator::whiten`](super::generate::Generator::whiten) (generation runs,
//! the measurement tasks and the W4 workload do).
//! The random numbers are those of the plain step (the same streams, in the same order), so in f64
//! ([`KernelPrecision::Double`]) a run differs from the plain step by rounding only (tests/whitened.rs checks both paths
//! agree to 1e-9 relative on general-U runs, whole runs to t = 0.01 included).
//!
//! G from the covariance in white coordinates (this project's derivation, exact algebra). For the score of the
//! symmetric two-class mixture, B = Γ_t⁻¹ and g = Γ_t⁻¹ m_t; write Γ_t = N W_t Nᵀ and m_t = N m̃_t. Then
//!
//! ```text
//!     G = P − R′ W_t⁻¹,   g̃ = W_t⁻¹ m̃_t,   c = R′ g̃,        P = N⁻¹ L N,  R′ = N⁻¹ K N⁻ᵀ  (fixed with h)
//! ```
//!
//! and since the exponential step has L = e^{Ah} and N Nᵀ = e^{Ah} Σ_h e^{Aᵀh}, the forward relation
//! Γ_t = e^{−Ah} Γ_{t−h} e^{−Aᵀh} + Σ_h becomes, one step back in time,
//!
//! ```text
//!     W_{t−h} = P W_t Pᵀ − I,   m̃_{t−h} = P m̃_t.
//! ```
//!
//! So a step costs the sandwich P W Pᵀ and one Cholesky factorization of W with d + 1 right-hand sides, instead of
//! E_t, Γ_t, its inverse and three more products (the score's `prepare` is not called on this path). Any N with
//! N Nᵀ = e^{Ah} Σ_h e^{Aᵀh} serves; since 0.11.0 the generator takes N = e^{Ah} chol(Σ_h) V with V orthogonal such that
//! P is upper Hessenberg ([`StepCoefficients::hessenberg_noise`], for the plain step too, so both paths draw the same
//! noise): the sandwich then costs about d³/2 + d³/6 multiply–adds instead of 3d³/2
//! ([`crate::kernels::dense::gemm_hessenberg`], [`crate::kernels::dense::sandwich_upper_hessenberg`]); W4's
//! preparation 0.087 → 0.066 ms per step in V8, its whole step ~5% faster.
//!
//! The backward recursion amplifies rounding along the fast modes, so every `period` steps W is computed afresh from
//! the score's Γ_t ([`Score::two_class_moments`]), with period ≤ 64 and e^{2 λ_max h · period} ≤ 10³; step k always
//! continues the fresh start at k − (k mod period), so the numbers are a function of the step alone.
//!
//! Precision: by default ([`KernelPrecision::Mixed`]) the product G z is computed in f32 (z and G rounded to f32, sums
//! in f32 over coordinates in ascending order, widened to f64; [`crate::kernels::mixed::dots_mixed`]); g̃ᵀz, the tanh
//! term, the noise and the state z stay in f64. Each step then adds a relative error of about d·2⁻²⁴ of Σ_j|G_ij z_j|
//! to z; the step contracts, so the errors do not compound. On W4 (256 particles, 1000 steps, same noise) the
//! particles differ from the f64 path by at most 3·10⁻⁶ of their scale, and the coordinate means by under 10⁻⁶ of
//! their Monte Carlo standard error (SCIENCE.md §1's condition for f32 inside a kernel; tests/whitened.rs). The
//! product runs about 2.3× faster in wasm (f32x4 lanes; 0.39 → 0.17 ms per W4 step in a V8 profile).

use nalgebra::DMatrix;

use crate::error::{Error, Result};
use crate::kernels::dense::{
    cholesky_upper_solve, gemm, gemm_hessenberg, gemm_nt, gemm_nt_symmetric, matvec, sandwich_upper_hessenberg,
    sub_transposed, transpose_into, upper_solve_in_place,
};
use crate::kernels::mixed::{dots_mixed, transpose_tiles_f32, MixedScratch};
pub use crate::kernels::KernelPrecision;
use crate::kernels::{dots, tiled_len};
use crate::sampler::grid::TimeGrid;
use crate::sampler::integrator::{Coefficient, Integrator, StepCoefficients};
use crate::score::Score;

/// Whether a run with `integrator` on `grid` can take the white step (in runs that allow it, with a two-class score
/// and a general U): the chain of W_t holds for the exponential SDE step only (L = e^{Ah}, N Nᵀ = e^{Ah} Σ_h e^{Aᵀh}),
/// and N must be the same at every step (a uniform grid). The generator and both cost models ask this one rule.
pub fn applies(integrator: Integrator, grid: &TimeGrid) -> bool {
    integrator == Integrator::Exponential && grid.uniform_step().is_some()
}

/// Longest run of the chain W_{t−h} = P W_t Pᵀ − I before W is computed afresh from Γ_t.
const MAX_CHAIN: usize = 64;

/// Largest growth allowed for a rounding error along one run of the chain: an error in W_t grows like P^j δ P^jᵀ,
/// at most about e^{2 λ_max j h} (λ_max the largest real part of an eigenvalue of A) times the conditioning of A's
/// eigenvectors, while W itself stays between the bounds of Γ_t (as for `process::PropagatorCache`'s chain).
/// Without the fresh starts a whole W4 run fails (W is no longer positive definite near t = 0).
const CHAIN_GROWTH: f64 = 1e3;

/// N and N⁻¹ of a uniform step, the fixed matrices of the white step, and the chain of W_t (see the module docs).
#[derive(Clone, Debug)]
pub struct Whitening {
    /// Step size h.
    pub h: f64,
    /// A fingerprint of N's bits: a state's z is only continued by the whitening it was made with.
    id: u64,
    /// N and N⁻¹ (rows).
    n: Vec<f64>,
    n_inv: Vec<f64>,
    /// P = N⁻¹ L N (rows), fixed with N; also the chain's propagator.
    p: Vec<f64>,
    /// R′ = N⁻¹ K N⁻ᵀ (rows), fixed with N.
    rp: Vec<f64>,
    /// Steps between fresh computations of W (a function of A and h only, so the numbers do not depend on chunks).
    period: usize,
    /// The chain: W = N⁻¹ Γ_t N⁻ᵀ and m̃ = N⁻¹ m_t at grid step `chain_at`.
    w: Vec<f64>,
    m: Vec<f64>,
    chain_at: Option<usize>,
    /// Scratch: Γ_t, m_t and a product (fresh starts and chain steps); W's Cholesky factor; the right-hand sides
    /// [R′ᵀ | m̃] (d × (d + 1)) that become W⁻¹ [R′ᵀ | m̃].
    gamma: Vec<f64>,
    mean: Vec<f64>,
    tmp: Vec<f64>,
    factor: Vec<f64>,
    rhs: Vec<f64>,
    /// This step's G (rows), g̃ and c.
    g_mat: Vec<f64>,
    g_tilde: Vec<f64>,
    c: Vec<f64>,
    /// The arithmetic of G z.
    precision: KernelPrecision,
    /// `Mixed`: G's rows rounded to f32 in the tile-transposed layout, and the product's workspace.
    g_t32: Vec<f32>,
    scratch: MixedScratch,
    /// tanh(g̃ᵀz) of a block's particles ([`Whitening::step`]).
    tanh: Vec<f64>,
}

impl Whitening {
    /// The whitening of a step with a full noise matrix N, computing G z in `precision`, for a drift whose
    /// eigenvalues have real parts at most `max_rate` (it sets how often W is computed afresh); `None` for a scalar
    /// or absent noise (nothing to gain), for coefficients whose N was not chosen by
    /// [`StepCoefficients::hessenberg_noise`] (no Hessenberg propagator; the run then takes the plain step), or an N
    /// that cannot be inverted in floating point.
    pub fn of(coef: &StepCoefficients, d: usize, precision: KernelPrecision, max_rate: f64) -> Option<Whitening> {
        let (Some(Coefficient::Matrix(n)), Some(p)) = (&coef.noise, &coef.propagator) else { return None };
        let nm = DMatrix::from_row_slice(d, d, n);
        let inv = nm.try_inverse()?;
        if !inv.iter().all(|v| v.is_finite()) {
            return None;
        }
        // Row-major copy: rows of N⁻¹ are the columns of (N⁻¹)ᵀ; nalgebra stores column-major.
        let n_inv = inv.transpose().as_slice().to_vec();
        let id = n.iter().fold(0xcbf2_9ce4_8422_2325u64, |acc, v| (acc ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3));
        // P = N⁻¹ L N, upper Hessenberg by the choice of N.
        let p = p.clone();
        // R′ = (N⁻¹ K) N⁻ᵀ.
        let mut r = vec![0.0; d * d];
        match &coef.score {
            Coefficient::Scalar(k) => r.iter_mut().zip(&n_inv).for_each(|(o, v)| *o = k * v),
            Coefficient::Matrix(k) => gemm(d, d, d, 1.0, &n_inv, k, 0.0, &mut r),
        }
        let mut rp = vec![0.0; d * d];
        gemm_nt(d, d, d, &r, &n_inv, &mut rp);
        let growth = 2.0 * max_rate.max(0.0) * coef.h;
        let period = if growth > 0.0 { ((CHAIN_GROWTH.ln() / growth) as usize).clamp(1, MAX_CHAIN) } else { MAX_CHAIN };
        let mixed = precision == KernelPrecision::Mixed;
        Some(Whitening {
            h: coef.h,
            id,
            n: n.clone(),
            n_inv,
            p,
            rp,
            period,
            w: vec![0.0; d * d],
            m: vec![0.0; d],
            chain_at: None,
            gamma: vec![0.0; d * d],
            mean: vec![0.0; d],
            tmp: vec![0.0; d * d],
            factor: vec![0.0; d * d],
            rhs: vec![0.0; d * (d + 1)],
            g_mat: vec![0.0; d * d],
            g_tilde: vec![0.0; d],
            c: vec![0.0; d],
            precision,
            g_t32: if mixed { vec![0.0; tiled_len(d, d)] } else { Vec::new() },
            scratch: MixedScratch::new(if mixed { d } else { 0 }),
            tanh: Vec::new(),
        })
    }

    /// N (rows): x = N z.
    pub fn noise_matrix(&self) -> &[f64] {
        &self.n
    }

    /// The chain's W = N⁻¹ Γ_t N⁻ᵀ (rows) at the last prepared step.
    pub fn white_covariance(&self) -> &[f64] {
        &self.w
    }

    /// The last prepared step's G (rows), in f64 whatever the precision of G z.
    pub fn step_matrix(&self) -> &[f64] {
        &self.g_mat
    }

    /// The fingerprint of N (FNV-1a over its bits).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// z ← N⁻¹ x for a particle-major batch.
    pub fn to_white(&self, x: &[f64], d: usize, z: &mut [f64]) {
        dots(x, &self.n_inv, d, z, d);
    }

    /// x ← N z for a particle-major batch.
    pub fn from_white(&self, z: &[f64], d: usize, x: &mut [f64]) {
        dots(z, &self.n, d, x, d);
    }

    /// Prepares G, g̃ and c for grid step k (forward time `times[k]`, the grid uniform with this step size) from the
    /// chain of W: W_k comes from the last fresh start at k₀ = k − (k mod period), where W is computed from the
    /// score's Γ_t and m_t, by k − k₀ steps of W ← P W Pᵀ − I. The result is a function of k alone, whatever steps
    /// were prepared before. `None` when the score has no two-class form ([`Score::two_class_moments`]).
    ///
    /// # Errors
    /// As [`Score::two_class_moments`], and [`Error::NotSpd`] when W (that is, Γ_t) cannot be factored.
    pub fn prepare<S: Score>(&mut self, k: usize, times: &[f64], score: &mut S, d: usize) -> Option<Result<()>> {
        let k0 = k - k % self.period;
        let from = match self.chain_at {
            Some(j) if (k0..=k).contains(&j) => j,
            _ => {
                self.chain_at = None;
                if let Err(e) = score.two_class_moments(times[k0], &mut self.gamma, &mut self.mean)? {
                    return Some(Err(e));
                }
                self.start_chain(d);
                k0
            }
        };
        for _ in from..k {
            self.advance(d);
        }
        self.chain_at = Some(k);
        Some(self.coefficients(d, times[k]))
    }

    /// W = N⁻¹ Γ_t N⁻ᵀ and m̃ = N⁻¹ m_t from the score's moments in `gamma` and `mean`.
    fn start_chain(&mut self, d: usize) {
        gemm(d, d, d, 1.0, &self.n_inv, &self.gamma, 0.0, &mut self.tmp);
        gemm_nt_symmetric(d, d, &self.tmp, &self.n_inv, &mut self.w);
        matvec(&self.n_inv, &self.mean, &mut self.m);
    }

    /// One step back in time (the upper triangle of the sandwich, mirrored): W ← P W Pᵀ − I and m̃ ← P m̃ (Γ_{t−h} = e^{Ah} Γ_t e^{Aᵀh} − N Nᵀ, m_{t−h} = e^{Ah} m_t).
    fn advance(&mut self, d: usize) {
        gemm_hessenberg(d, d, &self.p, &self.w, &mut self.tmp);
        sandwich_upper_hessenberg(d, &self.tmp, &self.p, &mut self.w);
        (0..d).for_each(|i| self.w[i * d + i] -= 1.0);
        matvec(&self.p, &self.m, &mut self.mean);
        std::mem::swap(&mut self.m, &mut self.mean);
    }

    /// G = P − R′ W⁻¹, g̃ = W⁻¹ m̃ and c = R′ g̃ from the chain's W and m̃: one Cholesky factorization of W with the
    /// d + 1 right-hand sides [R′ᵀ | m̃].
    fn coefficients(&mut self, d: usize, t: f64) -> Result<()> {
        let r = d + 1;
        transpose_into(&self.rp, d, d, &mut self.rhs, r);
        for (row, m) in self.rhs.chunks_exact_mut(r).zip(&self.m) {
            row[d] = *m;
        }
        self.factor.copy_from_slice(&self.w);
        if !cholesky_upper_solve(&mut self.factor, d, &mut self.rhs, r) {
            return Err(Error::NotSpd {
                name: "Γ_t".into(),
                reason: format!(
                    "the Cholesky factorization of its white-coordinate form failed at t = {t}: the step is too large \
                     for the drift's fastest rate, whose rounding the step-to-step covariance cannot absorb; use more \
                     steps"
                ),
            });
        }
        upper_solve_in_place(&self.factor, d, &mut self.rhs, r);
        // rhs = W⁻¹ [R′ᵀ | m̃]: its first d columns are W⁻¹ R′ᵀ = (R′ W⁻¹)ᵀ, its last g̃.
        sub_transposed(&self.p, &self.rhs, r, d, &mut self.g_mat);
        for (g, row) in self.g_tilde.iter_mut().zip(self.rhs.chunks_exact(r)) {
            *g = row[d];
        }
        matvec(&self.rp, &self.g_tilde, &mut self.c);
        if self.precision == KernelPrecision::Mixed {
            transpose_tiles_f32(&self.g_mat, d, &mut self.g_t32);
        }
        Ok(())
    }

    /// One step in white coordinates, `next ← G z + tanh(g̃ᵀz) c + ξ`, with the noise ξ drawn straight into `next` from
    /// each particle's stream (one per row of `z`, d normals in coordinate order: the variates
    /// [`Stream::fill_normal`](crate::random::Stream::fill_normal) would give, so the numbers of a noise buffer filled
    /// first and added after, bit for bit, without its stores and loads: measured alone, W4 natively 0.39 → 0.355 ms
    /// per step, no change in V8).
    pub fn step(&mut self, z: &[f64], streams: &mut [crate::random::Stream], d: usize, next: &mut [f64]) {
        match self.precision {
            KernelPrecision::Mixed => dots_mixed(z, &self.g_t32, d, d, next, d, &mut self.scratch),
            KernelPrecision::Double => dots(z, &self.g_mat, d, next, d),
        }
        self.tanh.resize(streams.len(), 0.0);
        crate::kernels::rows::tanh_of_dots(z, &self.g_tilde, &mut self.tanh);
        for ((rng, row), t) in streams.iter_mut().zip(next.chunks_exact_mut(d)).zip(&self.tanh) {
            rng.add_scaled_and_normal(row, *t, &self.c);
        }
    }
}
