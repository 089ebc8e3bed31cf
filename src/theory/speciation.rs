//! Speciation theory (SCIENCE.md §7): when, in forward time, the classes of a Gaussian mixture separate.
//!
//! Two classes ±μ with within-class covariance C₀ are, at forward time t, ½N(m_t, Γ_t) + ½N(−m_t, Γ_t) with
//! m_t = E_t μ and Γ_t = E_t C₀ E_tᵀ + Σ_t. The Landau expansion of −ln p_t at the symmetric point x = 0 gives the mass
//! matrix M̃(t) = Γ_t⁻¹ − Γ_t⁻¹ m_t m_tᵀ Γ_t⁻¹; speciation is λ_min(M̃(t_S)) = 0, equivalently s(t_S) = 1 with
//! s(t) = m_tᵀ Γ_t⁻¹ m_t, the Mahalanobis signal-to-noise ratio of the class separation. For k classes the criterion
//! is λ_max(Γ_t^{−1/2} B_t Γ_t^{−1/2}) = 1 with B_t = E_t B E_tᵀ, B = Σ_c w_c (μ_c − μ̄)(μ_c − μ̄)ᵀ; for two symmetric
//! classes B = μμᵀ and the criterion is s(t).
//!
//! **Provenance.** The matrix criterion for a general drift A = (I+Q)U is this project's derivation, consistent with
//! the criterion λ_min(M̃(t)) = 0 stated by Lu & Tang (arXiv 2602.15914); the papers' texts give the claim, not this
//! derivation. For U = I, Q = 0 it reduces to Biroli et al. (arXiv 2402.18491): t_S = ½ ln(|μ|² + 1 − σ²) ≈ ½ ln Λ.
//!
//! Every root of criterion(t) − 1 is found (scan on a graded logarithmic grid, then Brent to 10⁻¹⁰ in t) and t_S is
//! the largest one, the first met in generation, as SCIENCE.md §7 asks because non-normal A might make s(t) − 1
//! change sign several times. **Finding of this project:** in the models implemented here that cannot happen. With
//! dm/dt = −A m and dΓ/dt = −AΓ − ΓAᵀ + 2I, ds/dt = −2 |Γ_t⁻¹ m_t|² < 0 for every A (the two drift terms are the same
//! scalar and cancel), so s is strictly decreasing; the k-class criterion is a maximum of such s over directions of
//! the class means, hence non-increasing too. Two-class speciation therefore has exactly one root when s(0⁺) > 1.
//! Several roots would need class-dependent covariances or a different criterion; the scan is kept so that such an
//! extension is handled, and the tests check the identity for a strongly non-normal drift.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::error::{check_count, Error, Result};
use crate::linalg::{cholesky, symmetrize};
use crate::process::OuProcess;
use crate::theory::covariance::check_covariance;
use crate::theory::grid::{ScanRange, TimeGrid};
use crate::theory::marginals::propagate;
use crate::theory::modal::{Modal, ModalMoments};
use crate::theory::roots::roots_on_grid;

/// Absolute tolerance in t of every speciation root (SCIENCE.md §7: "bracketed root finding to 1e-10").
pub const ROOT_TOL: f64 = 1e-10;

/// Largest number of classes of a k-class model.
pub const MAX_CLASSES: usize = 64;

/// A Gaussian mixture with a shared within-class covariance C₀, reduced to what speciation needs: the between-class
/// covariance B = D Dᵀ through a factor D (d×r) and C₀ (SCIENCE.md §4.1–§4.2).
///
/// Two classes ±μ (weights ½) have D = μ (r = 1, B = μμᵀ); k classes have D = [√w_c (μ_c − μ̄)] (r = k).
#[derive(Clone, Debug)]
pub struct ClassModel {
    signal: DMatrix<f64>,
    within: DMatrix<f64>,
    two_class: bool,
}

impl ClassModel {
    /// The two-class mixture ½N(μ, C₀) + ½N(−μ, C₀).
    ///
    /// # Errors
    /// [`Error::Param`] for an empty or non-finite μ or a C₀ of the wrong size; [`Error::NotSpd`] for a C₀ that is not
    /// symmetric positive semidefinite.
    pub fn two_class(mu: &DVector<f64>, c0: &DMatrix<f64>) -> Result<Self> {
        let d = mu.len();
        check_count("d (length of mu)", d, 1, crate::precision::MAX_DIM)?;
        if mu.iter().any(|x| !x.is_finite()) {
            return Err(Error::param("mu", "a vector with non-finite entries", "finite entries"));
        }
        check_covariance("C0", c0, d)?;
        let mut within = c0.clone();
        symmetrize(&mut within);
        Ok(ClassModel { signal: DMatrix::from_column_slice(d, 1, mu.as_slice()), within, two_class: true })
    }

