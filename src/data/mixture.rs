//! Gaussian mixtures at time 0 (SCIENCE.md §4.1–4.2): Σ_c w_c N(μ_c, C_c) with shared or per-class covariances, their
//! exact total covariance, exact sampling, and their exact push-forward to time t under the forward process (§2).
//!
//! Covariances may be singular (C₀ = V Vᵀ of a linear manifold, or C = 0): they are validated as symmetric positive
//! *semi*-definite and sampled through their symmetric square root, which exists in that case where Cholesky does not.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::data::DataModel;
use crate::error::{check_count, check_range, Error, Result};
use crate::linalg::{asymmetry, cholesky, ln_det_chol, sym_apply, symmetrize};
use crate::precision::{Precision, MAX_DIM};
use crate::process::{OuProcess, Transition};
use crate::random::{stream, Purpose, Stream};

/// Largest number of classes of a mixture model (the empirical score, a mixture of n points, has its own type).
pub const MAX_CLASSES: usize = 256;

/// Largest |m̃| and σ accepted: far beyond anything meaningful (|μ|² = d m̃² with m̃ = 1 is Biroli's setting), but small
/// enough that squares stay far from overflow.
pub const MAX_SCALE: f64 = 1e3;

/// Relative tolerance on negative eigenvalues of a covariance: −1e-12 ‖C‖ is rounding, anything below is an error.
const PSD_TOL: f64 = 1e-12;

/// Direction of the class mean μ of the two-class model (SCIENCE.md §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum MeanDirection {
    /// (1, …, 1)/√d: Biroli's choice.
    Ones,
    /// e_s, the eigenvector of U with the smallest eigenvalue (slowest relaxing direction).
    Slowest,
    /// e_f, the eigenvector of U with the largest eigenvalue (fastest relaxing direction).
    Fastest,
    /// A seeded uniformly random unit vector (normalized Gaussian vector from `stream(seed, Matrix, 1)`).
    Random {
        /// Seed of the direction.
        seed: u64,
    },
}

impl MeanDirection {
    /// The unit vector of this direction in dimension d.
    ///
    /// ```
    /// use diffusion_regimes::data::mixture::MeanDirection;
    /// let v = MeanDirection::Ones.unit_vector(4, None).unwrap();
    /// assert!((v[0] - 0.5).abs() < 1e-15);
    /// ```
    ///
    /// # Errors
    /// [`Error::Param`] for d outside [1, 4096], for `Slowest`/`Fastest` without a precision, or a precision of
    /// another dimension.
    pub fn unit_vector(&self, d: usize, precision: Option<&Precision>) -> Result<DVector<f64>> {
        check_count("d", d, 1, MAX_DIM)?;
        let from_u = |fastest: bool| -> Result<DVector<f64>> {
            let p = precision.ok_or_else(|| {
                Error::param("mean direction", format!("{self:?}"), "a precision U to take its eigenvector from")
            })?;
            if p.dim() != d {
                return Err(Error::param("precision dimension", p.dim(), format!("d = {d}")));
            }
            Ok(if fastest { p.fastest() } else { p.slowest() })
        };
        match self {
            MeanDirection::Ones => Ok(DVector::from_element(d, 1.0 / (d as f64).sqrt())),
            MeanDirection::Slowest => from_u(false),
            MeanDirection::Fastest => from_u(true),
            MeanDirection::Random { seed } => {
                let mut s = stream(*seed, Purpose::Matrix, 1);
                let v = DVector::from_fn(d, |_, _| s.normal());
                Ok(&v / v.norm())
            }
        }
    }
}

/// Within-class covariances of a mixture.
#[derive(Clone, Debug, PartialEq)]
pub enum ClassCovariance {
    /// One covariance C₀ for every class.
    Shared(DMatrix<f64>),
    /// One covariance per class.
    PerClass(Vec<DMatrix<f64>>),
}

/// A Gaussian mixture Σ_c w_c N(μ_c, C_c) (SCIENCE.md §4.1–4.2), validated, with sampling factors.
#[derive(Clone, Debug)]
pub struct Mixture {
    weights: Vec<f64>,
    means: Vec<DVector<f64>>,
    covs: ClassCovariance,
    /// Symmetric square roots C_c^{1/2} (one when shared), used for sampling.
    roots: Vec<DMatrix<f64>>,
}

