//! One step of reverse-time generation (SCIENCE.md §6), in s = T − t with step h:
//!
//! - reverse SDE dx = [A x + 2 S(x, t)] ds + √2 dW;
//! - probability-flow ODE dx/ds = A x + S(x, t) (deterministic, same marginals).
//!
//! Every integrator here is x ← L x + K S + N z with z ~ N(0, I), S evaluated at the start of the step (t_k):
//!
//! | integrator | L | K | N |
//! | --- | --- | --- | --- |
//! | Euler–Maruyama | I + hA | 2h | √(2h) |
//! | exponential (SDE) | e^{Ah} | 2φ₁ | e^{Ah} chol(Σ_h) |
//! | flow Euler | I + hA | h | 0 |
//! | flow exponential | e^{Ah} | φ₁ | 0 |
//!
//! with φ₁ = ∫₀ʰ e^{Ar} dr, the top-right block of exp([[A, I], [0, 0]] h) (Van Loan 1978), whose top-left block is
//! e^{Ah} (both from one block-wise Padé approximant, [`expm_phi1`]). The exponential SDE step
//! solves the linear part exactly with the score frozen: its noise is N(0, ∫₀ʰ e^{Ar} 2 e^{Aᵀr} dr), and
//! ∫₀ʰ e^{Ar} 2 e^{Aᵀr} dr = e^{Ah} Σ_h e^{Aᵀh} (substitute r → h − r in the forward Σ_h = ∫₀ʰ e^{−Ar} 2 e^{−Aᵀr} dr),
//! so e^{Ah} L_h with L_h L_hᵀ = Σ_h is an exact factor; it avoids a Cholesky of a matrix that grows like e^{2‖A‖h}.
//! Σ_h comes from [`OuProcess::noise_cov`].
//!
//! When A = c·I ([`Isotropic`]) all coefficients are scalars: e^{ch}, 2(e^{ch} − 1)/c and √((e^{2ch} − 1)/c).

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::isotropic::Isotropic;
use crate::kernels::{dots, rows};
use crate::linalg::{cholesky, expm_phi1, spectral_norm};
use crate::process::OuProcess;
use crate::score::mixture::rows_of;

/// Euler–Maruyama is stable and accurate for h‖A‖₂ ≤ 0.1 (SCIENCE.md §6's safe default); beyond it, it is only a
/// warning: Biroli's runs use h = 0.01 with ‖A‖₂ = 1.
pub const EM_SAFE_STEP: f64 = 0.1;

/// The integrator of reverse-time generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Integrator {
    /// Euler–Maruyama on the reverse SDE (Biroli's step when A = I).
    EulerMaruyama,
    /// Exponential integrator on the reverse SDE: the linear part and its noise exactly, the score frozen over the step.
    Exponential,
    /// Euler on the probability-flow ODE.
    FlowEuler,
    /// Exponential Euler on the probability-flow ODE.
    FlowExponential,
}

impl Integrator {
    /// Whether the integrator draws noise (the reverse SDE) or not (the probability-flow ODE).
    pub fn is_stochastic(self) -> bool {
        matches!(self, Integrator::EulerMaruyama | Integrator::Exponential)
    }

    /// Whether the linear part is treated exactly.
    pub fn is_exponential(self) -> bool {
        matches!(self, Integrator::Exponential | Integrator::FlowExponential)
    }

    /// The exponential integrator of the same process (reverse SDE or probability flow): stable at any step for
    /// the linear part, the answer to a step over the safe Euler step.
    pub fn exponential(self) -> Integrator {
        if self.is_stochastic() {
            Integrator::Exponential
        } else {
            Integrator::FlowExponential
        }
    }

    /// A warning when Euler–Maruyama (or flow Euler) runs with a step above h ≤ 0.1/‖A‖₂ ([`EM_SAFE_STEP`]).
    /// Not an error: large steps are sometimes what the user wants to see.
    pub fn step_warning(self, process: &OuProcess, max_step: f64) -> Option<String> {
        if self.is_exponential() {
            return None;
        }
        let norm = spectral_norm(process.drift());
        let safe = EM_SAFE_STEP / norm;
        (max_step > safe).then(|| {
            format!(
                "step {max_step:.3e} exceeds the safe Euler step 0.1/‖A‖₂ = {safe:.3e} (‖A‖₂ = {norm:.3}); \
                 use more steps or the exponential integrator"
            )
        })
    }
}

/// The step's (L, K, N) when A = c·I (the module table's scalars; N is `None` for the flow).
pub fn scalar_coefficients(c: f64, h: f64, integrator: Integrator) -> (f64, f64, Option<f64>) {
    let k = if integrator.is_stochastic() { 2.0 } else { 1.0 };
    let (linear, score, noise) = if integrator.is_exponential() {
        // φ₁ = (e^{ch} − 1)/c; noise variance e^{2ch} s_h = (e^{2ch} − 1)/c, by expm1 for small ch.
        (libm::exp(c * h), k * libm::expm1(c * h) / c, (libm::expm1(2.0 * c * h) / c).sqrt())
    } else {
        (1.0 + h * c, k * h, (2.0 * h).sqrt())
    };
    (linear, score, integrator.is_stochastic().then_some(noise))
}