    /// The k-class mixture Σ_c w_c N(μ_c, C₀).
    ///
    /// # Errors
    /// [`Error::Param`] for fewer than 2 or more than 64 classes, means of different lengths or non-finite entries,
    /// weights that are not positive or do not sum to 1 within 10⁻⁹; [`Error::NotSpd`] for an invalid C₀.
    pub fn k_class(means: &[DVector<f64>], weights: &[f64], c0: &DMatrix<f64>) -> Result<Self> {
        let k = check_count("number of classes", means.len(), 2, MAX_CLASSES)?;
        if weights.len() != k {
            return Err(Error::param(
                "weights",
                format!("{} weights", weights.len()),
                format!("{k} weights, one per class"),
            ));
        }
        let d = means[0].len();
        check_count("d (length of the means)", d, 1, crate::precision::MAX_DIM)?;
        for (c, m) in means.iter().enumerate() {
            if m.len() != d || m.iter().any(|x| !x.is_finite()) {
                return Err(Error::param(
                    format!("means[{c}]"),
                    format!("length {}", m.len()),
                    format!("{d} finite entries"),
                ));
            }
        }
        for (c, &w) in weights.iter().enumerate() {
            if !(w.is_finite() && w > 0.0) {
                return Err(Error::param(format!("weights[{c}]"), w, "a finite number > 0"));
            }
        }
        let total: f64 = weights.iter().sum();
        if (total - 1.0).abs() > 1e-9 {
            return Err(Error::param("sum of weights", total, "1 (within 1e-9)"));
        }
        check_covariance("C0", c0, d)?;
        let mean_bar = means.iter().zip(weights).fold(DVector::zeros(d), |acc, (m, &w)| acc + m * w);
        let mut signal = DMatrix::zeros(d, k);
        for (c, (m, &w)) in means.iter().zip(weights).enumerate() {
            signal.set_column(c, &((m - &mean_bar) * w.sqrt()));
        }
        let mut within = c0.clone();
        symmetrize(&mut within);
        Ok(ClassModel { signal, within, two_class: false })
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.within.nrows()
    }

    /// The factor D of B = D Dᵀ (two classes: μ as a d×1 matrix).
    pub fn signal_factor(&self) -> &DMatrix<f64> {
        &self.signal
    }

    /// The within-class covariance C₀.
    pub fn within_cov(&self) -> &DMatrix<f64> {
        &self.within
    }

    /// Whether this is the symmetric two-class model (criterion = s(t)).
    pub fn is_two_class(&self) -> bool {
        self.two_class
    }

    /// The between-class covariance B = Σ_c w_c (μ_c − μ̄)(μ_c − μ̄)ᵀ (two classes: μμᵀ).
    pub fn between_cov(&self) -> DMatrix<f64> {
        &self.signal * self.signal.transpose()
    }

    /// The total covariance of the mixture C = C₀ + B (SCIENCE.md §4: the collapse theory uses it).
    pub fn total_cov(&self) -> DMatrix<f64> {
        let mut c = &self.within + self.between_cov();
        symmetrize(&mut c);
        c
    }
}

/// The speciation criterion from time-t moments: λ_max(Yᵀ Y) with Y = L⁻¹ E_t D and Γ_t = L Lᵀ, which has the
/// spectrum of Γ^{−1/2} B_t Γ^{−1/2} (the non-zero eigenvalues of Y Yᵀ and Yᵀ Y coincide). With r = 1 it is
/// ‖L⁻¹ m_t‖² = m_tᵀ Γ_t⁻¹ m_t = s(t), computed without forming an inverse.
pub(crate) fn criterion_from_moments(signal: &DMatrix<f64>, gamma: &DMatrix<f64>) -> Result<f64> {
    Ok(criterion_with_log_dets(signal, gamma)?.criterion)
}

