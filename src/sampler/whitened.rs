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
//! particle plus O(d) per particle and O(d³) per step for G. Since N, L and K are the same at every step of a uniform
//! grid, G = P − R (B N) with P = N⁻¹ L N and R = N⁻¹ K made once per step size, and c = R g: two d × d products per
//! step for G instead of three (K B, M N, N⁻¹(M N)). The positions are converted back (x = N z) at the end of a
//! chunk and at each snapshot step, so callers only ever see x, while z stays in the batch state between chunks (the
//! numbers do not depend on the chunking). It pays when the run has at least d particles; the run says so with
//! [`Generator::whiten_for`](super::generate::Generator::whiten_for) (generation runs and the W4 workload do; the
//! measurement tasks keep the plain step).
//! The random numbers are those of the plain step (the same streams, in the same order), so in f64
//! ([`KernelPrecision::Double`]) a run differs from the plain step by rounding only (tests/whitened.rs checks both paths
//! agree to 1e-9 relative on a general-U run).
//!
//! Precision: by default ([`KernelPrecision::Mixed`]) the product G z is computed in f32 (z and G rounded to f32, sums
//! in f32 over coordinates in ascending order, widened to f64; [`crate::kernels::mixed::dots_mixed`]); g̃ᵀz, the tanh
//! term, the noise and the state z stay in f64. Each step then adds a relative error of about d·2⁻²⁴ of Σ_j|G_ij z_j|
//! to z; the step contracts, so the errors do not compound. On W4 (256 particles, 1000 steps, same noise) the
//! particles differ from the f64 path by at most 3·10⁻⁶ of their scale, and the coordinate means by under 10⁻⁶ of
//! their Monte Carlo standard error (SCIENCE.md §1's condition for f32 inside a kernel; tests/whitened.rs). The
//! product runs about 2.3× faster in wasm (f32x4 lanes; 0.39 → 0.17 ms per W4 step in a V8 profile).

use nalgebra::DMatrix;

use crate::kernels::dense::gemm;
use crate::kernels::mixed::{dots_mixed, transpose_tiles_f32, MixedScratch};
pub use crate::kernels::KernelPrecision;
use crate::kernels::{dot, dots, tiled_len};
use crate::sampler::integrator::{Coefficient, StepCoefficients};

/// N and N⁻¹ of a uniform step, row-major, and the step size they belong to.
#[derive(Clone, Debug)]
pub struct Whitening {
    /// Step size h.
    pub h: f64,
    /// A fingerprint of N's bits: a state's z is only continued by the whitening it was made with.
    id: u64,
    /// N (rows).
    n: Vec<f64>,
    /// Nᵀ (rows): the columns of N.
    nt: Vec<f64>,
    /// N⁻¹ (rows).
    n_inv: Vec<f64>,
    /// P = N⁻¹ L N and R = N⁻¹ K (rows), fixed with N.
    p: Vec<f64>,
    r: Vec<f64>,
    /// Scratch: B N and G (d² each), g̃ and c (d each).
    bn: Vec<f64>,
    g_mat: Vec<f64>,
    g_tilde: Vec<f64>,
    c: Vec<f64>,
    /// The arithmetic of G z.
    precision: KernelPrecision,
    /// `Mixed`: G's rows rounded to f32 in the tile-transposed layout, and the product's workspace.
    g_t32: Vec<f32>,
    scratch: MixedScratch,
}

impl Whitening {
    /// The whitening of a step with a full noise matrix N, computing G z in `precision`; `None` for a scalar or absent
    /// noise (nothing to gain) or an N that cannot be inverted in floating point.
    pub fn of(coef: &StepCoefficients, d: usize, precision: KernelPrecision) -> Option<Whitening> {
        let Some(Coefficient::Matrix(n)) = &coef.noise else { return None };
        let nm = DMatrix::from_row_slice(d, d, n);
        let inv = nm.clone().try_inverse()?;
        if !inv.iter().all(|v| v.is_finite()) {
            return None;
        }
        // Row-major copies: rows of N⁻¹ are the columns of (N⁻¹)ᵀ; nalgebra stores column-major.
        let n_inv = inv.transpose().as_slice().to_vec();
        let nt = nm.as_slice().to_vec(); // column-major N = row-major Nᵀ
        let id = n.iter().fold(0xcbf2_9ce4_8422_2325u64, |acc, v| (acc ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3));
        // P = N⁻¹ (L N), R = N⁻¹ K (a scalar coefficient c·I gives c N and c N⁻¹).
        let mut ln = vec![0.0; d * d];
        match &coef.linear {
            Coefficient::Scalar(c) => ln.iter_mut().zip(n).for_each(|(o, v)| *o = c * v),
            Coefficient::Matrix(l) => gemm(d, d, d, 1.0, l, n, 0.0, &mut ln),
        }
        let mut p = vec![0.0; d * d];
        gemm(d, d, d, 1.0, &n_inv, &ln, 0.0, &mut p);
        let mut r = vec![0.0; d * d];
        match &coef.score {
            Coefficient::Scalar(k) => r.iter_mut().zip(&n_inv).for_each(|(o, v)| *o = k * v),
            Coefficient::Matrix(k) => gemm(d, d, d, 1.0, &n_inv, k, 0.0, &mut r),
        }
        Some(Whitening {
            h: coef.h,
            id,
            n: n.clone(),
            nt,
            n_inv,
            p,
            r,
            bn: vec![0.0; d * d],
            g_mat: vec![0.0; d * d],
            g_tilde: vec![0.0; d],
            c: vec![0.0; d],
            precision,
            g_t32: if precision == KernelPrecision::Mixed { vec![0.0; tiled_len(d, d)] } else { Vec::new() },
            scratch: MixedScratch::new(if precision == KernelPrecision::Mixed { d } else { 0 }),
        })
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

    /// Prepares G = P − R (B N), g̃ = Nᵀ g and c = R g for one step from the score's form S(x) = −B x + tanh(gᵀx) g
    /// ([`crate::score::Score::two_class_form`]).
    pub fn prepare(&mut self, (b, g): (&[f64], &[f64]), d: usize) {
        gemm(d, d, d, 1.0, b, &self.n, 0.0, &mut self.bn);
        self.g_mat.copy_from_slice(&self.p);
        gemm(d, d, d, -1.0, &self.r, &self.bn, 1.0, &mut self.g_mat);
        for (j, o) in self.g_tilde.iter_mut().enumerate() {
            *o = dot(&self.nt[j * d..(j + 1) * d], g);
        }
        for (i, o) in self.c.iter_mut().enumerate() {
            *o = dot(&self.r[i * d..(i + 1) * d], g);
        }
        if self.precision == KernelPrecision::Mixed {
            transpose_tiles_f32(&self.g_mat, d, &mut self.g_t32);
        }
    }

    /// One step in white coordinates: `next ← G z + tanh(g̃ᵀz) c + ξ` (`xi` holds the standard normals).
    pub fn step(&mut self, z: &[f64], xi: &[f64], d: usize, next: &mut [f64]) {
        match self.precision {
            KernelPrecision::Mixed => dots_mixed(z, &self.g_t32, d, d, next, d, &mut self.scratch),
            KernelPrecision::Double => dots(z, &self.g_mat, d, next, d),
        }
        crate::kernels::rows::add_tanh_and_noise(next, z, &self.g_tilde, &self.c, xi);
    }
}
