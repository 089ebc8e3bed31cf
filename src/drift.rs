//! Antisymmetric drift designs Q for the non-reversible forward process A = (I + Q) U (SCIENCE.md §3).
//!
//! The optimal design is the construction of Lelièvre, Nier & Pavliotis (J. Stat. Phys. 2013, arXiv 1212.0876),
//! used by Lu & Tang (arXiv 2602.15914): every eigenvalue of A gets real part τ = Tr U / d, the largest gap any
//! antisymmetric Q can reach. Every design returns a matrix checked to satisfy ‖Q + Qᵀ‖ ≤ 1e-12 ‖Q‖.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::error::{check_range, Error, Result};
use crate::precision::{fix_sign, Precision};
use crate::random::{stream, Purpose};

/// Largest design strength accepted (γ, q, Frobenius norm): beyond it the dynamics is so stiff that no step size the
/// page can afford resolves it.
pub const MAX_STRENGTH: f64 = 1e3;

/// Relative spread below which the remaining block of U counts as a multiple of the identity (SCIENCE.md §3, step 1).
const DEGENERATE_SPREAD: f64 = 1e-14;

/// The weights λ_k of the optimal construction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "rule", content = "values", deny_unknown_fields)]
pub enum Weights {
    /// λ_k = k, k = 1…d (SCIENCE.md §3 default).
    #[default]
    Linear,
    /// User-given distinct weights, one per dimension.
    Custom(Vec<f64>),
}

/// A drift design, as it appears in configs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "design", deny_unknown_fields)]
pub enum Design {
    /// Q = 0: the reversible process.
    #[default]
    None,
    /// The LNP optimal Q (gap τ = Tr U / d).
    Optimal {
        /// The weights λ_k.
        #[serde(default)]
        weights: Weights,
    },
    /// γ · Q_opt.
    Scaled {
        /// The factor γ.
        gamma: f64,
        /// The weights λ_k of Q_opt.
        #[serde(default)]
        weights: Weights,
    },
    /// Q = q (e_f e_sᵀ − e_s e_fᵀ) in the plane of the slowest and fastest eigenvectors of U.
    Plane {
        /// The strength q.
        q: f64,
    },
    /// A seeded random antisymmetric matrix with i.i.d. normal upper triangle, rescaled to Frobenius norm `norm`.
    Random {
        /// ‖Q‖_F.
        norm: f64,
        /// Seed of the matrix.
        seed: u64,
    },
}

impl Design {
    /// Builds Q for the precision U.
    ///
    /// # Errors
    /// [`Error::Param`] for a strength outside [−1000, 1000] (γ, q) or [0, 1000] (norm), or invalid weights.
    pub fn build(&self, u: &Precision) -> Result<DMatrix<f64>> {
        let d = u.dim();
        let q = match self {
            Design::None => DMatrix::zeros(d, d),
            Design::Optimal { weights } => optimal(u, weights)?,
            Design::Scaled { gamma, weights } => {
                check_range("drift.gamma", *gamma, -MAX_STRENGTH, MAX_STRENGTH)?;
                optimal(u, weights)? * *gamma
            }
            Design::Plane { q } => plane_rotation(u, *q)?,
            Design::Random { norm, seed } => random(d, *norm, *seed)?,
        };
        checked_antisymmetric(q)
    }

    /// A short human-readable label (for legends and readouts).
    pub fn label(&self) -> String {
        match self {
            Design::None => "Q = 0".into(),
            Design::Optimal { .. } => "Q_opt".into(),
            Design::Scaled { gamma, .. } => format!("{gamma}·Q_opt"),
            Design::Plane { q } => format!("plane rotation q = {q}"),
            Design::Random { norm, seed } => format!("random ‖Q‖_F = {norm} (seed {seed})"),
        }
    }
}

/// Antisymmetrizes (removing rounding) and checks ‖Q + Qᵀ‖ ≤ 1e-12 ‖Q‖ before the rounding is removed.
fn checked_antisymmetric(q: DMatrix<f64>) -> Result<DMatrix<f64>> {
    let norm = q.norm();
    let sym = (&q + q.transpose()).norm();
    if !(norm.is_finite() && sym <= 1e-12 * norm.max(f64::MIN_POSITIVE)) && norm != 0.0 {
        return Err(Error::numerical("drift design", format!("‖Q + Qᵀ‖ = {sym:e} for ‖Q‖ = {norm:e}")));
    }
    Ok((&q - q.transpose()) * 0.5)
}