/// The criterion with two by-products of the same factorization, which give the mixture's time-t log-determinant by
/// the matrix determinant lemma: ln det(Γ_t + B_t) = ln det Γ_t + ln det(I_r + YᵀY).
pub(crate) struct CriterionParts {
    /// λ_max(YᵀY) (s(t) for two classes).
    pub criterion: f64,
    /// ln det Γ_t.
    pub ln_det_gamma: f64,
    /// ln det(I_r + YᵀY) = Σ ln(1 + λ_i(YᵀY)).
    pub ln_det_lemma: f64,
}

pub(crate) fn criterion_with_log_dets(signal: &DMatrix<f64>, gamma: &DMatrix<f64>) -> Result<CriterionParts> {
    let chol = cholesky(gamma, "Γ_t (class covariance at time t)")?;
    let y = chol
        .l_dirty()
        .solve_lower_triangular(signal)
        .ok_or_else(|| Error::numerical("speciation criterion", "singular Cholesky factor of Γ_t"))?;
    let (criterion, ln_det_lemma) = if y.ncols() == 1 {
        let s = y.norm_squared();
        (s, s.ln_1p())
    } else {
        let eig = crate::kernels::decompose::symmetric_eigen(y.transpose() * &y);
        let lmax = eig.eigenvalues.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lmax, eig.eigenvalues.iter().map(|l| l.max(0.0).ln_1p()).sum())
    };
    if criterion.is_finite() {
        Ok(CriterionParts { criterion, ln_det_gamma: crate::linalg::ln_det_chol(&chol), ln_det_lemma })
    } else {
        Err(Error::numerical("speciation criterion", format!("value {criterion}")))
    }
}

/// Checks the dimension of a class model against a process, and t > 0.
fn check_model(process: &OuProcess, classes: &ClassModel) -> Result<()> {
    if classes.dim() != process.dim() {
        return Err(Error::param(
            "dimension of the class model",
            classes.dim(),
            format!("d = {} of the process", process.dim()),
        ));
    }
    Ok(())
}

fn check_time(t: f64) -> Result<f64> {
    if t.is_finite() && t > 0.0 && t <= crate::theory::grid::MAX_TIME {
        Ok(t)
    } else {
        Err(Error::param("t", t, format!("a finite forward time in (0, {:e}]", crate::theory::grid::MAX_TIME)))
    }
}

/// Criterion at one time by a direct transition (no validation; the caller validated).
pub(crate) fn criterion_at_unchecked(process: &OuProcess, classes: &ClassModel, t: f64) -> Result<f64> {
    let tr = process.transition(t);
    let e = &tr.propagator;
    let mut gamma = e * &classes.within * e.transpose() + &tr.noise_cov;
    symmetrize(&mut gamma);
    criterion_from_moments(&(e * &classes.signal), &gamma)
}

/// The speciation criterion at forward time t: λ_max(Γ_t^{−1/2} B_t Γ_t^{−1/2}), which is s(t) = m_tᵀ Γ_t⁻¹ m_t for
/// two classes (SCIENCE.md §7; this project's derivation, consistent with Lu–Tang).
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use diffusion_regimes::{precision::Precision, process::OuProcess, theory::speciation::{criterion, ClassModel}};
/// // U = I, C₀ = I: Γ_t = I, m_t = e^{−t} μ, so s(t) = |μ|² e^{−2t}.
/// let p = OuProcess::reversible(Precision::scaled_identity(4, 1.0).unwrap());
/// let classes = ClassModel::two_class(&DVector::from_element(4, 1.0), &DMatrix::identity(4, 4)).unwrap();
/// assert!((criterion(&p, &classes, 0.5).unwrap() - 4.0 * (-1f64).exp()).abs() < 1e-12);
/// ```
///
/// # Errors
/// [`Error::Param`] for t not in (0, 10⁴] or a class model of another dimension than the process.
pub fn criterion(process: &OuProcess, classes: &ClassModel, t: f64) -> Result<f64> {
    check_model(process, classes)?;
    criterion_at_unchecked(process, classes, check_time(t)?)
}

/// s(t) = m_tᵀ Γ_t⁻¹ m_t for two classes ±μ with within-class covariance C₀ (SCIENCE.md §7).
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use diffusion_regimes::{precision::Precision, process::OuProcess, theory::speciation::signal_to_noise};
/// let p = OuProcess::reversible(Precision::scaled_identity(2, 1.0).unwrap());
/// let s = signal_to_noise(&p, &DVector::from_vec(vec![3.0, 0.0]), &DMatrix::identity(2, 2), 1.0).unwrap();
/// assert!((s - 9.0 * (-2f64).exp()).abs() < 1e-12);
/// ```
///
/// # Errors
/// As [`ClassModel::two_class`] and [`criterion`].
pub fn signal_to_noise(process: &OuProcess, mu: &DVector<f64>, c0: &DMatrix<f64>, t: f64) -> Result<f64> {
    criterion(process, &ClassModel::two_class(mu, c0)?, t)
}

