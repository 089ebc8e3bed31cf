//! The isotropic special case U = c·I, Q = 0 of the forward process, where E_t = e^{−ct} I and Σ_t = s_t I are
//! scalars (SCIENCE.md §1; c = 1 is Biroli's process with Δ_t = 1 − e^{−2t}).
//!
//! Scores and integrators detect it once and then work with O(d) scalar arithmetic per particle instead of d×d
//! matrices. The detection is exact (Q identically zero, all eigenvalues of U equal to rounding), so the fast paths
//! compute the same quantities as the general ones.

use crate::process::OuProcess;

/// Relative spread of the eigenvalues of U below which U is treated as c·I. Eigenvalues of a matrix built as c·I are
/// exact, so this only absorbs the last bits of an eigensolver's rounding.
const EQUAL_EIGENVALUES_TOL: f64 = 1e-13;

/// The scalar rate c of an isotropic reversible process (A = c·I).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Isotropic {
    /// The rate c > 0: A = c·I.
    pub c: f64,
}

impl Isotropic {
    /// `Some` when the process has U = c·I and Q = 0, so that A = c·I.
    ///
    /// ```
    /// use diffusion_regimes::{isotropic::Isotropic, precision::Precision, process::OuProcess};
    /// let p = OuProcess::reversible(Precision::scaled_identity(3, 2.0).unwrap());
    /// assert_eq!(Isotropic::of(&p), Some(Isotropic { c: 2.0 }));
    /// ```
    pub fn of(process: &OuProcess) -> Option<Self> {
        let u = process.precision();
        let spread = u.u_max() - u.u_min();
        let diagonal_matrix = {
            let m = u.matrix();
            let d = m.nrows();
            (0..d).all(|i| (0..d).all(|j| i == j || m[(i, j)] == 0.0))
        };
        if process.q().iter().all(|&x| x == 0.0) && diagonal_matrix && spread <= EQUAL_EIGENVALUES_TOL * u.u_max() {
            Some(Isotropic { c: u.matrix()[(0, 0)] })
        } else {
            None
        }
    }

    /// The propagator's scalar e^{−ct}.
    pub fn decay(&self, t: f64) -> f64 {
        libm::exp(-self.c * t)
    }

    /// The noise variance s_t = (1 − e^{−2ct}) / c, by `exp_m1` so that it keeps full relative accuracy as t → 0.
    ///
    /// ```
    /// let iso = diffusion_regimes::isotropic::Isotropic { c: 1.0 };
    /// assert!((iso.noise_var(1e-9) / 2e-9 - 1.0).abs() < 1e-8);
    /// ```
    pub fn noise_var(&self, t: f64) -> f64 {
        -libm::expm1(-2.0 * self.c * t) / self.c
    }
}