/// The equal-diagonal orthonormal basis ψ₁…ψ_d of SCIENCE.md §3 step 1: ψ_kᵀ U ψ_k = τ for every k, as the columns
/// of the returned matrix, in the order found.
///
/// SCIENCE.md's loop diagonalizes U_W = Vᵀ U V for the remaining subspace W at every step. That diagonalization is
/// known without computing it (this project's rewriting of the loop, exact algebra; the construction is LNP's): W is always spanned by eigenvectors of U_W's predecessor, so U_W is diagonal in the
/// basis this function carries along.
/// - At the start, W = R^d and the basis is U's sign-fixed eigenvectors, ascending ([`Precision::eigenvectors`]: the
///   same eigendecomposition, sort and sign rule the loop's first step makes).
/// - A step removes v_min and v_max (eigenvalues μ_min, μ_max), appends ψ = cos θ v_min + sin θ v_max, and leaves
///   W ∩ ψ^⊥ spanned by the other vectors and the partner p = −sin θ v_min + cos θ v_max, sign-fixed. The partner is
///   U-orthogonal to the other vectors (they are U-orthogonal to v_min and v_max), so U_W stays diagonal, with the
///   partner's eigenvalue pᵀUp = sin²θ μ_min + cos²θ μ_max.
///
/// So each step costs O(d) and the basis O(d²) after U's eigendecomposition, where diagonalizing U_W every step
/// cost O(d⁴) in all (2.3 s at d = 512; `tests::basis_equals_the_loop_that_diagonalizes_every_step` checks the two
/// agree to rounding, amplified by the late steps' ill-conditioned angles to ≤ 1e-9 at d = 64). Ties among eigenvalues are broken as that loop broke them on an exactly diagonal U_W: by
/// position, the partner after the vectors it ties with.
///
/// ```
/// use diffusion_regimes::{drift::equal_diagonal_basis, precision::Precision};
/// let u = Precision::diagonal(&[1.0, 4.0]).unwrap();
/// let psi = equal_diagonal_basis(&u);
/// let s = std::f64::consts::FRAC_1_SQRT_2;
/// assert!((psi[(0, 0)] - s).abs() < 1e-15 && (psi[(1, 0)] - s).abs() < 1e-15);
/// ```
pub fn equal_diagonal_basis(u: &Precision) -> DMatrix<f64> {
    let d = u.dim();
    let tau = u.tau();
    // The basis of W: column k of `basis` has U_W-eigenvalue μ; `remaining` lists (μ, k) ascending.
    let mut basis = u.eigenvectors().clone();
    let mut remaining: Vec<(f64, usize)> = u.eigenvalues().iter().copied().zip(0..d).collect();
    let mut psis = DMatrix::<f64>::zeros(d, d);
    let mut found = 0;
    while remaining.len() > 1 {
        let (mu_min, kmin) = remaining[0];
        let (mu_max, kmax) = remaining[remaining.len() - 1];
        if mu_max - mu_min <= DEGENERATE_SPREAD * tau {
            // U is a multiple of the identity on W: every orthonormal basis of W has diagonal τ.
            break;
        }
        let cos2 = ((mu_max - tau) / (mu_max - mu_min)).clamp(0.0, 1.0);
        let (c, s) = (cos2.sqrt(), (1.0 - cos2).sqrt());
        let mut partner = DVector::<f64>::zeros(d);
        for i in 0..d {
            let (vmin, vmax) = (basis[(i, kmin)], basis[(i, kmax)]);
            psis[(i, found)] = vmin * c + vmax * s;
            partner[i] = vmin * -s + vmax * c;
        }
        found += 1;
        remaining.pop();
        remaining.remove(0);
        if !remaining.is_empty() {
            // The loop sign-fixes every vector it lifts; a partner left alone is the last ψ as it is.
            fix_sign(&mut partner);
        }
        basis.set_column(kmax, &partner);
        let mu = s * s * mu_min + c * c * mu_max;
        let at = remaining.partition_point(|&(m, _)| m <= mu);
        remaining.insert(at, (mu, kmax));
    }
    for &(_, k) in &remaining {
        psis.set_column(found, &basis.column(k));
        found += 1;
    }
    psis
}