/// The mass matrix M̃(t) = Γ_t⁻¹ − Γ_t⁻¹ m_t m_tᵀ Γ_t⁻¹ of the Landau expansion of −ln p_t at x = 0 (SCIENCE.md §7;
/// Lu–Tang's criterion is λ_min(M̃(t_S)) = 0). Γ_t⁻¹ is applied through its Cholesky factor.
///
/// # Errors
/// As [`signal_to_noise`].
pub fn mass_matrix(process: &OuProcess, mu: &DVector<f64>, c0: &DMatrix<f64>, t: f64) -> Result<DMatrix<f64>> {
    let classes = ClassModel::two_class(mu, c0)?;
    check_model(process, &classes)?;
    let tr = process.transition(check_time(t)?);
    let e = &tr.propagator;
    let mut gamma = e * c0 * e.transpose() + &tr.noise_cov;
    symmetrize(&mut gamma);
    let chol = cholesky(&gamma, "Γ_t (class covariance at time t)")?;
    let d = mu.len();
    let gamma_inv = chol.solve(&DMatrix::identity(d, d));
    let g_m = chol.solve(&(e * mu));
    let mut m = gamma_inv - &g_m * g_m.transpose();
    symmetrize(&mut m);
    Ok(m)
}

/// λ_min(M̃(t)): negative exactly when s(t) > 1 (by Sylvester's law of inertia, M̃ = Γ^{−1/2}(I − v vᵀ)Γ^{−1/2}
/// with |v|² = s), zero at speciation.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use diffusion_regimes::{precision::Precision, process::OuProcess, theory::speciation::mass_matrix_min_eigenvalue};
/// let p = OuProcess::reversible(Precision::scaled_identity(3, 1.0).unwrap());
/// let mu = DVector::from_element(3, 1.0);
/// // s(t) = 3 e^{−2t} = 1 at t = ½ ln 3.
/// let l = mass_matrix_min_eigenvalue(&p, &mu, &DMatrix::identity(3, 3), 0.5 * 3f64.ln()).unwrap();
/// assert!(l.abs() < 1e-12);
/// ```
///
/// # Errors
/// As [`signal_to_noise`].
pub fn mass_matrix_min_eigenvalue(process: &OuProcess, mu: &DVector<f64>, c0: &DMatrix<f64>, t: f64) -> Result<f64> {
    let m = mass_matrix(process, mu, c0, t)?;
    Ok(crate::kernels::decompose::symmetric_eigen(m).eigenvalues.iter().copied().fold(f64::INFINITY, f64::min))
}

/// Every speciation time found in a range (SCIENCE.md §7).
#[derive(Clone, Debug, Serialize)]
pub struct Speciation {
    /// All roots of criterion(t) − 1 in [t_min, t_max], ascending, each to 10⁻¹⁰ in t.
    pub roots: Vec<f64>,
    /// t_S: the largest root, the first crossing met in generation.
    pub t_s: f64,
    /// The scan grid (forward times, ascending).
    pub scan_t: Vec<f64>,
    /// The criterion on the scan grid (s(t) for two classes).
    pub scan_value: Vec<f64>,
}

