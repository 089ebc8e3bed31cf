//! The exact score of a Gaussian mixture pushed forward by the forward process (SCIENCE.md §5):
//! p_t = Σ_c w_c N(m_c, Γ_c), m_c = E_t μ_c, Γ_c = E_t C_c E_tᵀ + Σ_t, and
//! ∇ ln p_t(x) = −Σ_c r_c(x) Γ_c⁻¹ (x − m_c), with posteriors r_c computed by log-sum-exp.
//!
//! Three evaluation paths compute the same function, from the most general to the cheapest, chosen once at
//! construction:
//! - **general** (any weights, means, per-class covariances): per particle and class one forward and one back
//!   substitution with the Cholesky factor L_c of Γ_c (O(k d²)).
//! - **two classes ±m, equal weights, shared Γ**: r₊ − r₋ = tanh(½(ℓ₊ − ℓ₋)) = tanh(mᵀΓ⁻¹x), so
//!   S = −Γ⁻¹x + tanh(gᵀx) g with g = Γ⁻¹m: one batched product with Γ⁻¹ (O(d²), tiled).
//! - **Biroli** (additionally U = c·I, Q = 0, C₀ = σ² I): Γ_t = σ²e^{−2ct} + s_t is a scalar and
//!   S = −x/Γ_t + (m_t/Γ_t) tanh(m_t·x/Γ_t), m_t = e^{−ct} μ (Biroli et al. 2024; c = 1 is their process): O(d).

use nalgebra::{DMatrix, DVector};

use crate::data::mixture::Mixture;
use crate::data::DataModel;
use crate::error::{check_range, Error, Result};
use crate::isotropic::Isotropic;
use crate::kernels::dense::{cholesky_in_place, matvec, spd_inverse_from_cholesky};
use crate::kernels::{dot, dots, solve_lower, solve_upper};
use crate::linalg::{cholesky, ln_det_chol, symmetrize};
use crate::process::{OuProcess, PropagatorCache};
use crate::random::Stream;
use crate::score::Score;

/// Which formula evaluates the score (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MixturePath {
    /// Posterior-weighted sum over classes with Cholesky solves.
    General,
    /// S = −Γ⁻¹x + tanh(gᵀx) g for ½N(m, Γ) + ½N(−m, Γ).
    TwoClassShared,
    /// Biroli's scalar form for U = c·I, Q = 0, C₀ = σ² I.
    Biroli,
}

/// Per-class data at the prepared time (general path).
#[derive(Clone, Debug)]
struct ClassAtTime {
    /// m_c(t), or with a shared covariance a_c = L⁻¹ m_c(t).
    mean: Vec<f64>,
    /// Cholesky factor L_c of Γ_c, row-major (empty with a shared covariance: [`MixtureScore::shared_l`]).
    l: Vec<f64>,
    /// Rows of L_cᵀ (empty with a shared covariance).
    lt: Vec<f64>,
    /// ln w_c − ½ ln det Γ_c (the common −(d/2) ln 2π cancels in the posteriors).
    log_weight: f64,
}

/// Buffers of the allocation-free preparation of the two-class path: E_t from a [`PropagatorCache`], then
/// Γ_t = U⁻¹ + E_t (C₀ − U⁻¹) E_tᵀ, its Cholesky factor and inverse, m_t = E_t μ, all in place.
#[derive(Clone, Debug)]
struct SharedPrep {
    cache: PropagatorCache,
    /// C₀ − U⁻¹, row-major.
    shift: Vec<f64>,
    gamma: Vec<f64>,
    w: Vec<f64>,
    mean_t: Vec<f64>,
}

