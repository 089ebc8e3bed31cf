//! The entry points of the CLI and the page: one full theory evaluation ([`evaluate`]: t_S with all roots, t_C, the
//! relaxation rates and the curves φ(t), f(t)) and a sweep of it over one parameter ([`sweep`]).
//!
//! Edges: this file only orchestrates `speciation`, `collapse` and `cloning`; a transition missing in the range is
//! reported (`None` plus a message), not an error, so a sweep through a region without transition still returns
//! arrays. All result types are `serde::Serialize` and contain no NaN.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::error::{check_count, Error, Result};
use crate::linalg::{cholesky, ln_det_chol};
use crate::process::OuProcess;
use crate::theory::cloning::CloningQuadrature;
use crate::theory::collapse::{alpha, collapse_time_unchecked, information_from_moments};
use crate::theory::covariance::check_covariance;
use crate::theory::grid::{ScanRange, TimeGrid, MAX_POINTS, MIN_POINTS};
use crate::theory::marginals::propagate;
use crate::theory::modal::{Modal, ModalMoments};
use crate::theory::speciation::{criterion_with_log_dets, speciation_with, ClassModel};

/// The curves span [min(t_S, t_C)/10, 10·max(t_S, t_C)] (clipped to the scan range): a decade on each side shows
/// both plateaus of φ (½ and ~1) and f rising from negative to near α.
const CURVE_MARGIN: f64 = 10.0;

/// Largest number of values in one sweep (a work budget: each value is a full scan).
pub const MAX_SWEEP_VALUES: usize = 10_000;

/// Everything the theory needs about one configuration: the forward process, the class model (two classes ±μ or k
/// classes, with C₀), the total data covariance C used by the collapse theory, and the training-set size n.
#[derive(Clone, Debug)]
pub struct TheoryInput {
    process: OuProcess,
    classes: ClassModel,
    data_cov: DMatrix<f64>,
    n: usize,
    /// C = C₀ + B exactly (to 10⁻¹³ relative): the curves then get ln det(Σ_t + E_t C E_tᵀ) from the class covariance
    /// by the determinant lemma instead of carrying a third covariance.
    data_is_mixture: bool,
}

impl TheoryInput {
    /// A validated input. `data_cov` is the exact total covariance of a mixture (C₀ + B) or the sample covariance of a
    /// training set (SCIENCE.md §4, §8).
    ///
    /// # Errors
    /// [`Error::Param`] for mismatched dimensions or n < 2; [`Error::NotSpd`] for a C that is not symmetric positive
    /// semidefinite.
    pub fn new(process: OuProcess, classes: ClassModel, data_cov: DMatrix<f64>, n: usize) -> Result<Self> {
        let d = process.dim();
        if classes.dim() != d {
            return Err(Error::param("dimension of the class model", classes.dim(), format!("d = {d} of the process")));
        }
        check_covariance("C (data covariance)", &data_cov, d)?;
        check_count("n (training points)", n, 2, usize::MAX)?;
        let data_is_mixture = (&data_cov - classes.total_cov()).norm() <= 1e-13 * data_cov.norm();
        Ok(TheoryInput { process, classes, data_cov, n, data_is_mixture })
    }

    /// The two-class mixture ½N(μ, C₀) + ½N(−μ, C₀) with its exact total covariance C = C₀ + μμᵀ.
    ///
    /// # Errors
    /// As [`ClassModel::two_class`] and [`TheoryInput::new`].
    pub fn two_class(process: OuProcess, mu: &DVector<f64>, c0: &DMatrix<f64>, n: usize) -> Result<Self> {
        let classes = ClassModel::two_class(mu, c0)?;
        let c = classes.total_cov();
        Self::new(process, classes, c, n)
    }

    /// A mixture with its exact total covariance C = C₀ + B.
    ///
    /// # Errors
    /// As [`TheoryInput::new`].
    pub fn mixture(process: OuProcess, classes: ClassModel, n: usize) -> Result<Self> {
        let c = classes.total_cov();
        Self::new(process, classes, c, n)
    }

    /// The forward process.
    pub fn process(&self) -> &OuProcess {
        &self.process
    }

    /// The class model.
    pub fn classes(&self) -> &ClassModel {
        &self.classes
    }

    /// The total data covariance C.
    pub fn data_cov(&self) -> &DMatrix<f64> {
        &self.data_cov
    }