/// All roots of criterion(t) − 1 on [t_min, t_max] and t_S, the largest (SCIENCE.md §7).
///
/// The criterion is scanned on the graded logarithmic [`TimeGrid`] of `range` (moments propagated by exact semigroup
/// steps, see `marginals.rs`); each sign change is refined by Brent's method with direct transitions, to
/// [`ROOT_TOL`] in t. A tangency (criterion touching 1 without crossing) or two crossings closer than the grid
/// spacing are not resolved; refine `range.points` to look closer.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use diffusion_regimes::{precision::Precision, process::OuProcess};
/// use diffusion_regimes::theory::{grid::ScanRange, speciation::{speciation, ClassModel}};
/// // Biroli: U = I, |μ|² = d, σ = 1 gives t_S = ½ ln d.
/// let d = 16;
/// let p = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
/// let classes = ClassModel::two_class(&DVector::from_element(d, 1.0), &DMatrix::identity(d, d)).unwrap();
/// let sp = speciation(&p, &classes, &ScanRange::default()).unwrap();
/// assert!((sp.t_s - 0.5 * (d as f64).ln()).abs() < 1e-9);
/// ```
///
/// # Errors
/// [`Error::NoTransition`] (`what = "speciation"`) when the criterion does not cross 1 in the range;
/// [`Error::Param`] for an invalid range or mismatched dimensions; [`Error::NotSpd`]/[`Error::Numerical`] if Γ_t
/// cannot be factored.
pub fn speciation(process: &OuProcess, classes: &ClassModel, range: &ScanRange) -> Result<Speciation> {
    check_model(process, classes)?;
    range.validate()?;
    speciation_with(process, classes, range, Modal::new(process).as_ref())
}

/// [`speciation`] with the drift's modal form when it has one (validated inputs): every scan point and every Brent
/// step is then one O(d²) assembly and one Cholesky factorization (`modal.rs`); without it the scan propagates the
/// moments along the grid (`marginals.rs`) and Brent uses direct transitions.
pub(crate) fn speciation_with(
    process: &OuProcess,
    classes: &ClassModel,
    range: &ScanRange,
    modal: Option<&Modal>,
) -> Result<Speciation> {
    let grid = TimeGrid::graded(range.t_min, range.t_max, range.points)?;
    let mut scan_value = Vec::with_capacity(grid.times().len());
    let roots = match modal {
        Some(m) => {
            let mut mm = ModalMoments::new(m, Some((&classes.signal, &classes.within)), None);
            for &t in grid.times() {
                scan_value.push(mm.criterion(t)?.criterion);
            }
            let values: Vec<f64> = scan_value.iter().map(|v| v - 1.0).collect();
            roots_on_grid(|t| Ok(mm.criterion(t)?.criterion - 1.0), grid.times(), &values, ROOT_TOL)?
        }
        None => {
            propagate(process, &grid, &classes.signal, &classes.within, false, None, |_, m| {
                scan_value.push(criterion_from_moments(m.signal, m.class_cov)?);
                Ok(())
            })?;
            let values: Vec<f64> = scan_value.iter().map(|v| v - 1.0).collect();
            roots_on_grid(|t| Ok(criterion_at_unchecked(process, classes, t)? - 1.0), grid.times(), &values, ROOT_TOL)?
        }
    };
    let roots: Vec<f64> = roots.into_iter().filter(|&t| t >= range.t_min && t <= range.t_max).collect();
    let t_s = *roots.last().ok_or_else(|| Error::NoTransition {
        what: "speciation".into(),
        t_min: range.t_min,
        t_max: range.t_max,
    })?;
    Ok(Speciation { roots, t_s, scan_t: grid.times().to_vec(), scan_value })
}

/// s(t) in closed form for diagonal U = diag(u_k), C₀ = diag(c_k), Q = 0 (SCIENCE.md §7):
/// s(t) = Σ_k μ_k² e^{−2u_k t} / (c_k e^{−2u_k t} + (1 − e^{−2u_k t})/u_k).
/// Used to test the matrix code; 1 − e^{−x} is computed as −expm1(−x) so small t keeps full precision.
///
/// ```
/// use diffusion_regimes::theory::speciation::s_diagonal;
/// // u = 1, c = 1: s = μ² e^{−2t}.
/// assert!((s_diagonal(&[1.0], &[1.0], &[2.0], 0.5).unwrap() - 4.0 * (-1f64).exp()).abs() < 1e-15);
/// ```
///
/// # Errors
/// [`Error::Param`] for slices of different lengths, u_k ≤ 0, c_k < 0, non-finite entries, or t ≤ 0.
pub fn s_diagonal(u: &[f64], c0: &[f64], mu: &[f64], t: f64) -> Result<f64> {
    if u.len() != c0.len() || u.len() != mu.len() || u.is_empty() {
        return Err(Error::param(
            "lengths of u, c0, mu",
            format!("{}, {}, {}", u.len(), c0.len(), mu.len()),
            "equal and ≥ 1",
        ));
    }
    let t = check_time(t)?;
    let mut s = 0.0;
    for k in 0..u.len() {
        if !(u[k].is_finite() && u[k] > 0.0) {
            return Err(Error::param(format!("u[{k}]"), u[k], "a finite number > 0"));
        }
        if !(c0[k].is_finite() && c0[k] >= 0.0) {
            return Err(Error::param(format!("c0[{k}]"), c0[k], "a finite number ≥ 0"));
        }
        if !mu[k].is_finite() {
            return Err(Error::param(format!("mu[{k}]"), mu[k], "a finite number"));
        }
        let decay = (-2.0 * u[k] * t).exp();
        let noise = -(-2.0 * u[k] * t).exp_m1() / u[k];
        s += mu[k] * mu[k] * decay / (c0[k] * decay + noise);
    }
    Ok(s)
}

