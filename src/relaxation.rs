//! Relaxation of the forward process: the spectrum of A, the gap against its bound Tr U / d and the reversible gap
//! u_min, and the transient ‖E_t‖₂ against e^{−g t} (SCIENCE.md §2). What `regimes drift` and the Relaxation view show.

use serde::{Deserialize, Serialize};

use crate::error::{check_count, check_open_closed, Result};
use crate::process::OuProcess;

/// Relative resolution at which real parts of eigenvalues count as equal when sorting the spectrum.
const RE_ORDER_RESOLUTION: f64 = 1e-9;

/// Largest number of points of the ‖E_t‖ curve.
pub const MAX_CURVE_POINTS: usize = 2000;

/// The relaxation spectrum of one process.
/// Deserialize: the page sends a report computed in its Worker back to the main thread's drawing code.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RelaxationReport {
    /// Dimension d.
    pub d: usize,
    /// The antisymmetric Q, row-major d×d.
    pub q: Vec<f64>,
    /// ‖Q‖₂.
    pub q_norm: f64,
    /// ‖A‖₂ (stiffness: Euler–Maruyama needs h ≲ 0.1/‖A‖₂).
    pub a_norm: f64,
    /// Real parts of the eigenvalues of A, sorted by real part then imaginary part.
    pub eig_re: Vec<f64>,
    /// Imaginary parts, in the same order.
    pub eig_im: Vec<f64>,
    /// The spectral gap g = min Re eig(A).
    pub gap: f64,
    /// The bound τ = Tr U / d.
    pub bound: f64,
    /// The reversible gap u_min.
    pub u_min: f64,
    /// Times of the norm curve (uniform on [0, t_max]).
    pub times: Vec<f64>,
    /// ‖E_t‖₂ at each time.
    pub propagator_norm: Vec<f64>,
}

/// Computes the relaxation report with an ‖E_t‖₂ curve of `points` points on [0, t_max].
///
/// # Errors
/// [`crate::error::Error::Param`] for t_max outside (0, 100] or points outside [2, 2000].
pub fn report(process: &OuProcess, t_max: f64, points: usize) -> Result<RelaxationReport> {
    check_open_closed("t_max", t_max, 0.0, 100.0)?;
    check_count("points", points, 2, MAX_CURVE_POINTS)?;
    let d = process.dim();
    let mut eig = process.drift_eigenvalues();
    // Sort by real part, then imaginary part, with real parts compared on a grid of 10⁻⁹ of the spectrum's scale:
    // with Q_opt every real part is τ up to rounding, and ordering by those last bits made the order (and the
    // golden) differ between native and wasm builds (issue 8 determinism goldens).
    let scale = eig.iter().fold(f64::MIN_POSITIVE, |m, z| m.max(z.norm()));
    let key = |re: f64| (re / (RE_ORDER_RESOLUTION * scale)).round();
    eig.sort_by(|a, b| key(a.re).total_cmp(&key(b.re)).then(a.im.total_cmp(&b.im)));
    let times: Vec<f64> = (0..points).map(|k| t_max * k as f64 / (points - 1) as f64).collect();
    let q = process.q();
    Ok(RelaxationReport {
        d,
        q: (0..d * d).map(|i| q[(i / d, i % d)]).collect(),
        q_norm: crate::linalg::spectral_norm(q),
        a_norm: crate::linalg::spectral_norm(process.drift()),
        eig_re: eig.iter().map(|z| z.re).collect(),
        eig_im: eig.iter().map(|z| z.im).collect(),
        gap: process.spectral_gap(),
        bound: process.trace_bound(),
        u_min: process.precision().u_min(),
        propagator_norm: process.propagator_norm_curve(&times),
        times,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{Design, Weights};
    use crate::precision::Precision;

    #[test]
    fn optimal_design_reaches_bound_and_norm_curve_starts_at_one() {
        let u = Precision::log_spaced(8, 100.0, None).unwrap();
        let q = Design::Optimal { weights: Weights::Linear }.build(&u).unwrap();
        let r = report(&OuProcess::new(u, q).unwrap(), 5.0, 11).unwrap();
        assert!((r.gap - r.bound).abs() < 1e-9 * r.bound);
        assert!((r.propagator_norm[0] - 1.0).abs() < 1e-12);
        // Non-normal A: the norm eventually decays at the gap rate, but not faster than e^{−u_max t}.
        assert!(r.propagator_norm[10] <= 1.0 && r.propagator_norm[10] >= (-10.0 * 5.0f64).exp());
    }
}