    /// The training-set size n.
    pub fn n(&self) -> usize {
        self.n
    }
}

/// Options of [`evaluate`] and [`sweep`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TheoryOptions {
    /// The range searched for t_S and t_C and the number of speciation scan points.
    pub scan: ScanRange,
    /// Number of points of the curves φ(t), f(t) (default 200).
    pub curve_points: usize,
}

impl Default for TheoryOptions {
    fn default() -> Self {
        TheoryOptions { scan: ScanRange::default(), curve_points: 200 }
    }
}

/// One full theory evaluation (SCIENCE.md §2, §7, §8), ready to serialize.
#[derive(Clone, Debug, Serialize)]
pub struct TheoryReport {
    /// Dimension d.
    pub d: usize,
    /// Training-set size n.
    pub n: usize,
    /// α = ln n / d.
    pub alpha: f64,
    /// Every root of the speciation criterion − 1 in the scan range, ascending (empty if none).
    pub speciation_roots: Vec<f64>,
    /// t_S, the largest root; `None` when there is none in the range (see `messages`).
    pub t_s: Option<f64>,
    /// t_C, the root of f; `None` when it is outside the range (see `messages`).
    pub t_c: Option<f64>,
    /// Spectral gap g(Q) = min Re eig(A).
    pub spectral_gap: f64,
    /// The bound τ = Tr U / d ≥ g(Q).
    pub trace_bound: f64,
    /// u_min, the reversible gap.
    pub u_min: f64,
    /// Curve times (forward time, ascending; graded logarithmic grid, see [`TimeGrid`]).
    pub curve_t: Vec<f64>,
    /// The speciation criterion on the curve (s(t) for two classes).
    pub curve_s: Vec<f64>,
    /// φ(t) = F(s(t)), the cloning probability; `None` for k > 2 classes (F is the two-class law).
    pub curve_phi: Option<Vec<f64>>,
    /// The excess entropy per dimension f(t) = α − I_t/d.
    pub curve_f: Vec<f64>,
    /// Why a transition is missing, if one is.
    pub messages: Vec<String>,
}

/// Speciation and collapse of one input, with non-fatal absences as messages.
struct Transitions {
    roots: Vec<f64>,
    t_s: Option<f64>,
    t_c: Option<f64>,
    messages: Vec<String>,
}

fn transitions(input: &TheoryInput, scan: &ScanRange, modal: Option<&Modal>) -> Result<Transitions> {
    let mut messages = Vec::new();
    let (roots, t_s) = match speciation_with(&input.process, &input.classes, scan, modal) {
        Ok(sp) => (sp.roots, Some(sp.t_s)),
        Err(e @ Error::NoTransition { .. }) => {
            messages.push(e.to_string());
            (Vec::new(), None)
        }
        Err(e) => return Err(e),
    };
    let t_c = match collapse_time_unchecked(&input.process, &input.data_cov, input.n, scan, modal) {
        Ok(t) => Some(t),
        Err(e @ Error::NoTransition { .. }) => {
            messages.push(e.to_string());
            None
        }
        Err(e) => return Err(e),
    };
    Ok(Transitions { roots, t_s, t_c, messages })
}

