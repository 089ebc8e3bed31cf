//! nalgebra's symmetric eigen-decomposition and real Schur form for `f64` matrices, instantiated in this crate so the
//! size-optimized web build compiles them at opt-level 3 (they are generic: a generic function is compiled in the
//! crate that names its type). The theory's input (Q_opt's equal-diagonal basis: d − 1 eigen-decompositions) and its
//! modal form (one Schur form) spend a fifth of an evaluation here. Same code, so the same bits as calling nalgebra
//! directly.

use nalgebra::{DMatrix, Dyn, Schur, SymmetricEigen};

/// The eigen-decomposition of a symmetric matrix (`SymmetricEigen::new`).
pub fn symmetric_eigen(m: DMatrix<f64>) -> SymmetricEigen<f64, Dyn> {
    SymmetricEigen::new(m)
}

/// The eigenvalues only of a symmetric matrix (`SymmetricEigen`'s iteration without accumulating eigenvectors: the
/// same eigenvalues, several times faster at large d).
pub fn symmetric_eigenvalues(m: DMatrix<f64>) -> nalgebra::DVector<f64> {
    m.symmetric_eigenvalues()
}

/// The eigenvalues of a general real matrix (nalgebra's `complex_eigenvalues`, here so the web build compiles it at
/// full optimization; the same values).
pub fn complex_eigenvalues(m: DMatrix<f64>) -> Vec<nalgebra::Complex<f64>> {
    m.complex_eigenvalues().iter().copied().collect()
}

/// The real Schur form A = Z T Zᵀ (`Schur::try_new`), `None` if it did not converge in `max_niter` iterations
/// (0: no limit).
pub fn schur(m: DMatrix<f64>, eps: f64, max_niter: usize) -> Option<Schur<f64, Dyn>> {
    Schur::try_new(m, eps, max_niter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_and_schur_of_a_small_matrix() {
        let m = DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 2.0]);
        let mut ev: Vec<f64> = symmetric_eigen(m.clone()).eigenvalues.iter().copied().collect();
        ev.sort_by(f64::total_cmp);
        assert!((ev[0] - 1.0).abs() < 1e-14 && (ev[1] - 3.0).abs() < 1e-14);
        let (z, t) = schur(m.clone(), f64::EPSILON, 0).unwrap().unpack();
        assert!((&z * t * z.transpose() - m).norm() < 1e-14);
    }
}