/// A coefficient of the step x ← L x + K S + N z: a scalar times the identity, or a dense matrix (rows).
#[derive(Clone, Debug, PartialEq)]
pub enum Coefficient {
    /// c·I.
    Scalar(f64),
    /// A d×d matrix, row-major.
    Matrix(Vec<f64>),
}

impl Coefficient {
    /// `out ← self · x` row by row for a particle-major batch (matrix case through the tiled [`dots`] kernel).
    pub(crate) fn apply(&self, x: &[f64], d: usize, out: &mut [f64]) {
        match self {
            Coefficient::Scalar(c) => rows::scale_into(*c, x, out),
            Coefficient::Matrix(m) => dots(x, m, d, out, d),
        }
    }

    /// `acc += self · x`, using `tmp` for the matrix product.
    fn add_apply(&self, x: &[f64], d: usize, tmp: &mut [f64], acc: &mut [f64]) {
        match self {
            Coefficient::Scalar(c) => rows::add_scaled(*c, x, acc),
            Coefficient::Matrix(m) => {
                dots(x, m, d, tmp, d);
                rows::add(tmp, acc);
            }
        }
    }
}

/// The coefficients (L, K, N) of one step of size h (see the module table).
#[derive(Clone, Debug, PartialEq)]
pub struct StepCoefficients {
    /// Step size h.
    pub h: f64,
    /// L, applied to x.
    pub linear: Coefficient,
    /// K, applied to the score.
    pub score: Coefficient,
    /// N, applied to standard normal noise; `None` for the flow.
    pub noise: Option<Coefficient>,
    /// P = N⁻¹ L N in upper Hessenberg form (rows, exactly zero below the subdiagonal) when N was chosen for it by
    /// [`StepCoefficients::hessenberg_noise`]: the propagator of the white step's chain ([`crate::sampler::whitened`]).
    pub propagator: Option<Vec<f64>>,
}

impl StepCoefficients {
    /// Computes the coefficients for step size h > 0.
    ///
    /// ```
    /// use diffusion_regimes::{precision::Precision, process::OuProcess};
    /// use diffusion_regimes::sampler::integrator::{Coefficient, Integrator, StepCoefficients};
    /// let p = OuProcess::reversible(Precision::scaled_identity(2, 1.0).unwrap());
    /// let c = StepCoefficients::new(&p, Integrator::Exponential, 0.1).unwrap();
    /// assert_eq!(c.linear, Coefficient::Scalar(0.1f64.exp()));
    /// ```
    ///
    /// # Errors
    /// [`crate::error::Error::NotSpd`] if Σ_h cannot be factored (h so small that it underflows).
    pub fn new(process: &OuProcess, integrator: Integrator, h: f64) -> Result<Self> {
        assert!(h.is_finite() && h > 0.0, "step size must be positive, got {h}");
        let stochastic = integrator.is_stochastic();
        let k = if stochastic { 2.0 } else { 1.0 };
        if let Some(iso) = Isotropic::of(process) {
            let (linear, score, noise) = scalar_coefficients(iso.c, h, integrator);
            return Ok(StepCoefficients {
                h,
                linear: Coefficient::Scalar(linear),
                score: Coefficient::Scalar(score),
                noise: noise.map(Coefficient::Scalar),
                propagator: None,
            });
        }
        let a = process.drift();
        let d = a.nrows();
        if !integrator.is_exponential() {
            let lin = nalgebra::DMatrix::identity(d, d) + a * h;
            return Ok(StepCoefficients {
                h,
                linear: Coefficient::Matrix(rows_of(&lin)),
                score: Coefficient::Scalar(k * h),
                noise: stochastic.then_some(Coefficient::Scalar((2.0 * h).sqrt())),
                propagator: None,
            });
        }
        // e^{Ah} and φ₁ = ∫₀ʰ e^{Ar} dr together, the blocks of exp([[A, I], [0, 0]] h) (`expm_phi1`).
        let (e_plus, phi1) = expm_phi1(&(a * h), h);
        let noise = if stochastic {
            let l = cholesky(&process.noise_cov(h), "Σ_h")?.l();
            Some(Coefficient::Matrix(rows_of(&crate::linalg::mul(&e_plus, &l))))
        } else {
            None
        };
        Ok(StepCoefficients {
            h,
            linear: Coefficient::Matrix(rows_of(&e_plus)),
            score: Coefficient::Matrix(rows_of(&(phi1 * k))),
            noise,
            propagator: None,
        })
    }