/// One full theory evaluation: all speciation roots and t_S (SCIENCE.md §7), t_C (§8), the spectral gap, τ and u_min
/// (§2), and the curves φ(t) = F(s(t)) and f(t) = α − I_t/d on `curve_points` points of a graded logarithmic grid
/// over [min(t_S, t_C)/10, 10·max(t_S, t_C)] ∩ [t_min, t_max] (the whole scan range when neither transition exists).
/// The curves share one propagation of the moments (m_t, Γ_t, Σ_t, E_t C E_tᵀ + Σ_t) along the grid.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use diffusion_regimes::{precision::Precision, process::OuProcess};
/// use diffusion_regimes::theory::sweep::{evaluate, TheoryInput, TheoryOptions};
/// let d = 16;
/// let p = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
/// let input = TheoryInput::two_class(p, &DVector::from_element(d, 1.0), &DMatrix::identity(d, d), 20000).unwrap();
/// let r = evaluate(&input, &TheoryOptions::default()).unwrap();
/// assert!((r.t_s.unwrap() - 0.5 * 16f64.ln()).abs() < 1e-9);
/// assert_eq!(r.curve_t.len(), 200);
/// ```
///
/// # Errors
/// [`Error::Param`] for invalid options; [`Error::NotSpd`]/[`Error::Numerical`] if a time-t covariance cannot be
/// factored. A missing transition is not an error.
pub fn evaluate(input: &TheoryInput, options: &TheoryOptions) -> Result<TheoryReport> {
    options.scan.validate()?;
    check_count("curve_points", options.curve_points, MIN_POINTS, MAX_POINTS)?;
    // The drift's eigen-decomposition, once: every time point below is then O(d²) plus Cholesky factorizations
    // (`modal.rs`); `None` (a nearly defective drift) takes the propagated moments and direct transitions.
    let modal = Modal::new(&input.process);
    let tr = transitions(input, &options.scan, modal.as_ref())?;
    let d = input.process.dim();
    let a = alpha(input.n, d)?;
    let found: Vec<f64> = tr.t_s.iter().chain(tr.t_c.iter()).copied().collect();
    let (mut lo, mut hi) = (options.scan.t_min, options.scan.t_max);
    if !found.is_empty() {
        let (tmin, tmax) = found.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &t| (a.min(t), b.max(t)));
        lo = (tmin / CURVE_MARGIN).max(options.scan.t_min);
        hi = (tmax * CURVE_MARGIN).min(options.scan.t_max);
        if hi <= lo {
            (lo, hi) = (options.scan.t_min, options.scan.t_max);
        }
    }
    let grid = TimeGrid::graded(lo, hi, options.curve_points)?;
    let two_class = input.classes.is_two_class();
    let npts = grid.times().len();
    let (mut curve_s, mut curve_f) = (Vec::with_capacity(npts), Vec::with_capacity(npts));
    let mut curve_phi = Vec::with_capacity(if two_class { npts } else { 0 });
    // For a mixture's own total covariance, ln det(Σ_t + E_t C E_tᵀ) = ln det Γ_t + ln det(I + YᵀY) (determinant
    // lemma, by-products of the speciation criterion), so only Γ_t and Σ_t are needed; a training set's sample
    // covariance is carried as a third covariance.
    let data = (!input.data_is_mixture).then_some(&input.data_cov);
    let mut cloning = CloningQuadrature::new();
    let mut push = |s: f64, info: f64| -> Result<()> {
        if two_class {
            curve_phi.push(cloning.probability(s)?);
        }
        curve_s.push(s);
        curve_f.push(a - info / d as f64);
        Ok(())
    };
    match modal.as_ref() {
        Some(m) => {
            let classes = (input.classes.signal_factor(), input.classes.within_cov());
            let mut mm = ModalMoments::new(m, Some(classes), data);
            for &t in grid.times() {
                let parts = mm.criterion(t)?;
                let info = match data {
                    Some(_) => mm.information(t)?,
                    // The basis constant 2 ln|det W| of both log-determinants cancels.
                    None => (0.5 * (parts.ln_det_gamma + parts.ln_det_lemma - mm.ln_det_noise(t)?)).max(0.0),
                };
                push(parts.criterion, info)?;
            }
        }
        None => {
            let (signal, within) = (input.classes.signal_factor(), input.classes.within_cov());
            propagate(&input.process, &grid, signal, within, true, data, |_, m| {
                let parts = criterion_with_log_dets(m.signal, m.class_cov)?;
                let noise = m.noise_cov.expect("Σ_t is carried");
                let info = match m.data_cov {
                    Some(k) => information_from_moments(noise, k)?,
                    None => {
                        let ln_det_noise = ln_det_chol(&cholesky(noise, "Σ_t (noise covariance)")?);
                        (0.5 * (parts.ln_det_gamma + parts.ln_det_lemma - ln_det_noise)).max(0.0)
                    }
                };
                push(parts.criterion, info)
            })?;
        }
    }
    // The spectral gap from the eigenvalues already at hand (the Schur form's: `OuProcess::spectral_gap`'s to rounding).
    let spectral_gap = match modal.as_ref() {
        Some(m) => m.eigenvalues().iter().map(|z| z.re).fold(f64::INFINITY, f64::min),
        None => input.process.spectral_gap(),
    };
    Ok(TheoryReport {
        d,
        n: input.n,
        alpha: a,
        speciation_roots: tr.roots,
        t_s: tr.t_s,
        t_c: tr.t_c,
        spectral_gap,
        trace_bound: input.process.trace_bound(),
        u_min: input.process.precision().u_min(),
        curve_t: grid.times().to_vec(),
        curve_s,
        curve_phi: two_class.then_some(curve_phi),
        curve_f,
        messages: tr.messages,
    })
}