/// Checks that `c` is a finite symmetric positive semidefinite d×d matrix and returns its symmetric square root.
fn validate_cov(c: &DMatrix<f64>, d: usize, name: &str) -> Result<DMatrix<f64>> {
    if c.nrows() != d || c.ncols() != d {
        return Err(Error::param(name, format!("{}×{}", c.nrows(), c.ncols()), format!("a {d}×{d} matrix")));
    }
    if c.iter().any(|x| !x.is_finite()) {
        return Err(Error::NotSpd { name: name.into(), reason: "it has non-finite entries".into() });
    }
    if asymmetry(c) > PSD_TOL {
        return Err(Error::NotSpd { name: name.into(), reason: "it is not symmetric".into() });
    }
    let d_rows = c.nrows();
    if (0..d_rows).all(|i| (0..d_rows).all(|j| i == j || c[(i, j)] == 0.0)) {
        // Diagonal (σ² I, the default): the square root is entry-wise, and an O(d³) eigensolver at d = 4096 would
        // take most of a minute for nothing.
        if let Some(k) = (0..d_rows).find(|&k| c[(k, k)] < 0.0) {
            return Err(Error::NotSpd { name: name.into(), reason: format!("its diagonal entry {k} is negative") });
        }
        return Ok(DMatrix::from_diagonal(&c.diagonal().map(f64::sqrt)));
    }
    let mut c = c.clone();
    symmetrize(&mut c);
    let eig = crate::kernels::decompose::symmetric_eigen(c);
    let top = eig.eigenvalues.iter().cloned().fold(0.0, f64::max);
    let low = eig.eigenvalues.iter().cloned().fold(f64::INFINITY, f64::min);
    if low < -PSD_TOL * top.max(1.0) {
        return Err(Error::NotSpd {
            name: name.into(),
            reason: format!("it has the negative eigenvalue {low:e} (a covariance must be positive semidefinite)"),
        });
    }
    Ok(sym_apply(&eig, |l| l.max(0.0).sqrt()))
}

impl Mixture {
    /// A mixture from weights (normalized here to sum 1), means and covariances.
    ///
    /// # Errors
    /// [`Error::Param`] for a class count outside [1, 256], a weight that is not finite and positive, means of
    /// different or out-of-range dimension, non-finite means, or a wrong number of per-class covariances;
    /// [`Error::NotSpd`] for a covariance that is not symmetric positive semidefinite.
    pub fn new(weights: Vec<f64>, means: Vec<DVector<f64>>, covs: ClassCovariance) -> Result<Self> {
        let k = check_count("number of classes", means.len(), 1, MAX_CLASSES)?;
        if weights.len() != k {
            return Err(Error::param("weights", format!("{} weights", weights.len()), format!("{k} weights")));
        }
        for (c, &w) in weights.iter().enumerate() {
            if !(w.is_finite() && w > 0.0) {
                return Err(Error::param(format!("weights[{c}]"), w, "a finite positive number"));
            }
        }
        let d = check_count("d", means[0].len(), 1, MAX_DIM)?;
        for (c, m) in means.iter().enumerate() {
            if m.len() != d {
                return Err(Error::param(format!("means[{c}] dimension"), m.len(), format!("d = {d}")));
            }
            if m.iter().any(|x| !x.is_finite()) {
                return Err(Error::param(format!("means[{c}]"), "a vector with non-finite entries", "finite entries"));
            }
        }
        let roots = match &covs {
            ClassCovariance::Shared(c0) => vec![validate_cov(c0, d, "C0")?],
            ClassCovariance::PerClass(cs) => {
                if cs.len() != k {
                    return Err(Error::param("covariances", cs.len(), format!("{k} per-class covariances")));
                }
                cs.iter().enumerate().map(|(c, m)| validate_cov(m, d, &format!("C[{c}]"))).collect::<Result<_>>()?
            }
        };
        let total: f64 = weights.iter().sum();
        let weights = weights.iter().map(|w| w / total).collect();
        Ok(Mixture { weights, means, covs, roots })
    }