    /// The same step with the noise factor N replaced by N V, V orthogonal, so that P = N⁻¹ L N becomes upper
    /// Hessenberg (kept as [`StepCoefficients::propagator`]). N V Vᵀ Nᵀ = N Nᵀ, so the noise has the same law; the
    /// samples of a seed change (V rotates the standard normals). With it the white step's chain
    /// W ← P W Pᵀ − I costs about d³/2 + d³/6 multiply–adds a step instead of 3d³/2
    /// ([`crate::kernels::dense::gemm_hessenberg`], [`crate::kernels::dense::sandwich_upper_hessenberg`]); V is
    /// nalgebra's Householder reduction of N⁻¹ L N (Golub & Van Loan §7.4.3), one O(d³) when a uniform grid's
    /// coefficients are made. Unchanged (and no propagator) for a scalar L or N, or an N that cannot be inverted.
    pub fn hessenberg_noise(mut self) -> Self {
        use crate::kernels::dense::gemm;
        let (Coefficient::Matrix(l), Some(Coefficient::Matrix(n))) = (&self.linear, &self.noise) else {
            return self;
        };
        let d = l.len().isqrt();
        let Some(n_inv) = nalgebra::DMatrix::from_row_slice(d, d, n).try_inverse() else {
            return self;
        };
        // nalgebra is column-major: a matrix's slice is its transpose's row-major one.
        let n_inv = n_inv.transpose().as_slice().to_vec();
        let (mut ln, mut p) = (vec![0.0; d * d], vec![0.0; d * d]);
        gemm(d, d, d, 1.0, l, n, 0.0, &mut ln);
        gemm(d, d, d, 1.0, &n_inv, &ln, 0.0, &mut p);
        if !p.iter().all(|v| v.is_finite()) {
            return self;
        }
        let (v, h) = nalgebra::linalg::Hessenberg::new(nalgebra::DMatrix::from_row_slice(d, d, &p)).unpack();
        let v = v.transpose().as_slice().to_vec();
        let mut nv = vec![0.0; d * d];
        gemm(d, d, d, 1.0, n, &v, 0.0, &mut nv);
        self.noise = Some(Coefficient::Matrix(nv));
        self.propagator = Some(h.transpose().as_slice().to_vec());
        self
    }

    /// The step for a score of the form S(x) = −B x + tanh(gᵀx) g ([`crate::score::Score::two_class_form`]):
    /// `next ← N z + M x + tanh(gᵀx) K g` with M = L − K B, so each particle costs one d×d product (plus the noise)
    /// instead of three. `m` (d²) and `kg` (d) are caller-owned scratch for M and K g; `tmp` (batch-sized) is scratch
    /// for M x. Agrees with [`StepCoefficients::apply`] on the evaluated score to rounding (the sums are grouped
    /// differently).
    #[allow(clippy::too_many_arguments)] // operands, the score's form, and the caller's scratch buffers
    pub fn apply_two_class(
        &self,
        x: &[f64],
        (b, g): (&[f64], &[f64]),
        z: &[f64],
        d: usize,
        m: &mut [f64],
        kg: &mut [f64],
        tmp: &mut [f64],
        next: &mut [f64],
    ) {
        self.fused_parts((b, g), d, m, kg);
        match &self.noise {
            Some(n) => n.apply(z, d, next),
            None => next.fill(0.0),
        }
        dots(x, m, d, tmp, d);
        rows::add_linear_and_tanh(next, tmp, x, g, kg);
    }

    /// The particle-independent parts of [`StepCoefficients::apply_two_class`]: M = L − K B into `m` (d², row-major)
    /// and K g into `kg` (d).
    pub fn fused_parts(&self, (b, g): (&[f64], &[f64]), d: usize, m: &mut [f64], kg: &mut [f64]) {
        use crate::kernels::dense::gemm;
        use crate::kernels::dot;
        // M = L − K B.
        match &self.score {
            Coefficient::Scalar(k) => m.iter_mut().zip(b).for_each(|(mi, bi)| *mi = -k * bi),
            Coefficient::Matrix(kk) => gemm(d, d, d, -1.0, kk, b, 0.0, m),
        }
        match &self.linear {
            Coefficient::Scalar(c) => (0..d).for_each(|i| m[i * d + i] += c),
            Coefficient::Matrix(l) => m.iter_mut().zip(l).for_each(|(mi, li)| *mi += li),
        }
        match &self.score {
            Coefficient::Scalar(k) => kg.iter_mut().zip(g).for_each(|(o, gi)| *o = k * gi),
            Coefficient::Matrix(kk) => {
                for (i, o) in kg.iter_mut().enumerate() {
                    *o = dot(&kk[i * d..(i + 1) * d], g);
                }
            }
        }
    }

    /// Applies the step to a particle-major batch: `next ← N z + K s + L x`. `s` and `z` are overwritten (they serve
    /// as scratch for the matrix products once consumed); `z` holds the noise on entry (ignored by the flow).
    pub fn apply(&self, x: &[f64], s: &mut [f64], z: &mut [f64], d: usize, next: &mut [f64]) {
        // All three scalar (U = c·I, stochastic): one pass instead of three, the same sums in the same order.
        if let (Some(Coefficient::Scalar(n)), Coefficient::Scalar(k), Coefficient::Scalar(c)) =
            (&self.noise, &self.score, &self.linear)
        {
            rows::scalar_step(*n, z, *k, s, *c, x, next);
            return;
        }
        match &self.noise {
            Some(n) => n.apply(z, d, next),
            None => next.fill(0.0),
        }
        self.score.add_apply(s, d, z, next);
        self.linear.add_apply(x, d, s, next);
    }
}