/// A message about one value of a sweep: why a transition is missing or why the value failed.
#[derive(Clone, Debug, Serialize)]
pub struct SweepMessage {
    /// Index of the value.
    pub index: usize,
    /// The value.
    pub value: f64,
    /// What happened.
    pub message: String,
}

/// The theory along a parameter: one entry per value in every array (`None` where the quantity does not exist or the
/// value failed; the reason is in `messages`).
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    /// The parameter values, as given.
    pub values: Vec<f64>,
    /// All speciation roots per value (empty when none).
    pub speciation_roots: Vec<Vec<f64>>,
    /// t_S per value.
    pub t_s: Vec<Option<f64>>,
    /// t_C per value.
    pub t_c: Vec<Option<f64>>,
    /// Spectral gap g(Q) per value.
    pub spectral_gap: Vec<Option<f64>>,
    /// τ = Tr U / d per value.
    pub trace_bound: Vec<Option<f64>>,
    /// u_min per value.
    pub u_min: Vec<Option<f64>>,
    /// Messages, in order of the values.
    pub messages: Vec<SweepMessage>,
}

/// Sweeps the theory over `values`: for each, `build(value)` makes the input and the transitions (all speciation
/// roots, t_S, t_C), the spectral gap, τ and u_min are computed. A value whose input fails to build or whose
/// evaluation fails is recorded in `messages` and leaves `None`s; a missing transition likewise. Curves are not
/// computed (use [`evaluate`] for one value).
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use diffusion_regimes::{precision::Precision, process::OuProcess};
/// use diffusion_regimes::theory::{grid::ScanRange, sweep::{sweep, TheoryInput}};
/// // |μ|² = m² d with m from 0.5 to 2 at d = 4, σ = 1: no speciation while |μ|² ≤ 1.
/// let d = 4;
/// let s = sweep(&[0.4, 1.0, 2.0], |m| {
///     let p = OuProcess::reversible(Precision::scaled_identity(d, 1.0)?);
///     TheoryInput::two_class(p, &DVector::from_element(d, m), &DMatrix::identity(d, d), 1000)
/// }, &ScanRange::default()).unwrap();
/// assert!(s.t_s[0].is_none() && s.t_s[2].is_some());
/// assert_eq!(s.messages.len(), 1);
/// ```
///
/// # Errors
/// [`Error::Param`] for an invalid range, more than 10000 values, or a non-finite value.
pub fn sweep(values: &[f64], mut build: impl FnMut(f64) -> Result<TheoryInput>, scan: &ScanRange) -> Result<Sweep> {
    scan.validate()?;
    check_count("number of sweep values", values.len(), 0, MAX_SWEEP_VALUES)?;
    if let Some((k, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::param(format!("sweep value [{k}]"), v, "a finite number"));
    }
    let n = values.len();
    let mut out = Sweep {
        values: values.to_vec(),
        speciation_roots: vec![Vec::new(); n],
        t_s: vec![None; n],
        t_c: vec![None; n],
        spectral_gap: vec![None; n],
        trace_bound: vec![None; n],
        u_min: vec![None; n],
        messages: Vec::new(),
    };
    for (k, &v) in values.iter().enumerate() {
        let result = build(v).and_then(|input| {
            let tr = transitions(&input, scan, Modal::new(&input.process).as_ref())?;
            Ok((input, tr))
        });
        match result {
            Ok((input, tr)) => {
                out.speciation_roots[k] = tr.roots;
                out.t_s[k] = tr.t_s;
                out.t_c[k] = tr.t_c;
                out.spectral_gap[k] = Some(input.process.spectral_gap());
                out.trace_bound[k] = Some(input.process.trace_bound());
                out.u_min[k] = Some(input.process.precision().u_min());
                for m in tr.messages {
                    out.messages.push(SweepMessage { index: k, value: v, message: m });
                }
            }
            Err(e) => out.messages.push(SweepMessage { index: k, value: v, message: e.to_string() }),
        }
    }
    Ok(out)
}