/// The optimal antisymmetric drift of Lelièvre–Nier–Pavliotis (SCIENCE.md §3, design 2):
/// Ũ = Ψᵀ U Ψ, K̃_jk = (λ_j + λ_k)/(λ_j − λ_k) Ũ_jk (j ≠ k), K = Ψ K̃ Ψᵀ, Q = U^{−1/2} K U^{−1/2}.
/// Then (I + Q) U is similar to U + K and every eigenvalue of A has real part τ = Tr U / d.
///
/// ```
/// use diffusion_regimes::{drift::{optimal, Weights}, precision::Precision};
/// let u = Precision::diagonal(&[1.0, 4.0]).unwrap();
/// let q = optimal(&u, &Weights::Custom(vec![1.0, 2.0])).unwrap();
/// assert!((q[(0, 1)] + 2.25).abs() < 1e-12 && (q[(1, 0)] - 2.25).abs() < 1e-12);
/// ```
///
/// # Errors
/// [`Error::Param`] for custom weights of the wrong length, non-finite, or not pairwise distinct.
pub fn optimal(u: &Precision, weights: &Weights) -> Result<DMatrix<f64>> {
    let d = u.dim();
    let lambda: Vec<f64> = match weights {
        Weights::Linear => (1..=d).map(|k| k as f64).collect(),
        Weights::Custom(w) => {
            if w.len() != d {
                return Err(Error::param("drift.weights", format!("{} values", w.len()), format!("{d} values")));
            }
            for (k, &x) in w.iter().enumerate() {
                if !x.is_finite() {
                    return Err(Error::param(format!("drift.weights[{k}]"), x, "a finite number"));
                }
                if w[..k].contains(&x) {
                    return Err(Error::param(format!("drift.weights[{k}]"), x, "pairwise distinct weights"));
                }
            }
            w.clone()
        }
    };
    let psi = equal_diagonal_basis(u);
    let mul = crate::linalg::mul;
    let mut ut = mul(&mul(&psi.transpose(), u.matrix()), &psi);
    crate::linalg::symmetrize(&mut ut);
    let kt = DMatrix::from_fn(d, d, |j, k| {
        if j == k {
            0.0
        } else {
            (lambda[j] + lambda[k]) / (lambda[j] - lambda[k]) * ut[(j, k)]
        }
    });
    let k = mul(&mul(&psi, &kt), &psi.transpose());
    let uih = u.power(-0.5);
    let q = mul(&mul(&uih, &k), &uih);
    Ok((&q - q.transpose()) * 0.5)
}

/// The plane rotation Q = q (e_f e_sᵀ − e_s e_fᵀ) in the plane of the slowest (e_s) and fastest (e_f) eigenvectors of
/// U (SCIENCE.md §3, design 4). In 2D with U = diag(u₁, u₂) every |q| ≥ q* = |u₁ − u₂| / (2√(u₁u₂)) is optimal.
///
/// # Errors
/// [`Error::Param`] for q outside [−1000, 1000].
pub fn plane_rotation(u: &Precision, q: f64) -> Result<DMatrix<f64>> {
    check_range("drift.q", q, -MAX_STRENGTH, MAX_STRENGTH)?;
    let (es, ef) = (u.slowest(), u.fastest());
    Ok((&ef * es.transpose() - &es * ef.transpose()) * q)
}

/// The critical strength q* = |u₁ − u₂| / (2√(u₁u₂)) of the 2D plane rotation (a Jordan point of A).
pub fn plane_critical_strength(u_min: f64, u_max: f64) -> f64 {
    (u_max - u_min).abs() / (2.0 * (u_min * u_max).sqrt())
}