/// The exact mixture score with per-time data prepared once for all particles.
#[derive(Clone, Debug)]
pub struct MixtureScore {
    process: OuProcess,
    data: Mixture,
    path: MixturePath,
    iso: Option<Isotropic>,
    t: Option<f64>,
    // Biroli path: S = −x·inv_gamma + a tanh(a μ·x) μ.
    mu: Vec<f64>,
    inv_gamma: f64,
    a: f64,
    /// σ² of C₀ = σ² I (Biroli path), found once: checking all d² entries of C₀ every step cost 20% of W1.
    s2: f64,
    // Two-class path: Γ⁻¹ (row-major, symmetric) and g = Γ⁻¹ m_t.
    gamma_inv: Vec<f64>,
    g: Vec<f64>,
    // Two-class path, allocation-free preparation (built at the first `prepare`).
    shared: Option<Box<SharedPrep>>,
    // General path.
    classes: Vec<ClassAtTime>,
    /// General path with one covariance Γ_t for every class (k classes with a shared C₀): its factor L (row-major)
    /// and the rows of Lᵀ.
    shared_l: Option<(Vec<f64>, Vec<f64>)>,
    diff: Vec<f64>,
    z: Vec<f64>,
    v: Vec<f64>,
    logits: Vec<f64>,
}

/// Row-major copy of a matrix (nalgebra is column-major, so this is the transpose's storage).
pub(crate) fn rows_of(m: &DMatrix<f64>) -> Vec<f64> {
    m.transpose().as_slice().to_vec()
}

impl MixtureScore {
    /// The score of `data` (a mixture at time 0) under `process`, on the cheapest exact path that applies.
    ///
    /// ```
    /// use diffusion_regimes::{data::mixture::{MeanDirection, Mixture}, precision::Precision, process::OuProcess};
    /// use diffusion_regimes::score::{mixture::{MixturePath, MixtureScore}, Score};
    /// let p = OuProcess::reversible(Precision::scaled_identity(2, 1.0).unwrap());
    /// let m = Mixture::two_class_isotropic(2, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
    /// let mut s = MixtureScore::new(&p, &m).unwrap();
    /// assert_eq!(s.path(), MixturePath::Biroli);
    /// // With σ = 1 and U = I, Γ_t = 1: at x = 0 the score vanishes by symmetry.
    /// s.prepare(0.7).unwrap();
    /// let mut out = [1.0; 2];
    /// s.evaluate(&[0.0, 0.0], &mut out);
    /// assert_eq!(out, [0.0, 0.0]);
    /// ```
    ///
    /// # Errors
    /// [`Error::Param`] when the process and the data have different dimensions.
    pub fn new(process: &OuProcess, data: &Mixture) -> Result<Self> {
        Self::with_path(process, data, None)
    }

    /// As [`MixtureScore::new`], forcing a path (to test the fast paths against the general one).
    ///
    /// # Errors
    /// [`Error::Param`] for mismatched dimensions or a forced path that does not apply to this data and process.
    pub fn with_path(process: &OuProcess, data: &Mixture, path: Option<MixturePath>) -> Result<Self> {
        let d = data.dim();
        if process.dim() != d {
            return Err(Error::param("process dimension", process.dim(), format!("the data dimension {d}")));
        }
        let iso = Isotropic::of(process);
        let two = data.symmetric_two_class_mean().cloned();
        let biroli_ok = iso.is_some() && two.is_some() && data.isotropic_variance().is_some();
        let best = if biroli_ok {
            MixturePath::Biroli
        } else if two.is_some() {
            MixturePath::TwoClassShared
        } else {
            MixturePath::General
        };
        let path = match path {
            None => best,
            Some(MixturePath::General) => MixturePath::General,
            Some(MixturePath::TwoClassShared) if two.is_some() => MixturePath::TwoClassShared,
            Some(MixturePath::Biroli) if biroli_ok => MixturePath::Biroli,
            Some(p) => {
                return Err(Error::param("score path", format!("{p:?}"), format!("a path that applies ({best:?})")))
            }
        };
        let k = data.n_classes();
        Ok(MixtureScore {
            process: process.clone(),
            data: data.clone(),
            path,
            iso,
            t: None,
            mu: two.map(|m| m.as_slice().to_vec()).unwrap_or_default(),
            inv_gamma: 0.0,
            a: 0.0,
            s2: data.isotropic_variance().unwrap_or(f64::NAN),
            gamma_inv: Vec::new(),
            g: Vec::new(),
            shared: None,
            classes: Vec::new(),
            shared_l: None,
            diff: vec![0.0; d],
            z: vec![0.0; d],
            v: vec![0.0; k * d],
            logits: vec![0.0; k],
        })
    }