    /// Biroli's two-class model ½ N(μ, C₀) + ½ N(−μ, C₀) (SCIENCE.md §4.1). Class 0 has mean +μ, class 1 has −μ.
    ///
    /// # Errors
    /// As [`Mixture::new`].
    pub fn two_class(mean: DVector<f64>, c0: DMatrix<f64>) -> Result<Self> {
        let neg = -&mean;
        Self::new(vec![0.5, 0.5], vec![mean, neg], ClassCovariance::Shared(c0))
    }

    /// The default two-class model: C₀ = σ² I, |μ|² = d m̃², μ along `direction` (SCIENCE.md §4.1).
    /// `precision` is needed only for the `Slowest`/`Fastest` directions.
    ///
    /// ```
    /// use diffusion_regimes::data::mixture::{MeanDirection, Mixture};
    /// let m = Mixture::two_class_isotropic(16, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
    /// assert!((m.means()[0].norm_squared() - 16.0).abs() < 1e-12);
    /// // Total covariance: C₀ + μμᵀ, so its trace is d σ² + |μ|² = 32.
    /// assert!((m.total_covariance().trace() - 32.0).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    /// [`Error::Param`] for d outside [1, 4096], m̃ or σ not finite in [0, 1000], or a direction that needs a missing
    /// precision.
    pub fn two_class_isotropic(
        d: usize,
        m_tilde: f64,
        sigma: f64,
        direction: MeanDirection,
        precision: Option<&Precision>,
    ) -> Result<Self> {
        check_range("m_tilde", m_tilde, 0.0, MAX_SCALE)?;
        check_range("sigma", sigma, 0.0, MAX_SCALE)?;
        let u = direction.unit_vector(d, precision)?;
        Self::two_class(u * (m_tilde * (d as f64).sqrt()), DMatrix::identity(d, d) * (sigma * sigma))
    }

    /// A k-class mixture with a shared within-class covariance C₀ (SCIENCE.md §4.2).
    ///
    /// # Errors
    /// As [`Mixture::new`].
    pub fn k_class(weights: Vec<f64>, means: Vec<DVector<f64>>, c0: DMatrix<f64>) -> Result<Self> {
        Self::new(weights, means, ClassCovariance::Shared(c0))
    }

    /// A single Gaussian N(mean, cov): the "single-Gaussian data" of the generation check (SCIENCE.md §6).
    ///
    /// # Errors
    /// As [`Mixture::new`].
    pub fn gaussian(mean: DVector<f64>, cov: DMatrix<f64>) -> Result<Self> {
        Self::new(vec![1.0], vec![mean], ClassCovariance::Shared(cov))
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.means[0].len()
    }

    /// Number of classes k.
    pub fn n_classes(&self) -> usize {
        self.means.len()
    }

    /// Weights w_c (sum 1).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Means μ_c.
    pub fn means(&self) -> &[DVector<f64>] {
        &self.means
    }

    /// The covariances as given.
    pub fn covariances(&self) -> &ClassCovariance {
        &self.covs
    }

    /// C_c, the covariance of class c.
    pub fn cov(&self, c: usize) -> &DMatrix<f64> {
        match &self.covs {
            ClassCovariance::Shared(m) => m,
            ClassCovariance::PerClass(v) => &v[c],
        }
    }

    /// `Some(m)` when this is a symmetric two-class model ½N(m, C) + ½N(−m, C) with a shared C, the case of the fast
    /// score S = −Γ⁻¹x + tanh(gᵀx) g (SCIENCE.md §5, §7).
    pub fn symmetric_two_class_mean(&self) -> Option<&DVector<f64>> {
        let shared = matches!(self.covs, ClassCovariance::Shared(_));
        let pm = self.means.len() == 2 && self.means[0].iter().zip(self.means[1].iter()).all(|(a, b)| *a == -*b);
        (shared && pm && self.weights[0] == self.weights[1]).then(|| &self.means[0])
    }

    /// `Some(σ²)` when the within-class covariance is shared and equal to σ² I.
    pub fn isotropic_variance(&self) -> Option<f64> {
        match &self.covs {
            ClassCovariance::Shared(c) => {
                let s2 = c[(0, 0)];
                let d = c.nrows();
                let ok = (0..d).all(|i| (0..d).all(|j| c[(i, j)] == if i == j { s2 } else { 0.0 }));
                ok.then_some(s2)
            }
            ClassCovariance::PerClass(_) => None,
        }
    }