/// A seeded random antisymmetric matrix: i.i.d. N(0, 1) upper triangle, rescaled to Frobenius norm `norm`
/// (SCIENCE.md §3, design 5).
///
/// # Errors
/// [`Error::Param`] for a norm outside [0, 1000].
pub fn random(d: usize, norm: f64, seed: u64) -> Result<DMatrix<f64>> {
    check_range("drift.norm", norm, 0.0, MAX_STRENGTH)?;
    let mut s = stream(seed, Purpose::Matrix, 1);
    let mut q = DMatrix::zeros(d, d);
    for i in 0..d {
        for j in (i + 1)..d {
            let z = s.normal();
            q[(i, j)] = z;
            q[(j, i)] = -z;
        }
    }
    let f = q.norm();
    Ok(if f > 0.0 { q * (norm / f) } else { q })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::OuProcess;

    fn random_spd(d: usize, seed: u64) -> Precision {
        Precision::log_spaced(d, 30.0, Some(seed)).unwrap()
    }

    #[test]
    fn optimal_gives_real_parts_tau_for_many_dimensions() {
        for &d in &[2usize, 3, 5, 16, 64] {
            let u = random_spd(d, d as u64);
            let q = Design::Optimal { weights: Weights::Linear }.build(&u).unwrap();
            let p = OuProcess::new(u.clone(), q).unwrap();
            let tau = u.tau();
            for z in p.drift_eigenvalues() {
                assert!((z.re - tau).abs() <= 1e-9 * tau, "d={d}: Re = {} vs τ = {tau}", z.re);
            }
        }
    }

    /// SCIENCE.md §3 step 1 as written: diagonalize U_W = Vᵀ U V at every step (O(d⁴) in all). The reference for
    /// [`equal_diagonal_basis`], which carries U_W's eigenvectors instead.
    fn basis_by_diagonalizing_every_step(u: &Precision) -> DMatrix<f64> {
        let d = u.dim();
        let tau = u.tau();
        let um = u.matrix();
        let mut psis: Vec<DVector<f64>> = Vec::with_capacity(d);
        let mut v = DMatrix::<f64>::identity(d, d);
        while v.ncols() > 1 {
            let m = v.ncols();
            let mut uw = crate::linalg::mul(&crate::linalg::mul(&v.transpose(), um), &v);
            crate::linalg::symmetrize(&mut uw);
            let eig = crate::kernels::decompose::symmetric_eigen(uw);
            let mut order: Vec<usize> = (0..m).collect();
            order.sort_by(|&a, &b| eig.eigenvalues[a].total_cmp(&eig.eigenvalues[b]));
            let (imin, imax) = (order[0], order[m - 1]);
            let (mu_min, mu_max) = (eig.eigenvalues[imin], eig.eigenvalues[imax]);
            // Lift every eigenvector of U_W to R^d (one product V·E through our gemm: each entry summed in ascending
            // order, as nalgebra's matrix–vector product did column by column) and sign-fix it there.
            let ve = crate::linalg::mul(&v, &eig.eigenvectors);
            let lifted: Vec<DVector<f64>> = order
                .iter()
                .map(|&k| {
                    // Column k of the column-major product, copied as a slice.
                    let mut w = DVector::from_column_slice(&ve.as_slice()[k * d..(k + 1) * d]);
                    fix_sign(&mut w);
                    w
                })
                .collect();
            if mu_max - mu_min <= DEGENERATE_SPREAD * tau {
                // U is a multiple of the identity on W: every orthonormal basis of W has diagonal τ.
                psis.extend(lifted);
                v = DMatrix::zeros(d, 0);
                break;
            }
            let cos2 = ((mu_max - tau) / (mu_max - mu_min)).clamp(0.0, 1.0);
            let (c, s) = (cos2.sqrt(), (1.0 - cos2).sqrt());
            let (vmin, vmax) = (&lifted[0], &lifted[m - 1]);
            psis.push(vmin * c + vmax * s);
            // Orthonormal basis of W ∩ ψ^⊥: the middle eigenvectors and the partner −s v_min + c v_max.
            let mut cols: Vec<DVector<f64>> = lifted[1..m - 1].to_vec();
            cols.push(vmin * -s + vmax * c);
            v = DMatrix::from_columns(&cols);
        }
        if v.ncols() == 1 {
            psis.push(v.column(0).into_owned());
        }
        DMatrix::from_columns(&psis)
    }

    #[test]
    fn basis_equals_the_loop_that_diagonalizes_every_step() {
        // (U, agreement): late steps pair eigenvalues that all lie near τ, where the rotation angle is ill-conditioned
        // (an error δ in a μ moves θ by about δ/(μ_max − μ_min)), so the two roundings' bases part by up to ~1e-9 at
        // d = 64 while each is orthonormal with diagonal τ: to ~1e-15 (of u_max) the carried basis, ~1e-13 the loop.
        let cases = [
            (random_spd(2, 1), 1e-14),
            (random_spd(5, 2), 1e-13),
            (random_spd(16, 3), 1e-10),
            (random_spd(64, 4), 1e-7),
            (Precision::log_spaced(33, 1e4, Some(7)).unwrap(), 1e-7),
            (Precision::log_spaced(24, 100.0, None).unwrap(), 1e-7),
            // Ties: exactly diagonal U with repeated eigenvalues, and U = I (no step at all).
            (Precision::diagonal(&[1.0, 4.0, 1.0, 2.0, 4.0, 3.0, 2.5]).unwrap(), 1e-13),
            (Precision::diagonal(&[2.0, 1.0, 1.0, 3.0]).unwrap(), 1e-14),
            (Precision::scaled_identity(6, 2.0).unwrap(), 0.0),
        ];
        for (u, agreement) in &cases {
            let d = u.dim();
            let (fast, slow) = (equal_diagonal_basis(u), basis_by_diagonalizing_every_step(u));
            let err = (&fast - &slow).amax();
            assert!(err <= *agreement, "d = {d}: max |Δψ| = {err:e}");
            let orth = (fast.transpose() * &fast - DMatrix::<f64>::identity(d, d)).amax();
            assert!(orth < 1e-14, "d = {d}: ΨᵀΨ − I = {orth:e}");
            let ut = fast.transpose() * u.matrix() * &fast;
            for k in 0..d {
                assert!(
                    (ut[(k, k)] - u.tau()).abs() < 1e-14 * u.u_max(),
                    "d = {d}: ψ_{k}ᵀUψ_{k} − τ = {:e}",
                    ut[(k, k)] - u.tau()
                );
            }
        }
    }

    #[test]
    fn equal_diagonal_basis_is_orthonormal_with_diagonal_tau() {
        let u = random_spd(7, 11);
        let psi = equal_diagonal_basis(&u);
        assert!((psi.transpose() * &psi - DMatrix::<f64>::identity(7, 7)).norm() < 1e-12);
        let ut = psi.transpose() * u.matrix() * &psi;
        for k in 0..7 {
            assert!((ut[(k, k)] - u.tau()).abs() < 1e-12 * u.tau());
        }
    }

    #[test]
    fn scaled_optimal_loses_the_gap_in_d16() {
        let u = Precision::log_spaced(16, 100.0, None).unwrap();
        let tau = u.tau();
        for &g in &[0.5, 2.0] {
            let q = Design::Scaled { gamma: g, weights: Weights::Linear }.build(&u).unwrap();
            let gap = OuProcess::new(u.clone(), q).unwrap().spectral_gap();
            assert!(gap < tau * (1.0 - 1e-6), "γ={g}: gap {gap} vs τ {tau}");
            assert!(gap > u.u_min(), "γ={g}: gap {gap} vs u_min {}", u.u_min());
        }
    }

    #[test]
    fn plane_rotation_is_optimal_above_critical_strength_in_2d() {
        let u = Precision::diagonal(&[1.0, 4.0]).unwrap();
        let qs = plane_critical_strength(1.0, 4.0);
        assert!((qs - 0.75).abs() < 1e-15);
        let gap = |q: f64| OuProcess::new(u.clone(), plane_rotation(&u, q).unwrap()).unwrap().spectral_gap();
        assert!((gap(1.5 * qs) - 2.5).abs() < 1e-9);
        assert!(gap(0.5 * qs) < 2.5 - 1e-3);
    }

    #[test]
    fn every_design_is_antisymmetric_and_keeps_stationarity_and_trace() {
        let u = random_spd(6, 5);
        let designs = [
            Design::None,
            Design::Optimal { weights: Weights::Linear },
            Design::Scaled { gamma: 0.7, weights: Weights::Linear },
            Design::Plane { q: 3.0 },
            Design::Random { norm: 5.0, seed: 9 },
        ];
        for des in designs {
            let q = des.build(&u).unwrap();
            assert!((&q + q.transpose()).norm() <= 1e-12 * q.norm().max(1.0), "{des:?}");
            let p = OuProcess::new(u.clone(), q).unwrap();
            let a = p.drift();
            let ui = p.stationary_cov();
            let st = a * ui + ui * a.transpose() - DMatrix::<f64>::identity(6, 6) * 2.0;
            assert!(st.norm() <= 1e-10 * (a * ui).norm(), "{des:?}: stationarity residual {}", st.norm());
            assert!((a.trace() - u.matrix().trace()).abs() < 1e-10 * u.matrix().trace(), "{des:?}");
        }
    }

    #[test]
    fn random_design_has_requested_norm_and_rejects_bad_strengths() {
        let q = random(5, 2.5, 1).unwrap();
        assert!((q.norm() - 2.5).abs() < 1e-12);
        assert!(random(5, f64::NAN, 1).is_err());
        let u = Precision::diagonal(&[1.0, 2.0]).unwrap();
        let e = plane_rotation(&u, 1e9).unwrap_err();
        assert!(e.to_string().contains("drift.q"), "{e}");
        assert!(optimal(&u, &Weights::Custom(vec![1.0, 1.0])).is_err());
    }
}