    /// The evaluation path in use.
    pub fn path(&self) -> MixturePath {
        self.path
    }

    /// The data at time 0.
    pub fn data(&self) -> &Mixture {
        &self.data
    }

    /// The two-class preparation without allocation (after the first call): Γ_t⁻¹ and g = Γ_t⁻¹ E_t μ into
    /// `gamma_inv` and `g`. Returns `Ok(false)` at small t (t‖A‖₁ < 0.5), where Σ_t needs Van Loan's block form and
    /// the caller takes the allocating path.
    fn prepare_shared_in_place(&mut self, t: f64) -> Result<bool> {
        self.build_shared();
        self.prepare_shared_at(t)
    }

    /// The propagator cache, C₀ − U⁻¹ and the buffers of the two-class path, made on first use.
    fn build_shared(&mut self) {
        let d = self.dim();
        if self.shared.is_none() {
            let cache = PropagatorCache::new(&self.process);
            let c0 = self.data.cov(0);
            let mut shift = vec![0.0; d * d];
            for i in 0..d {
                for j in 0..d {
                    shift[i * d + j] = c0[(i, j)] - cache.stationary_cov()[i * d + j];
                }
            }
            let z = vec![0.0; d * d];
            self.shared =
                Some(Box::new(SharedPrep { cache, shift, gamma: z.clone(), w: z.clone(), mean_t: vec![0.0; d] }));
            self.gamma_inv = z;
            self.g = vec![0.0; d];
        }
    }

    /// Γ_t and m_t of the two-class path into the caller's buffers ([`Score::two_class_moments`]): from the
    /// propagator cache (no allocation) where it is accurate, else from the process's transition (Van Loan's form).
    fn two_class_moments_into(&mut self, t: f64, gamma: &mut [f64], mean: &mut [f64]) -> Result<()> {
        check_range("t", t, 0.0, f64::MAX)?;
        let d = self.dim();
        assert!(gamma.len() == d * d && mean.len() == d, "two_class_moments: buffers of d² and d");
        self.build_shared();
        let sp = self.shared.as_mut().expect("built above");
        if sp.cache.accurate_at(t) {
            let e = sp.cache.propagator_at(t);
            matvec(e, &self.mu, mean);
            sp.cache.sandwich_plus_stationary(&sp.shift, gamma);
        } else {
            let (means, covs) = self.data.push_forward(&self.process.transition(t));
            gamma.copy_from_slice(&rows_of(&covs[0]));
            mean.copy_from_slice(means[0].as_slice());
        }
        Ok(())
    }

    /// The body of `prepare_shared_in_place`, the shared data built.
    fn prepare_shared_at(&mut self, t: f64) -> Result<bool> {
        let d = self.dim();
        let sp = self.shared.as_mut().expect("built by the caller");
        if !sp.cache.accurate_at(t) {
            return Ok(false);
        }
        let e = sp.cache.propagator_at(t);
        matvec(e, &self.mu, &mut sp.mean_t);
        sp.cache.sandwich_plus_stationary(&sp.shift, &mut sp.gamma);
        if !cholesky_in_place(&mut sp.gamma, d) {
            return Err(Error::NotSpd {
                name: "Γ_t".into(),
                reason: format!("the Cholesky factorization failed at t = {t}"),
            });
        }
        spd_inverse_from_cholesky(&sp.gamma, d, &mut sp.w, &mut self.gamma_inv);
        matvec(&self.gamma_inv, &sp.mean_t, &mut self.g);
        Ok(true)
    }

    /// Biroli's Γ_t = σ² e^{−2ct} + (1 − e^{−2ct})/c, m_t = e^{−ct} μ as (1/Γ_t, e^{−ct}/Γ_t).
    fn biroli_scalars(&self, t: f64) -> Result<(f64, f64)> {
        let iso = self.iso.expect("Biroli path has an isotropic process");
        let s2 = self.s2;
        assert!(s2.is_finite(), "Biroli path has C0 = σ² I");
        let e = iso.decay(t);
        let gamma = s2 * e * e + iso.noise_var(t);
        if gamma <= 0.0 {
            return Err(Error::NotSpd { name: "Γ_t".into(), reason: format!("Γ_t = {gamma} at t = {t}") });
        }
        Ok((1.0 / gamma, e / gamma))
    }
}

