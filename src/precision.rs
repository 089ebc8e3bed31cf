//! U, the stationary precision: the symmetric positive definite matrix of the forward drift A = (I+Q)U, whose
//! inverse is the covariance of the stationary law N(0, U⁻¹) (SCIENCE.md §1–§2).
//!
//! A [`Precision`] is validated once (symmetric, finite, positive definite) and carries its eigendecomposition, so the
//! slowest and fastest directions e_s, e_f, u_min, τ = Tr U / d, U⁻¹ and U^{±1/2} are read off without recomputation.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::error::{check_count, check_range, Error, Result};
use crate::linalg::{asymmetry, sym_apply};
use crate::random::{stream, Purpose};

/// Largest dimension the core accepts (memory and time budgets are checked separately per run).
pub const MAX_DIM: usize = 4096;

/// Largest condition number accepted for U: beyond 10¹⁰ the Cholesky factors of Σ_t lose all precision in f64.
pub const MAX_KAPPA: f64 = 1e10;

/// A validated symmetric positive definite precision matrix with its spectrum (eigenvalues ascending).
#[derive(Clone, Debug)]
pub struct Precision {
    u: DMatrix<f64>,
    /// Eigenvalues ascending.
    values: DVector<f64>,
    /// Orthonormal eigenvectors as columns, in the order of `values`, each sign-fixed (largest-magnitude entry > 0).
    vectors: DMatrix<f64>,
}

/// Flips `v` so that its component of largest magnitude is positive (ties: the first index). This is the sign rule
/// of SCIENCE.md §3, used wherever an eigenvector's sign could change a result.
pub fn fix_sign(v: &mut DVector<f64>) {
    crate::kernels::rows::fix_sign(v.as_mut_slice());
}

impl Precision {
    /// Validates a symmetric positive definite matrix.
    ///
    /// # Errors
    /// [`Error::NotSpd`] if it is not square, not finite, asymmetric beyond 1e-12 (relative), or has an eigenvalue
    /// ≤ 0; [`Error::Param`] for a dimension outside [1, 4096] or a condition number above 10¹⁰.
    pub fn new(u: DMatrix<f64>) -> Result<Self> {
        if !u.is_square() {
            return Err(Error::NotSpd { name: "U".into(), reason: format!("it is {}×{}", u.nrows(), u.ncols()) });
        }
        check_count("d", u.nrows(), 1, MAX_DIM)?;
        if u.iter().any(|x| !x.is_finite()) {
            return Err(Error::NotSpd { name: "U".into(), reason: "it has non-finite entries".into() });
        }
        if asymmetry(&u) > 1e-12 {
            return Err(Error::NotSpd { name: "U".into(), reason: "it is not symmetric".into() });
        }
        let mut u = u;
        crate::linalg::symmetrize(&mut u);
        let eig = crate::kernels::decompose::symmetric_eigen(u.clone());
        let d = u.nrows();
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| eig.eigenvalues[a].total_cmp(&eig.eigenvalues[b]));
        let values = DVector::from_iterator(d, order.iter().map(|&k| eig.eigenvalues[k]));
        let mut vectors = DMatrix::zeros(d, d);
        for (j, &k) in order.iter().enumerate() {
            let mut v = eig.eigenvectors.column(k).into_owned();
            fix_sign(&mut v);
            vectors.set_column(j, &v);
        }
        if values[0] <= 0.0 {
            return Err(Error::NotSpd {
                name: "U".into(),
                reason: format!("its smallest eigenvalue is {:e}", values[0]),
            });
        }
        let kappa = values[d - 1] / values[0];
        if kappa > MAX_KAPPA {
            return Err(Error::param("condition number of U", kappa, format!("at most {MAX_KAPPA:e}")));
        }
        Ok(Precision { u, values, vectors })
    }

    /// U = c·I.
    ///
    /// # Errors
    /// [`Error::Param`] for d outside [1, 4096] or c not in (0, 10⁶].
    pub fn scaled_identity(d: usize, c: f64) -> Result<Self> {
        check_count("d", d, 1, MAX_DIM)?;
        if !(c.is_finite() && c > 0.0 && c <= 1e6) {
            return Err(Error::param("precision.scale", c, "a finite number in (0, 1e6]"));
        }
        Self::new(DMatrix::identity(d, d) * c)
    }

    /// U = diag(values).
    ///
    /// # Errors
    /// [`Error::Param`] for an entry that is not finite and in (0, 10⁶], or a length outside [1, 4096].
    pub fn diagonal(values: &[f64]) -> Result<Self> {
        check_count("d", values.len(), 1, MAX_DIM)?;
        for (k, &v) in values.iter().enumerate() {
            if !(v.is_finite() && v > 0.0 && v <= 1e6) {
                return Err(Error::param(format!("precision.values[{k}]"), v, "a finite number in (0, 1e6]"));
            }
        }
        Self::new(DMatrix::from_diagonal(&DVector::from_column_slice(values)))
    }

    /// Log-spaced eigenvalues u_k = κ^{k/(d−1) − 1/2}, k = 0…d−1 (geometric mean 1, condition number κ; d = 1 gives
    /// u = 1). κ = 100 gives the range 0.1 … 10 of the issues' workloads. With `basis_seed`, U = O diag(u) Oᵀ with O a
    /// seeded Haar-random orthogonal matrix; without it U is diagonal.
    ///
    /// ```
    /// let p = diffusion_regimes::precision::Precision::log_spaced(3, 100.0, None).unwrap();
    /// assert!((p.u_min() - 0.1).abs() < 1e-12 && (p.u_max() - 10.0).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    /// [`Error::Param`] for d outside [1, 4096] or κ not in [1, 10¹⁰].
    pub fn log_spaced(d: usize, kappa: f64, basis_seed: Option<u64>) -> Result<Self> {
        check_count("d", d, 1, MAX_DIM)?;
        check_range("precision.kappa", kappa, 1.0, MAX_KAPPA)?;
        let vals: Vec<f64> =
            (0..d).map(|k| if d == 1 { 1.0 } else { libm::pow(kappa, k as f64 / (d - 1) as f64 - 0.5) }).collect();
        let diag = DMatrix::from_diagonal(&DVector::from_vec(vals));
        match basis_seed {
            None => Self::new(diag),
            Some(seed) => {
                let o = random_orthogonal(d, seed);
                let mut u = &o * diag * o.transpose();
                crate::linalg::symmetrize(&mut u);
                Self::new(u)
            }
        }
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.u.nrows()
    }

    /// The matrix U.
    pub fn matrix(&self) -> &DMatrix<f64> {
        &self.u
    }

    /// Eigenvalues of U, ascending.
    pub fn eigenvalues(&self) -> &DVector<f64> {
        &self.values
    }

    /// Orthonormal eigenvectors of U as columns (ascending eigenvalue order, sign-fixed).
    pub fn eigenvectors(&self) -> &DMatrix<f64> {
        &self.vectors
    }

    /// u_min, the smallest eigenvalue: the reversible spectral gap.
    pub fn u_min(&self) -> f64 {
        self.values[0]
    }

    /// u_max, the largest eigenvalue.
    pub fn u_max(&self) -> f64 {
        self.values[self.dim() - 1]
    }

    /// τ = Tr U / d: the upper bound on the gap of any non-reversible drift, reached by the optimal Q.
    pub fn tau(&self) -> f64 {
        self.u.trace() / self.dim() as f64
    }

    /// e_s: the slowest eigenvector (eigenvalue u_min).
    pub fn slowest(&self) -> DVector<f64> {
        self.vectors.column(0).into_owned()
    }

    /// e_f: the fastest eigenvector (eigenvalue u_max).
    pub fn fastest(&self) -> DVector<f64> {
        self.vectors.column(self.dim() - 1).into_owned()
    }

    /// U^p for a real power p (U⁻¹ for p = −1, U^{−1/2} for p = −½).
    pub fn power(&self, p: f64) -> DMatrix<f64> {
        let eig = SymmetricEigen { eigenvalues: self.values.clone(), eigenvectors: self.vectors.clone() };
        sym_apply(&eig, |l| libm::pow(l, p))
    }
}

