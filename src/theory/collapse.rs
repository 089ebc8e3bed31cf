//! Collapse theory (SCIENCE.md §8): the forward time t_C below which generation with the empirical score collapses
//! onto the training points, from the excess entropy f(t) = α − I_t/d with α = ln n / d (Biroli et al. 2024).
//!
//! For Gaussian data of covariance C and any drift A = (I+Q)U, the mutual information between a data point and its
//! noised version is I_t = ½ ln det(I + SNR(t)), SNR(t) = Σ_t^{−1/2} E_t C E_tᵀ Σ_t^{−1/2}, computed here as
//! ½[ln det(Σ_t + E_t C E_tᵀ) − ln det Σ_t] from two Cholesky factors (the same number, without a matrix square
//! root, and accurate at small t because Σ_t comes from [`OuProcess::transition`], which keeps full relative accuracy
//! as t → 0). f increases with t from −∞ to α, so t_C is its unique root.
//!
//! **Provenance.** The general-A formula is this project's derivation, consistent with Lu & Tang's "Mahalanobis
//! signal-to-noise spectrum" (arXiv 2602.15914); for U = I, Q = 0, C = σ² I it is Biroli's
//! t_C = ½ ln(1 + σ²/(n^{2/d} − 1)). Mixtures use their total covariance; the mixture's correction is O(1/d).

use nalgebra::DMatrix;

use crate::error::{check_count, Error, Result};
use crate::linalg::{cholesky, ln_det_chol, symmetrize};
use crate::process::OuProcess;
use crate::theory::covariance::check_covariance;
use crate::theory::grid::{ScanRange, MAX_TIME};
use crate::theory::modal::{Modal, ModalMoments};
use crate::theory::roots::brent;

/// Tolerance of t_C in ln t: relative 10⁻¹³ (near the rounding of ln t itself), so that two computations of t_C that
/// differ only by rounding of f agree to about 10⁻¹³; at most 10⁻¹⁰ absolute for t_C ≤ 1000.
pub const LN_T_TOL: f64 = 1e-13;

/// α = ln n / d, the training-set size per dimension on a log scale (n = e^{αd}).
///
/// ```
/// use diffusion_regimes::theory::collapse::alpha;
/// assert!((alpha(100, 2).unwrap() - 100f64.ln() / 2.0).abs() < 1e-15);
/// ```
///
/// # Errors
/// [`Error::Param`] for n < 2 (a single point has no collapse transition) or d = 0.
pub fn alpha(n: usize, d: usize) -> Result<f64> {
    check_count("n (training points)", n, 2, usize::MAX)?;
    check_count("d", d, 1, usize::MAX)?;
    Ok((n as f64).ln() / d as f64)
}

/// I_t = ½[ln det(Σ_t + E_t C E_tᵀ) − ln det Σ_t] from the time-t moments.
pub(crate) fn information_from_moments(noise_cov: &DMatrix<f64>, data_cov_t: &DMatrix<f64>) -> Result<f64> {
    let a = ln_det_chol(&cholesky(data_cov_t, "Σ_t + E_t C E_tᵀ (data covariance at time t)")?);
    let b = ln_det_chol(&cholesky(noise_cov, "Σ_t (noise covariance)")?);
    let i = 0.5 * (a - b);
    if i.is_finite() {
        // ln det(I + SNR) ≥ 0; a tiny negative value is rounding of two nearly equal determinants at large t.
        Ok(i.max(0.0))
    } else {
        Err(Error::numerical("mutual information", format!("ln det values {a}, {b}")))
    }
}

pub(crate) fn information_unchecked(process: &OuProcess, c: &DMatrix<f64>, t: f64) -> Result<f64> {
    let tr = process.transition(t);
    let e = &tr.propagator;
    let mut k = e * c * e.transpose() + &tr.noise_cov;
    symmetrize(&mut k);
    information_from_moments(&tr.noise_cov, &k)
}

fn check_time(t: f64) -> Result<f64> {
    if t.is_finite() && t > 0.0 && t <= MAX_TIME {
        Ok(t)
    } else {
        Err(Error::param("t", t, format!("a finite forward time in (0, {MAX_TIME:e}]")))
    }
}

