//! The cloning probability (SCIENCE.md §7): the chance that two copies of a generation trajectory, split at forward
//! time t and run to 0 with independent noise, end in the same class, φ(t) = F(s(t)).
//!
//! With the exact score the posterior log-odds ℓ = 2 m_tᵀ Γ_t⁻¹ x is N(±2s, 4s) under the two classes, and each copy
//! ends in class + with probability σ(ℓ), so F(s) = E_{ℓ ~ N(2s, 4s)}[σ(ℓ)² + σ(−ℓ)²] (Biroli et al. 2024 for U = I;
//! for a general drift this is this project's derivation, consistent with Lu–Tang). Edges: F only; s(t) comes from
//! `speciation.rs`.

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};
use crate::process::OuProcess;
use crate::theory::speciation::{criterion_at_unchecked, ClassModel};
#[cfg(test)]
use regimes_kernels::quadrature::sech2;
use regimes_kernels::quadrature::{sech2_expectation, DensityTable};

/// Half-width of the z-interval of the cloning integral: the standard normal density at 14 is 1.6·10⁻⁴³, far below the
/// 10⁻⁶ accuracy asked of F.
const Z_MAX: f64 = 14.0;

/// Initial panels of the adaptive integration: 28 panels of width 1, whose Simpson samples (refined to quarter
/// panels by the first error check) resolve the peak of sech² at z = −√s of width ~1/√s. The peak carries weight
/// ~e^{−s/2}, so it matters to 10⁻⁸ only for s ≲ 35, where its width is ≳ 0.17.
const PANELS: usize = 28;

/// Absolute tolerance of the integral: F is asked to 10⁻⁶; 10⁻¹⁰ keeps a margin for curves and differences.
const QUAD_TOL: f64 = 1e-10;

/// F(s) = E_{ℓ ~ N(2s, 4s)}[σ(ℓ)² + σ(−ℓ)²], the cloning probability at signal-to-noise s (SCIENCE.md §7).
///
/// Computed as F = 1 − ½ E_z[sech²(s + √s z)], z ~ N(0, 1) (since σ(ℓ)² + σ(−ℓ)² = 1 − ½ sech²(ℓ/2)), by adaptive
/// Simpson quadrature in z to 10⁻¹⁰ absolute. Limits: F(0) = ½ (the classes are not separated: a fair coin for each
/// copy), F → 1 as s → ∞. Reference values: F(0.25) = 0.6020, F(0.5) = 0.6751, F(1) = 0.7752, F(2) = 0.8845,
/// F(4) = 0.9657; F(1) is the cloning probability at t_S for any drift. For many values of s (a curve), a
/// [`CloningQuadrature`] gives the same numbers faster.
///
/// ```
/// use diffusion_regimes::theory::cloning::cloning_probability;
/// assert!((cloning_probability(1.0).unwrap() - 0.7752).abs() < 1e-4);
/// assert_eq!(cloning_probability(0.0).unwrap(), 0.5);
/// ```
///
/// # Errors
/// [`Error::Param`] for s < 0 or NaN (s = +∞ gives 1).
pub fn cloning_probability(s: f64) -> Result<f64> {
    cloning_with(s, None)
}

/// F(s) of [`cloning_probability`], the density read from `table` where it has the node (the same bits as computing
/// it: [`regimes_kernels::quadrature::sech2_expectation`]).
fn cloning_with(s: f64, table: Option<DensityTable<'_>>) -> Result<f64> {
    if s.is_nan() || s < 0.0 {
        return Err(Error::param("s (signal-to-noise)", s, "a number ≥ 0"));
    }
    if s == 0.0 {
        return Ok(0.5);
    }
    if s.is_infinite() {
        return Ok(1.0);
    }
    let deficit =
        sech2_expectation(s, Z_MAX, PANELS, QUAD_TOL, table).map_err(|m| Error::numerical("adaptive quadrature", m))?;
    Ok((1.0 - 0.5 * deficit).clamp(0.5, 1.0))
}

/// Nodes per unit of z kept by [`CloningQuadrature`]: the adaptive quadrature's nodes are dyadic (28 unit panels on
/// [−14, 14], halved as needed), and along a theory curve they are at most 2⁻⁹ apart (measured at d = 64, κ = 100);
/// finer nodes are computed directly.
const TABLE_SCALE: f64 = 1024.0;

/// [`cloning_probability`] for many values of s, with the same numbers: every F(s) integrates against the standard
/// normal density at the same dyadic nodes z (about 1000 samples per value, from a few thousand distinct nodes along a
/// 200-point curve), so the density is computed once per node, when first needed, and kept in a table indexed by
/// (z + 14)·1024; the sech² factor, which depends on s, is computed every time. Build one per curve: the table is
/// filled from nothing by the F(s) values asked of it.
///
/// ```
/// use diffusion_regimes::theory::cloning::{cloning_probability, CloningQuadrature};
/// let mut q = CloningQuadrature::new();
/// for s in [0.3, 1.0, 7.5] {
///     assert_eq!(q.probability(s).unwrap(), cloning_probability(s).unwrap());
/// }
/// ```
#[derive(Clone, Debug)]
pub struct CloningQuadrature {
    /// The density at z = −14 + j/1024, NaN until computed.
    table: Vec<f64>,
}