impl Score for MixtureScore {
    fn dim(&self) -> usize {
        self.data.dim()
    }

    fn prepare(&mut self, t: f64) -> Result<()> {
        check_range("t", t, 0.0, f64::MAX)?;
        if self.t == Some(t) {
            return Ok(());
        }
        self.t = None;
        match self.path {
            MixturePath::Biroli => {
                (self.inv_gamma, self.a) = self.biroli_scalars(t)?;
            }
            MixturePath::TwoClassShared => {
                if self.prepare_shared_in_place(t)? {
                    self.t = Some(t);
                    return Ok(());
                }
                let (means, covs) = self.data.push_forward(&self.process.transition(t));
                let chol = cholesky(&covs[0], "Γ_t")?;
                let mut gi = chol.inverse();
                symmetrize(&mut gi);
                self.g = (&gi * &means[0]).as_slice().to_vec();
                self.gamma_inv = rows_of(&gi);
            }
            MixturePath::General => {
                let (means, covs) = self.data.push_forward(&self.process.transition(t));
                let chols = covs.iter().map(|c| cholesky(c, "Γ_c(t)")).collect::<Result<Vec<_>>>()?;
                let weights = self.data.weights();
                if let [ch] = &chols[..] {
                    // One covariance: z_c = L⁻¹(x − m_c) = L⁻¹x − a_c with a_c = L⁻¹ m_c made here once, so a particle
                    // needs one forward and one back substitution whatever the number of classes.
                    let l = ch.l();
                    let rows = rows_of(&l);
                    let ln_det = ln_det_chol(ch);
                    self.classes = means
                        .iter()
                        .zip(weights)
                        .map(|(m, w)| {
                            let mut a = vec![0.0; m.len()];
                            solve_lower(&rows, m.as_slice(), &mut a);
                            ClassAtTime {
                                mean: a,
                                l: Vec::new(),
                                lt: Vec::new(),
                                log_weight: libm::log(*w) - 0.5 * ln_det,
                            }
                        })
                        .collect();
                    self.shared_l = Some((rows, l.as_slice().to_vec()));
                } else {
                    self.shared_l = None;
                    self.classes = (0..self.data.n_classes())
                        .map(|c| {
                            let ch = &chols[c];
                            let l = ch.l();
                            ClassAtTime {
                                mean: means[c].as_slice().to_vec(),
                                l: rows_of(&l),
                                lt: l.as_slice().to_vec(),
                                log_weight: libm::log(weights[c]) - 0.5 * ln_det_chol(ch),
                            }
                        })
                        .collect();
                }
            }
        }
        self.t = Some(t);
        Ok(())
    }

    fn prepared_time(&self) -> Option<f64> {
        self.t
    }