/// The mutual information I_t (nats) between x₀ ~ N(0, C) and x_t = E_t x₀ + N(0, Σ_t):
/// I_t = ½ ln det(I + Σ_t^{−1/2} E_t C E_tᵀ Σ_t^{−1/2}) (SCIENCE.md §8; this project's derivation, consistent with
/// Lu–Tang). C may be singular (data on a subspace).
///
/// ```
/// use nalgebra::DMatrix;
/// use diffusion_regimes::{precision::Precision, process::OuProcess, theory::collapse::mutual_information};
/// // U = I, C = σ² I: I_t = (d/2) ln(1 + σ² e^{−2t}/Δ_t).
/// let p = OuProcess::reversible(Precision::scaled_identity(3, 1.0).unwrap());
/// let t = 0.7f64;
/// let delta = -(-2.0 * t).exp_m1();
/// let i = mutual_information(&p, &(DMatrix::identity(3, 3) * 2.0), t).unwrap();
/// assert!((i - 1.5 * (2.0 * (-2.0 * t).exp() / delta).ln_1p()).abs() < 1e-12);
/// ```
///
/// # Errors
/// [`Error::Param`] for t not in (0, 10⁴] or a C of the wrong size; [`Error::NotSpd`] for a C that is not symmetric
/// positive semidefinite.
pub fn mutual_information(process: &OuProcess, data_cov: &DMatrix<f64>, t: f64) -> Result<f64> {
    check_covariance("C (data covariance)", data_cov, process.dim())?;
    information_unchecked(process, data_cov, check_time(t)?)
}

/// The excess entropy per dimension f(t) = α − I_t/d, α = ln n / d (Biroli et al. 2024; SCIENCE.md §8). Collapse
/// for f < 0, generalization for f > 0.
///
/// ```
/// use nalgebra::DMatrix;
/// use diffusion_regimes::{precision::Precision, process::OuProcess, theory::collapse::{excess_entropy, collapse_time_biroli}};
/// let p = OuProcess::reversible(Precision::scaled_identity(8, 1.0).unwrap());
/// let tc = collapse_time_biroli(1.0, 1000, 8).unwrap();
/// assert!(excess_entropy(&p, &DMatrix::identity(8, 8), 1000, tc).unwrap().abs() < 1e-12);
/// ```
///
/// # Errors
/// As [`mutual_information`] and [`alpha`].
pub fn excess_entropy(process: &OuProcess, data_cov: &DMatrix<f64>, n: usize, t: f64) -> Result<f64> {
    let d = process.dim();
    let a = alpha(n, d)?;
    Ok(a - mutual_information(process, data_cov, t)? / d as f64)
}

/// t_C without validation of C (validated by the caller), with the drift's modal form when it has one (each Brent
/// step is then two O(d²) assemblies and two Cholesky factorizations, `modal.rs`) and direct transitions otherwise.
pub(crate) fn collapse_time_unchecked(
    process: &OuProcess,
    c: &DMatrix<f64>,
    n: usize,
    range: &ScanRange,
    modal: Option<&Modal>,
) -> Result<f64> {
    let d = process.dim() as f64;
    let a = alpha(n, process.dim())?;
    let mut mm = modal.map(|m| ModalMoments::new(m, None, Some(c)));
    let mut f = |u: f64| {
        let t = u.exp();
        let info = match mm.as_mut() {
            Some(mm) => mm.information(t)?,
            None => information_unchecked(process, c, t)?,
        };
        Ok(a - info / d)
    };
    let (ulo, uhi) = (range.t_min.ln(), range.t_max.ln());
    let (flo, fhi) = (f(ulo)?, f(uhi)?);
    if !(flo <= 0.0 && fhi >= 0.0) {
        // f increases from −∞ (t → 0) to α (t → ∞): no sign change means t_C lies outside the range.
        return Err(Error::NoTransition { what: "collapse".into(), t_min: range.t_min, t_max: range.t_max });
    }
    Ok(brent(f, ulo, uhi, flo, fhi, LN_T_TOL)?.exp())
}

/// The collapse time t_C: the root of f(t) = α − I_t/d (SCIENCE.md §8), by Brent's method in ln t on
/// [t_min, t_max] (f increases with t, so one bracket holds the unique root), to relative 10⁻¹³ in t.
/// `range.points` is not used (no scan is needed for a monotone criterion).
///
/// ```
/// use nalgebra::DMatrix;
/// use diffusion_regimes::{precision::Precision, process::OuProcess, theory::{grid::ScanRange, collapse::*}};
/// let p = OuProcess::reversible(Precision::scaled_identity(16, 1.0).unwrap());
/// let tc = collapse_time(&p, &DMatrix::identity(16, 16), 20000, &ScanRange::default()).unwrap();
/// assert!((tc - collapse_time_biroli(1.0, 20000, 16).unwrap()).abs() < 1e-10);
/// ```
///
/// # Errors
/// [`Error::NoTransition`] (`what = "collapse"`) when f does not change sign on [t_min, t_max]; otherwise as
/// [`mutual_information`], [`alpha`] and [`ScanRange::validate`].
pub fn collapse_time(process: &OuProcess, data_cov: &DMatrix<f64>, n: usize, range: &ScanRange) -> Result<f64> {
    range.validate()?;
    check_covariance("C (data covariance)", data_cov, process.dim())?;
    collapse_time_unchecked(process, data_cov, n, range, Modal::new(process).as_ref())
}