    /// The exact total covariance Σ_c w_c (C_c + μ_c μ_cᵀ) − μ̄ μ̄ᵀ, μ̄ = Σ_c w_c μ_c (SCIENCE.md §4: used by the
    /// collapse theory).
    pub fn total_covariance(&self) -> DMatrix<f64> {
        let d = self.dim();
        let mean = self.mean();
        let mut c = DMatrix::zeros(d, d);
        for (k, (w, m)) in self.weights.iter().zip(&self.means).enumerate() {
            c += (self.cov(k) + m * m.transpose()) * *w;
        }
        c -= &mean * mean.transpose();
        symmetrize(&mut c);
        c
    }

    /// The mean μ̄ = Σ_c w_c μ_c.
    pub fn mean(&self) -> DVector<f64> {
        let mut m = DVector::zeros(self.dim());
        for (w, mu) in self.weights.iter().zip(&self.means) {
            m.axpy(*w, mu, 1.0);
        }
        m
    }

    /// The law of x_t: Σ_c w_c N(E_t μ_c, E_t C_c E_tᵀ + Σ_t) (SCIENCE.md §2, §5), with one transition computed for all
    /// classes. At t = 0 it is the mixture itself.
    ///
    /// # Errors
    /// [`Error::Param`] for t not finite and ≥ 0 or a process of another dimension.
    pub fn at_time(&self, process: &OuProcess, t: f64) -> Result<Mixture> {
        check_range("t", t, 0.0, f64::MAX)?;
        if process.dim() != self.dim() {
            return Err(Error::param("process dimension", process.dim(), format!("the data dimension {}", self.dim())));
        }
        let (means, covs) = self.push_forward(&process.transition(t));
        let covs = match &self.covs {
            ClassCovariance::Shared(_) => ClassCovariance::Shared(covs.into_iter().next().expect("one shared cov")),
            ClassCovariance::PerClass(_) => ClassCovariance::PerClass(covs),
        };
        Mixture::new(self.weights.clone(), means, covs)
    }

    /// The component means m_c = E_t μ_c and covariances Γ_c = E_t C_c E_tᵀ + Σ_t for a given transition (one
    /// covariance when shared), without validation: the per-step preparation of the exact score.
    pub fn push_forward(&self, tr: &Transition) -> (Vec<DVector<f64>>, Vec<DMatrix<f64>>) {
        let e = &tr.propagator;
        let push = |c: &DMatrix<f64>| {
            let mut g = e * c * e.transpose() + &tr.noise_cov;
            symmetrize(&mut g);
            g
        };
        let means = self.means.iter().map(|m| e * m).collect();
        let covs = match &self.covs {
            ClassCovariance::Shared(c) => vec![push(c)],
            ClassCovariance::PerClass(cs) => cs.iter().map(push).collect(),
        };
        (means, covs)
    }

    /// The log-density ln Σ_c w_c N(x; μ_c, C_c), by log-sum-exp over classes. Used to check scores against finite
    /// differences and by the entropy measurements.
    ///
    /// ```
    /// use nalgebra::{DMatrix, DVector};
    /// use diffusion_regimes::data::mixture::Mixture;
    /// let g = Mixture::gaussian(DVector::zeros(1), DMatrix::identity(1, 1)).unwrap();
    /// let x = DVector::from_vec(vec![1.0]);
    /// assert!((g.log_density(&x).unwrap() + 0.5 + 0.5 * std::f64::consts::TAU.ln()).abs() < 1e-15);
    /// ```
    ///
    /// # Errors
    /// [`Error::NotSpd`] when a covariance is singular (the density does not exist).
    pub fn log_density(&self, x: &DVector<f64>) -> Result<f64> {
        let d = self.dim() as f64;
        let mut terms = Vec::with_capacity(self.n_classes());
        for (c, (w, m)) in self.weights.iter().zip(&self.means).enumerate() {
            let chol = cholesky(self.cov(c), "class covariance")?;
            let z = chol.l().solve_lower_triangular(&(x - m)).expect("Cholesky factor has a positive diagonal");
            terms.push(w.ln() - 0.5 * (d * std::f64::consts::TAU.ln() + ln_det_chol(&chol)) - 0.5 * z.norm_squared());
        }
        let max = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        Ok(max + terms.iter().map(|l| (l - max).exp()).sum::<f64>().ln())
    }