/// A seeded Haar-random orthogonal d×d matrix (QR of a Gaussian matrix with the signs of R's diagonal fixed).
pub fn random_orthogonal(d: usize, seed: u64) -> DMatrix<f64> {
    let mut s = stream(seed, Purpose::Matrix, 0);
    let g = DMatrix::from_fn(d, d, |_, _| s.normal());
    let qr = g.qr();
    let (mut q, r) = (qr.q(), qr.r());
    for k in 0..d {
        if r[(k, k)] < 0.0 {
            let mut c = q.column_mut(k);
            c.neg_mut();
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_matrices_with_reasons() {
        let asym = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.0, 1.0]);
        assert!(matches!(Precision::new(asym), Err(Error::NotSpd { .. })));
        let indefinite = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]);
        let e = Precision::new(indefinite).unwrap_err();
        assert!(e.to_string().contains("smallest eigenvalue"), "{e}");
        assert!(Precision::diagonal(&[1.0, f64::NAN]).is_err());
        assert!(Precision::log_spaced(0, 10.0, None).is_err());
        assert!(Precision::log_spaced(4, 0.5, None).is_err());
    }

    #[test]
    fn random_basis_keeps_spectrum() {
        let p = Precision::log_spaced(6, 1000.0, Some(3)).unwrap();
        assert!((p.u_min() - 1000f64.powf(-0.5)).abs() < 1e-12);
        assert!((p.tau() - p.eigenvalues().sum() / 6.0).abs() < 1e-12);
        let ui = p.power(-1.0);
        assert!((&ui * p.matrix() - DMatrix::<f64>::identity(6, 6)).norm() < 1e-10);
        // e_f is an eigenvector for u_max.
        let ef = p.fastest();
        assert!((p.matrix() * &ef - &ef * p.u_max()).norm() < 1e-10);
    }
}