/// t_C for a training set given as an n×d matrix: the collapse time of its sample covariance with n its number of
/// rows (SCIENCE.md §4.4, §8).
///
/// # Errors
/// As [`crate::theory::covariance::sample_covariance`] and [`collapse_time`].
pub fn collapse_time_training_set(process: &OuProcess, training: &DMatrix<f64>, range: &ScanRange) -> Result<f64> {
    if training.ncols() != process.dim() {
        return Err(Error::param("training set columns", training.ncols(), format!("d = {}", process.dim())));
    }
    let c = crate::theory::covariance::sample_covariance(training)?;
    collapse_time(process, &c, training.nrows(), range)
}

/// Biroli's collapse time for U = I, Q = 0, C = σ² I: t_C = ½ ln(1 + σ²/(n^{2/d} − 1)) (Biroli et al. 2024;
/// SCIENCE.md §8), evaluated as ½ ln1p(σ²/expm1(2 ln n / d)) so that large d (n^{2/d} → 1) keeps full precision.
/// Check values σ = 1, n = 20000: d = 256 → 1.298790, d = 1024 → 1.977547, d = 4096 → 2.667074.
///
/// ```
/// use diffusion_regimes::theory::collapse::collapse_time_biroli;
/// assert!((collapse_time_biroli(1.0, 20000, 1024).unwrap() - 1.977547).abs() < 1e-6);
/// ```
///
/// # Errors
/// [`Error::Param`] for σ² not finite and > 0, n < 2 or d = 0.
pub fn collapse_time_biroli(sigma2: f64, n: usize, d: usize) -> Result<f64> {
    if !(sigma2.is_finite() && sigma2 > 0.0) {
        return Err(Error::param("sigma^2", sigma2, "a finite number > 0"));
    }
    let a = alpha(n, d)?;
    Ok(0.5 * (sigma2 / (2.0 * a).exp_m1()).ln_1p())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precision::Precision;

    #[test]
    fn biroli_check_values() {
        // SCIENCE.md §8 values are given to 6 decimals; the formula is evaluated to ~1e-15.
        for &(d, tc) in &[(256, 1.298790), (1024, 1.977547), (4096, 2.667074)] {
            let v = collapse_time_biroli(1.0, 20000, d).unwrap();
            assert!((v - tc).abs() < 1e-6, "d={d}: {v}");
        }
    }

    #[test]
    fn matrix_code_matches_biroli_and_small_t_is_accurate() {
        let d = 32;
        let p = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
        let c = DMatrix::identity(d, d) * 2.5;
        // I_t closed form (d/2) ln(1 + σ² e^{−2t}/Δ_t), down to t = 1e-8 where Σ_t = Δ_t I ≈ 2e-8 I.
        for &t in &[1e-8f64, 1e-3, 0.4, 3.0, 20.0] {
            let delta = -(-2.0 * t).exp_m1();
            let exact = 0.5 * d as f64 * (2.5 * (-2.0 * t).exp() / delta).ln_1p();
            let i = mutual_information(&p, &c, t).unwrap();
            // Relative 1e-12 from two Cholesky log-determinants of size ~d ln(1/t).
            assert!((i - exact).abs() < 1e-12 * exact.max(1e-3), "t={t}: {i} vs {exact}");
        }
        let tc = collapse_time(&p, &c, 20000, &ScanRange::default()).unwrap();
        assert!((tc - collapse_time_biroli(2.5, 20000, d).unwrap()).abs() < 1e-10);
    }

    #[test]
    fn no_transition_outside_range_and_bad_inputs() {
        let p = OuProcess::reversible(Precision::scaled_identity(4, 1.0).unwrap());
        let c = DMatrix::identity(4, 4);
        // t_C ≈ 0.5 for n = 20000 at d = 4; a range above it has no root.
        let e = collapse_time(&p, &c, 20000, &ScanRange::new(5.0, 10.0, 8).unwrap()).unwrap_err();
        assert!(matches!(e, Error::NoTransition { .. }), "{e}");
        assert!(collapse_time(&p, &c, 1, &ScanRange::default()).is_err());
        assert!(mutual_information(&p, &c, 0.0).is_err());
        assert!(mutual_information(&p, &DMatrix::identity(3, 3), 1.0).is_err());
        assert!(collapse_time_biroli(0.0, 10, 2).is_err());
    }
}