    /// Draws `n` points with labels (class indices) into a training set; point i uses `stream(seed, Data, i)`.
    ///
    /// # Errors
    /// As [`crate::data::training_set::TrainingSet::draw`].
    pub fn sample(&self, n: usize, seed: u64) -> Result<crate::data::training_set::TrainingSet> {
        crate::data::training_set::TrainingSet::draw(self, n, seed)
    }

    /// The class drawn by a uniform variate u ∈ (0, 1): the first c with u < w_0 + … + w_c.
    fn class_of(&self, u: f64) -> usize {
        let mut acc = 0.0;
        for (c, w) in self.weights.iter().enumerate() {
            acc += w;
            if u < acc {
                return c;
            }
        }
        self.weights.len() - 1
    }
}

impl DataModel for Mixture {
    fn dim(&self) -> usize {
        Mixture::dim(self)
    }

    /// One uniform picks the class, then x = μ_c + C_c^{1/2} z with z ~ N(0, I_d).
    fn sample_point(&self, rng: &mut Stream, scratch: &mut Vec<f64>, out: &mut [f64]) -> u32 {
        let d = Mixture::dim(self);
        assert_eq!(out.len(), d, "sample_point: output of length d");
        let c = self.class_of(rng.uniform());
        scratch.resize(d, 0.0);
        rng.fill_normal(scratch);
        let root = &self.roots[if self.roots.len() == 1 { 0 } else { c }];
        for (i, o) in out.iter_mut().enumerate() {
            // Row i of the symmetric root is its column i: contiguous in nalgebra's column-major storage.
            let col = root.column(i);
            *o = self.means[c][i] + col.iter().zip(scratch.iter()).map(|(a, z)| a * z).sum::<f64>();
        }
        c as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_parameter() {
        let e = Mixture::two_class_isotropic(0, 1.0, 1.0, MeanDirection::Ones, None).unwrap_err();
        assert!(e.to_string().contains("invalid d = 0"), "{e}");
        let e = Mixture::two_class_isotropic(4, 1.0, -1.0, MeanDirection::Ones, None).unwrap_err();
        assert!(e.to_string().contains("sigma"), "{e}");
        let e = Mixture::two_class_isotropic(4, 1.0, 1.0, MeanDirection::Fastest, None).unwrap_err();
        assert!(e.to_string().contains("precision"), "{e}");
        let bad = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]);
        assert!(matches!(Mixture::gaussian(DVector::zeros(2), bad), Err(Error::NotSpd { .. })));
        let e = Mixture::k_class(vec![1.0, 0.0], vec![DVector::zeros(2); 2], DMatrix::identity(2, 2)).unwrap_err();
        assert!(e.to_string().contains("weights[1]"), "{e}");
    }

    #[test]
    fn directions_follow_u() {
        let p = Precision::log_spaced(5, 10.0, Some(4)).unwrap();
        let m = Mixture::two_class_isotropic(5, 2.0, 0.5, MeanDirection::Fastest, Some(&p)).unwrap();
        let mu = &m.means()[0];
        assert!((mu.norm_squared() - 5.0 * 4.0).abs() < 1e-10);
        assert!((p.matrix() * mu - mu * p.u_max()).norm() < 1e-9);
        assert_eq!(m.symmetric_two_class_mean(), Some(mu));
        assert_eq!(m.isotropic_variance(), Some(0.25));
    }

    #[test]
    fn sample_moments_match_total_covariance() {
        // Three classes with a singular shared covariance. Sample covariance of n = 40000 points: each entry has a
        // standard error ≤ sqrt((C_ii C_jj + C_ij²)/n) ≤ sqrt(2/n)·max C_ii ≈ 0.007·max C_ii; allow 5 s.e.
        let means = vec![DVector::from_vec(vec![1.0, 0.0]), DVector::from_vec(vec![-1.0, 2.0]), DVector::zeros(2)];
        let c0 = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        let m = Mixture::k_class(vec![1.0, 2.0, 1.0], means, c0).unwrap();
        let ts = m.sample(40_000, 9).unwrap();
        let c = m.total_covariance();
        let s = ts.sample_covariance();
        let scale = c.diagonal().max();
        assert!((&s - &c).amax() < 5.0 * (2.0f64 / 40_000.0).sqrt() * scale, "{s} vs {c}");
    }
}
