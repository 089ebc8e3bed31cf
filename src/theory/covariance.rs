//! Covariance matrices as inputs of the theory: validation (finite, symmetric, positive semidefinite) and the sample
//! covariance of a training set (SCIENCE.md §4: "the sample covariance for a training set").
//!
//! Edges: validation happens once at the public entry points; the inner loops of the theory trust their inputs.

use nalgebra::DMatrix;

use crate::error::{Error, Result};
use crate::linalg::asymmetry;

/// Relative asymmetry ‖C − Cᵀ‖_F/‖C‖_F accepted for a covariance: products that are symmetric in exact arithmetic
/// (E C Eᵀ, a sample covariance) are asymmetric at the 10⁻¹⁶ level; 10⁻¹⁰ still rejects a wrong matrix.
pub const SYMMETRY_TOL: f64 = 1e-10;

/// Most negative eigenvalue accepted, relative to the largest |eigenvalue|: rounding of a rank-deficient covariance
/// (a manifold of dimension p < d) leaves eigenvalues of order −10⁻¹⁵ ‖C‖.
pub const PSD_TOL: f64 = 1e-10;

/// Checks that `c` is a d×d covariance: finite, symmetric to 10⁻¹⁰ (relative), positive semidefinite to 10⁻¹⁰
/// (relative). Singular covariances are accepted (Σ_t > 0 for t > 0 makes every time-t covariance definite).
///
/// # Errors
/// [`Error::Param`] for the wrong size or non-finite entries; [`Error::NotSpd`] for asymmetry or a negative
/// eigenvalue.
pub fn check_covariance(name: &str, c: &DMatrix<f64>, d: usize) -> Result<()> {
    if c.nrows() != d || c.ncols() != d {
        return Err(Error::param(name, format!("{}×{}", c.nrows(), c.ncols()), format!("a {d}×{d} matrix")));
    }
    if c.iter().any(|x| !x.is_finite()) {
        return Err(Error::param(name, "a matrix with non-finite entries", "finite entries"));
    }
    if asymmetry(c) > SYMMETRY_TOL {
        return Err(Error::NotSpd {
            name: name.into(),
            reason: format!("it is not symmetric (asymmetry {:e})", asymmetry(c)),
        });
    }
    let mut s = c.clone();
    crate::linalg::symmetrize(&mut s);
    let eig = crate::kernels::decompose::symmetric_eigen(s);
    let (lo, hi) = eig.eigenvalues.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &l| (lo.min(l), hi.max(l.abs())));
    if lo < -PSD_TOL * hi.max(f64::MIN_POSITIVE) {
        return Err(Error::NotSpd { name: name.into(), reason: format!("its smallest eigenvalue is {lo:e}") });
    }
    Ok(())
}

/// The sample covariance (1/(n−1)) Σ_i (a_i − ā)(a_i − ā)ᵀ of a training set given as an n×d matrix (one point per
/// row). The unbiased 1/(n−1) normalization is the usual "sample covariance"; the collapse criterion depends on it
/// only through ln det, where the difference from 1/n is (d/2)·ln(n/(n−1))/d ≈ 1/(2n) per dimension.
///
/// ```
/// use nalgebra::DMatrix;
/// use diffusion_regimes::theory::covariance::sample_covariance;
/// let x = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, -1.0, 0.0, 0.0, 3.0]);
/// let c = sample_covariance(&x).unwrap();
/// assert!((c[(0, 0)] - 1.0).abs() < 1e-15 && (c[(1, 1)] - 3.0).abs() < 1e-15);
/// ```
///
/// # Errors
/// [`Error::Param`] for n < 2, d = 0, or non-finite entries.
pub fn sample_covariance(x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
    let (n, d) = x.shape();
    if n < 2 {
        return Err(Error::param("n (training points)", n, "at least 2"));
    }
    if d == 0 {
        return Err(Error::param("d", d, "at least 1"));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::param("training set", "a matrix with non-finite entries", "finite entries"));
    }
    let mean = x.row_mean();
    let mut centred = x.clone();
    for mut row in centred.row_iter_mut() {
        row -= &mean;
    }
    let mut c = centred.transpose() * &centred / (n - 1) as f64;
    crate::linalg::symmetrize(&mut c);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_covariances() {
        let neg = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]);
        assert!(matches!(check_covariance("C", &neg, 2), Err(Error::NotSpd { .. })));
        let asym = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.0, 1.0]);
        assert!(check_covariance("C", &asym, 2).is_err());
        assert!(check_covariance("C", &DMatrix::identity(3, 3), 2).is_err());
        // Rank-deficient covariances are valid.
        let rank1 = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        assert!(check_covariance("C", &rank1, 2).is_ok());
        assert!(sample_covariance(&DMatrix::zeros(1, 3)).is_err());
    }
}