fn no_transition() -> Error {
    Error::NoTransition { what: "speciation".into(), t_min: 0.0, t_max: f64::INFINITY }
}

/// t_S for μ along one eigenvector of U (eigenvalue u), C₀ = σ² I, Q = 0 (SCIENCE.md §7):
/// t_S = ln(1 + u(|μ|² − σ²)) / (2u), the root of |μ|² e^{−2ut}/(σ² e^{−2ut} + (1 − e^{−2ut})/u) = 1.
///
/// ```
/// use diffusion_regimes::theory::speciation::t_s_eigenvector;
/// // u = 1 is Biroli's ½ ln(|μ|² + 1 − σ²).
/// assert!((t_s_eigenvector(1.0, 256.0, 1.0).unwrap() - 0.5 * 256f64.ln()).abs() < 1e-15);
/// ```
///
/// # Errors
/// [`Error::Param`] for u ≤ 0 or non-finite inputs; [`Error::NoTransition`] (range [0, ∞)) when |μ|² ≤ σ², since
/// then s(t) ≤ 1 at every t > 0.
pub fn t_s_eigenvector(u: f64, mu_sq: f64, sigma2: f64) -> Result<f64> {
    if !(u.is_finite() && u > 0.0) {
        return Err(Error::param("u", u, "a finite number > 0"));
    }
    if !(mu_sq.is_finite() && mu_sq >= 0.0) {
        return Err(Error::param("|mu|^2", mu_sq, "a finite number ≥ 0"));
    }
    if !(sigma2.is_finite() && sigma2 >= 0.0) {
        return Err(Error::param("sigma^2", sigma2, "a finite number ≥ 0"));
    }
    if mu_sq <= sigma2 {
        return Err(no_transition());
    }
    Ok((u * (mu_sq - sigma2)).ln_1p() / (2.0 * u))
}

/// Biroli's speciation time for U = I, Q = 0, C₀ = σ² I: t_S = ½ ln(|μ|² + 1 − σ²) (Biroli et al. 2024;
/// SCIENCE.md §7). For |μ|² = d, σ = 1: ½ ln d (d = 256: 2.772589).
///
/// ```
/// use diffusion_regimes::theory::speciation::t_s_biroli;
/// assert!((t_s_biroli(256.0, 1.0).unwrap() - 2.772589).abs() < 1e-6);
/// ```
///
/// # Errors
/// As [`t_s_eigenvector`] with u = 1.
pub fn t_s_biroli(mu_sq: f64, sigma2: f64) -> Result<f64> {
    t_s_eigenvector(1.0, mu_sq, sigma2)
}

/// The late-time approximation t_S ≈ ½ ln Λ, Λ the largest eigenvalue of the data covariance (Biroli et al. 2024;
/// SCIENCE.md §7). For the two-class Biroli model Λ = |μ|² + σ², so it differs from [`t_s_biroli`] by O(1/Λ).
///
/// ```
/// use diffusion_regimes::theory::speciation::t_s_late_time;
/// assert!((t_s_late_time(std::f64::consts::E.powi(2)).unwrap() - 1.0).abs() < 1e-15);
/// ```
///
/// # Errors
/// [`Error::Param`] for a non-finite Λ; [`Error::NoTransition`] (range [0, ∞)) for Λ ≤ 1 (no time with ½ ln Λ > 0).
pub fn t_s_late_time(lambda_max: f64) -> Result<f64> {
    if !lambda_max.is_finite() {
        return Err(Error::param("Lambda (largest eigenvalue of the data covariance)", lambda_max, "a finite number"));
    }
    if lambda_max <= 1.0 {
        return Err(no_transition());
    }
    Ok(0.5 * lambda_max.ln())
}
