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
        // OuProcess::spectral_gap of the eigenvalues at hand.
        gap: eig.iter().map(|z| z.re).fold(f64::INFINITY, f64::min),
        bound: process.trace_bound(),
        u_min: process.precision().u_min(),
        propagator_norm: process.propagator_norm_curve(&times),
        times,
    })
}

/// The spectral gap along a family of drifts linear in their strength s, Q(s) = s Q₁ (γ·Q_opt, the plane rotation
/// q, the random design's ‖Q‖_F): U and Q₁ are built once, then each strength costs the eigenvalues of
/// A = (I + s Q₁)U only (the Relaxation view's gap curve; building Q_opt per strength made it minutes at d = 512).
#[derive(Clone, Debug)]
pub struct GapCurve {
    u: crate::precision::Precision,
    q1: nalgebra::DMatrix<f64>,
    /// The strength's parameter name and lower bound (the upper one is `MAX_STRENGTH`).
    name: &'static str,
    lo: f64,
}

impl GapCurve {
    /// The family of `process.drift` (its own strength is ignored: the family at strength 1).
    ///
    /// # Errors
    /// As [`crate::config::ProcessConfig::precision`] and [`crate::drift::Design::build`]; [`crate::error::Error::Param`]
    /// for a design without a strength (none, optimal).
    pub fn new(process: &crate::config::ProcessConfig) -> Result<Self> {
        use crate::drift::Design;
        let u = process.precision()?;
        let max = crate::drift::MAX_STRENGTH;
        let (unit, name, lo) = match &process.drift {
            Design::Scaled { weights, .. } => {
                (Design::Scaled { gamma: 1.0, weights: weights.clone() }, "drift.gamma", -max)
            }
            Design::Plane { .. } => (Design::Plane { q: 1.0 }, "drift.q", -max),
            Design::Random { seed, .. } => (Design::Random { norm: 1.0, seed: *seed }, "drift.norm", 0.0),
            other => {
                return Err(crate::error::Error::param(
                    "drift.design",
                    format!("{other:?}"),
                    "a family with a strength (scaled, plane or random)",
                ))
            }
        };
        let q1 = unit.build(&u)?;
        Ok(GapCurve { u, q1, name, lo })
    }

    /// g(s) = min Re λ((I + s Q₁)U).
    ///
    /// # Errors
    /// [`crate::error::Error::Param`] for s outside the design's range [−1000, 1000] ([0, 1000] for a norm).
    pub fn gap(&self, s: f64) -> Result<f64> {
        crate::error::check_range(self.name, s, self.lo, crate::drift::MAX_STRENGTH)?;
        let d = self.u.dim();
        let a = crate::linalg::mul(&(nalgebra::DMatrix::identity(d, d) + &self.q1 * s), self.u.matrix());
        let eig = crate::kernels::decompose::complex_eigenvalues(a);
        Ok(eig.iter().map(|z| z.re).fold(f64::INFINITY, f64::min))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gap_curve_matches_the_gap_of_each_built_process() {
        use crate::config::{PrecisionConfig, ProcessConfig};
        let base = |drift: Design| ProcessConfig {
            d: 6,
            precision: PrecisionConfig::LogSpaced { kappa: 50.0, basis_seed: Some(3) },
            drift,
        };
        let families = [
            (Design::Scaled { gamma: 0.0, weights: Weights::Linear }, vec![0.0, 0.5, 1.0, 3.0]),
            (Design::Plane { q: 0.0 }, vec![0.0, 0.7, 2.0]),
            (Design::Random { norm: 0.0, seed: 9 }, vec![0.0, 1.0, 4.0]),
        ];
        for (family, strengths) in families {
            let curve = GapCurve::new(&base(family.clone())).unwrap();
            for s in strengths {
                let design = match &family {
                    Design::Scaled { weights, .. } => Design::Scaled { gamma: s, weights: weights.clone() },
                    Design::Plane { .. } => Design::Plane { q: s },
                    Design::Random { seed, .. } => Design::Random { norm: s, seed: *seed },
                    _ => unreachable!(),
                };
                let exact = base(design).build().unwrap().spectral_gap();
                let g = curve.gap(s).unwrap();
                assert!((g - exact).abs() <= 1e-12 * exact.abs().max(1.0), "{family:?} at {s}: {g} vs {exact}");
            }
        }
        assert!(GapCurve::new(&base(Design::None)).is_err());
        let e = GapCurve::new(&base(Design::Scaled { gamma: 1.0, weights: Weights::Linear })).unwrap().gap(2000.0);
        assert!(e.unwrap_err().to_string().contains("drift.gamma"));
    }
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