impl Default for CloningQuadrature {
    fn default() -> Self {
        Self::new()
    }
}

impl CloningQuadrature {
    /// An empty table.
    pub fn new() -> Self {
        CloningQuadrature { table: vec![f64::NAN; (2.0 * Z_MAX * TABLE_SCALE) as usize + 1] }
    }

    /// F(s), bit for bit as [`cloning_probability`].
    ///
    /// # Errors
    /// As [`cloning_probability`].
    pub fn probability(&mut self, s: f64) -> Result<f64> {
        cloning_with(s, Some(DensityTable { values: &mut self.table, z_max: Z_MAX, scale: TABLE_SCALE }))
    }
}

/// The theory curve φ(t) = F(s(t)) of the cloning experiment at the forward times `ts`, for two classes ±μ with
/// within-class covariance C₀ (SCIENCE.md §7, §9.1). Each point costs one transition; [`crate::theory::sweep::evaluate`]
/// computes the same curve with the moments shared along a grid.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use diffusion_regimes::{precision::Precision, process::OuProcess, theory::cloning::cloning_curve};
/// let p = OuProcess::reversible(Precision::scaled_identity(3, 1.0).unwrap());
/// let phi = cloning_curve(&p, &DVector::from_element(3, 1.0), &DMatrix::identity(3, 3), &[0.5 * 3f64.ln()]).unwrap();
/// assert!((phi[0] - 0.7752).abs() < 1e-4); // s = 3e^{−2t} = 1 here
/// ```
///
/// # Errors
/// As [`crate::theory::speciation::signal_to_noise`] for each time.
pub fn cloning_curve(process: &OuProcess, mu: &DVector<f64>, c0: &DMatrix<f64>, ts: &[f64]) -> Result<Vec<f64>> {
    let classes = ClassModel::two_class(mu, c0)?;
    // Validate dimension and times through the public criterion once, then evaluate without re-validating C₀.
    if let Some(&t) = ts.first() {
        crate::theory::speciation::criterion(process, &classes, t)?;
    }
    let mut quadrature = CloningQuadrature::new();
    ts.iter()
        .map(|&t| {
            if !(t.is_finite() && t > 0.0 && t <= crate::theory::grid::MAX_TIME) {
                return Err(Error::param("t", t, "a finite forward time in (0, 1e4]"));
            }
            quadrature.probability(criterion_at_unchecked(process, &classes, t)?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values_of_science_md() {
        // SCIENCE.md §7 gives four decimals; the quadrature is accurate to 1e-10, so 1e-4 is the rounding of the table.
        for &(s, f) in &[(0.25, 0.6020), (0.5, 0.6751), (1.0, 0.7752), (2.0, 0.8845), (4.0, 0.9657)] {
            let v = cloning_probability(s).unwrap();
            assert!((v - f).abs() < 1e-4, "F({s}) = {v}, expected {f}");
        }
    }

    #[test]
    fn agrees_with_gauss_hermite_and_limits() {
        // For moderate s the integrand is smooth in z and a 200-node Gauss–Hermite rule is accurate to ~1e-10:
        // an independent check of the adaptive quadrature to 1e-8.
        let gh = crate::theory::quadrature::GaussHermite::new(200).unwrap();
        for &s in &[0.01f64, 0.3, 1.7, 6.0] {
            let reference = 1.0 - 0.5 * gh.expect(|z| sech2(s + s.sqrt() * z));
            assert!((cloning_probability(s).unwrap() - reference).abs() < 1e-8, "s={s}");
        }
        // s → 0: F = ½ + O(s); at s = 1e-12 the deviation is below 1e-11.
        assert!((cloning_probability(1e-12).unwrap() - 0.5).abs() < 1e-11);
        // Large s: the exponent −z²/2 − 2|s + √s z| of the integrand peaks at z = −√s with value −s/2, so
        // 1 − F = O(e^{−s/2}); at s = 200 that is e^{−100}.
        assert!((1.0 - cloning_probability(200.0).unwrap()) < 1e-12);
        assert!(cloning_probability(-1.0).is_err() && cloning_probability(f64::NAN).is_err());
        // Monotone increasing on a grid.
        let vals: Vec<f64> = (0..100).map(|k| cloning_probability(k as f64 * 0.1).unwrap()).collect();
        assert!(vals.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn the_tabled_density_gives_the_same_bits() {
        // One table across many s (small, moderate, large, whose nodes crowd near z = −√s), in a scrambled order.
        let mut q = CloningQuadrature::new();
        for k in 0..400 {
            let s = 1e-6 * 1.06f64.powi((k * 37) % 400);
            assert_eq!(q.probability(s).unwrap().to_bits(), cloning_probability(s).unwrap().to_bits(), "s={s}");
        }
        assert!(q.table.iter().any(|v| !v.is_nan()));
        assert!(q.probability(-1.0).is_err());
    }
}