    fn evaluate(&mut self, x: &[f64], out: &mut [f64]) {
        assert!(self.t.is_some(), "MixtureScore::evaluate before prepare");
        let d = self.dim();
        assert!(x.len() % d == 0 && out.len() == x.len(), "evaluate: particle-major buffers of equal length");
        match self.path {
            MixturePath::Biroli => {
                crate::kernels::rows::biroli_score(x, &self.mu, self.a, self.inv_gamma, out);
            }
            MixturePath::TwoClassShared => {
                dots(x, &self.gamma_inv, d, out, d);
                crate::kernels::rows::two_class_score_finish(x, &self.g, out);
            }
            MixturePath::General => {
                if let Some((l, lt)) = &self.shared_l {
                    // S = −Γ⁻¹ Σ_c π_c (x − m_c) = −L⁻ᵀ Σ_c π_c z_c with z_c = L⁻¹x − a_c and posteriors
                    // π_c ∝ w_c e^{−|z_c|²/2}.
                    for (xp, op) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
                        solve_lower(l, xp, &mut self.z);
                        for (c, cl) in self.classes.iter().enumerate() {
                            let zc = &mut self.v[c * d..(c + 1) * d];
                            for ((zi, yi), ai) in zc.iter_mut().zip(&self.z).zip(&cl.mean) {
                                *zi = yi - ai;
                            }
                            self.logits[c] = cl.log_weight - 0.5 * dot(zc, zc);
                        }
                        negative_posterior_sum(&mut self.logits, &self.v, &mut self.diff);
                        solve_upper(lt, &self.diff, op);
                    }
                    return;
                }
                for (xp, op) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
                    for (c, cl) in self.classes.iter().enumerate() {
                        for ((df, xi), mi) in self.diff.iter_mut().zip(xp).zip(&cl.mean) {
                            *df = xi - mi;
                        }
                        solve_lower(&cl.l, &self.diff, &mut self.z);
                        self.logits[c] = cl.log_weight - 0.5 * dot(&self.z, &self.z);
                        solve_upper(&cl.lt, &self.z, &mut self.v[c * d..(c + 1) * d]);
                    }
                    negative_posterior_sum(&mut self.logits, &self.v, op);
                }
            }
        }
    }

    fn two_class_form(&self) -> Option<(&[f64], &[f64])> {
        (self.path == MixturePath::TwoClassShared && self.t.is_some()).then_some((&self.gamma_inv[..], &self.g[..]))
    }

    fn two_class_moments(&mut self, t: f64, gamma: &mut [f64], mean: &mut [f64]) -> Option<Result<()>> {
        (self.path == MixturePath::TwoClassShared).then(|| self.two_class_moments_into(t, gamma, mean))
    }

    fn sample_marginal(&mut self, t: f64, rngs: &mut [Stream], x: &mut [f64]) -> Result<()> {
        check_range("t", t, 0.0, f64::MAX)?;
        let d = self.dim();
        assert_eq!(x.len(), rngs.len() * d, "sample_marginal: one row per stream");
        if self.path == MixturePath::Biroli {
            // Scalar push-forward: ±e^{−ct}μ + √Γ_t z, avoiding d×d work for large d.
            let (ig, a) = self.biroli_scalars(t)?;
            let (sd, e) = ((1.0 / ig).sqrt(), a / ig);
            let w0 = self.data.weights()[0];
            for (rng, row) in rngs.iter_mut().zip(x.chunks_exact_mut(d)) {
                let sign = if rng.uniform() < w0 { 1.0 } else { -1.0 };
                rng.fill_normal(row);
                for (xi, mi) in row.iter_mut().zip(&self.mu) {
                    *xi = sign * e * mi + sd * *xi;
                }
            }
            return Ok(());
        }
        let at_t = self.data.at_time(&self.process, t)?;
        let mut scratch = Vec::new();
        for (rng, row) in rngs.iter_mut().zip(x.chunks_exact_mut(d)) {
            at_t.sample_point(rng, &mut scratch, row);
        }
        Ok(())
    }
}

/// `out ← −Σ_c π_c v_c` with posteriors π = softmax(logits) (the logits are overwritten by e^{l − max}) and v_c the
/// rows of `v`, one per class: the general mixture score's last step, per class (v_c = Γ_c⁻¹(x − m_c)) or shared
/// (v_c = z_c, before the back substitution).
fn negative_posterior_sum(logits: &mut [f64], v: &[f64], out: &mut [f64]) {
    let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for l in logits.iter_mut() {
        *l = libm::exp(*l - max);
        total += *l;
    }
    out.fill(0.0);
    for (r, vc) in logits.iter().zip(v.chunks_exact(out.len())) {
        let w = -r / total;
        for (o, vi) in out.iter_mut().zip(vc) {
            *o += w * vi;
        }
    }
}

/// The mixture score at a single point, allocating: a convenience for tests and measurements outside hot loops.
///
/// # Errors
/// As [`Score::prepare`].
pub fn score_at(score: &mut MixtureScore, t: f64, x: &DVector<f64>) -> Result<DVector<f64>> {
    score.prepare(t)?;
    let mut out = vec![0.0; x.len()];
    score.evaluate(x.as_slice(), &mut out);
    Ok(DVector::from_vec(out))
}
