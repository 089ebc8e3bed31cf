//! Collapse theory for data on a manifold (GVM, SCIENCE.md §4.3 and §8): latent z ∈ R^p, p = βd, and
//! x = φ(F z/√p), with n = e^{αd} training points, under Biroli's process (U = I, Q = 0).
//!
//! **Normalizations (they change t_C a lot).**
//! - *orthonormal* embedding: F = √p·V with V a d×p matrix of orthonormal columns, so F z/√p = V z has unit variance
//!   on a p-dimensional subspace and zero variance off it. For φ = identity, I_t/d = (β/2) ln(1/Δ_t) and
//!   t_C = ½ ln(1 + 1/(e^{2α/β} − 1)) (GVM's linear-manifold formula; β = 1 is Biroli's with σ = 1).
//! - *gaussian* embedding: F with i.i.d. N(0, 1) entries, so each of the d coordinates of F z/√p has unit variance
//!   (total variance d instead of p). This is the generalized-linear-model (GLM) setting, where I_t/d is given by the
//!   replica-symmetric formula below, for any φ ∈ {identity, tanh, relu, sign}.
//!
//! **Provenance.** Both formulas are GVM's (George, Veiga, Macris, arXiv 2502.04339): the linear closed form, and the
//! GLM mutual information I_t/d = min_{m ∈ (0,1]} [(β/2)(m − 1 − ln m) − ½ ln(2πe Δ_t) − Ψ(1 − m)] with
//! Ψ(q) = E ln Z(y, √q V, 1 − q), Z(y, ω, v) = E_w N(y; e^{−t} φ(ω + √v w), Δ_t) and
//! y = e^{−t} φ(√q V + √(1−q) W) + √Δ_t η (V, W, w, η independent standard normals), as written in SCIENCE.md §8.
//! For φ = identity it equals the Marchenko–Pastur log-determinant min_m [(β/2)(m − 1 − ln m) + ½ ln(1 + m e^{−2t}/Δ_t)].
//!
//! **Numerics.** Ψ(q) = E_V ∫ Z ln Z dy is the negative entropy of y given V (Z is that conditional density). The
//! V-expectation uses Gauss–Hermite with `nodes` nodes (≥ 40), halved by the symmetry V → −V when φ is odd. The inner
//! law of y is: identity, Gaussian (closed form); sign, a two-Gaussian mixture with weights Φ(±ω/√v) (analytic Z);
//! relu, an atom at 0 smoothed by N(0, Δ_t) plus a Gaussian times a normal CDF (analytic Z); tanh, a Gauss–Hermite
//! mixture of `inner_nodes` Gaussians of variance Δ_t (Z by quadrature in w). The y-integrals use Gauss–Hermite in
//! the noise η (and for relu's continuous part in its own Gaussian variable). The quadrature in w resolves Z when the
//! spacing of the atoms e^{−t}φ(ω + √v x_k) is below √Δ_t: accurate to ~10⁻⁶ for t ≳ 0.1 with 40 nodes (checked
//! against the identity closed form through the same code path), degrading as t → 0, where Δ_t → 0; relu's CDF factor
//! has a transition of width √Δ_t/(e^{−t}√v) in y, with the same caveat. The minimum over m is found on a decade
//! grid of m ∈ [10⁻⁸, 1] including the end point m = 1, refined by Brent's method around the best grid point; the end
//! point m = 1 is always compared.

use serde::{Deserialize, Serialize};

use crate::error::{check_count, check_open_closed, Error, Result};
use crate::theory::grid::ScanRange;
use crate::theory::minimize::brent_min;
use crate::theory::quadrature::GaussHermite;
use crate::theory::roots::brent;

/// The pointwise nonlinearity φ and the embedding of the manifold model (SCIENCE.md §4.3) are the data module's types:
/// one definition serves the sampler and the theory.
pub use crate::data::manifold::{Activation as Nonlinearity, Embedding};

/// Whether φ is odd (identity, tanh, sign), which makes the inner integrals symmetric.
fn is_odd(phi: Nonlinearity) -> bool {
    !matches!(phi, Nonlinearity::Relu)
}

/// Quadrature and search settings of the GLM formula.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlmOptions {
    /// Gauss–Hermite nodes of the outer expectations (V and the noise η); at least 40 (SCIENCE.md §8).
    pub nodes: usize,
    /// Gauss–Hermite nodes of the inner w-integral of Z (used for tanh only: the other φ have an analytic Z).
    pub inner_nodes: usize,
    /// Forward-time range searched for t_C.
    pub range: ScanRange,
}

impl Default for GlmOptions {
    fn default() -> Self {
        GlmOptions { nodes: 40, inner_nodes: 40, range: ScanRange::default() }
    }
}

impl GlmOptions {
    fn validate(&self) -> Result<()> {
        check_count("glm.nodes", self.nodes, 40, crate::theory::quadrature::MAX_NODES)?;
        check_count("glm.inner_nodes", self.inner_nodes, 8, crate::theory::quadrature::MAX_NODES)?;
        self.range.validate()
    }
}

/// I_t/d with the minimizing overlap m of the replica-symmetric formula.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GlmInformation {
    /// I_t/d (nats per data dimension).
    pub per_dim: f64,
    /// The minimizer m ∈ (0, 1].
    pub m: f64,
}

fn check_beta(beta: f64) -> Result<f64> {
    check_open_closed("beta (manifold dimension p/d)", beta, 0.0, 1e3)
}

fn check_t(t: f64) -> Result<f64> {
    check_open_closed("t", t, 0.0, crate::theory::grid::MAX_TIME)
}

fn check_alpha(alpha: f64) -> Result<f64> {
    check_open_closed("alpha (ln n / d)", alpha, 0.0, 1e3)
}

/// Δ_t = 1 − e^{−2t}, without cancellation at small t.
fn delta(t: f64) -> f64 {
    -(-2.0 * t).exp_m1()
}

/// I_t/d = (β/2) ln(1/Δ_t) for the linear manifold with orthonormal embedding (GVM; SCIENCE.md §8).
///
/// ```
/// use diffusion_regimes::theory::manifold::linear_orthonormal_information;
/// let t = 1.0f64;
/// let v = linear_orthonormal_information(0.5, t).unwrap();
/// assert!((v + 0.25 * (1.0 - (-2.0 * t).exp()).ln()).abs() < 1e-15);
/// ```
///
/// # Errors
/// [`Error::Param`] for β not in (0, 1000] or t not in (0, 10⁴].
pub fn linear_orthonormal_information(beta: f64, t: f64) -> Result<f64> {
    Ok(-0.5 * check_beta(beta)? * delta(check_t(t)?).ln())
}

/// GVM's collapse time of a linear manifold with orthonormal embedding: t_C = ½ ln(1 + 1/(e^{2α/β} − 1))
/// (SCIENCE.md §8), evaluated as ½ ln1p(1/expm1(2α/β)).
///
/// ```
/// use diffusion_regimes::theory::manifold::t_c_linear_orthonormal;
/// use diffusion_regimes::theory::collapse::collapse_time_biroli;
/// // β = 1 is Biroli's formula with σ = 1.
/// let a = 20000f64.ln() / 256.0;
/// assert!((t_c_linear_orthonormal(a, 1.0).unwrap() - collapse_time_biroli(1.0, 20000, 256).unwrap()).abs() < 1e-14);
/// ```
///
/// # Errors
/// [`Error::Param`] for α or β not in (0, 1000].
pub fn t_c_linear_orthonormal(alpha: f64, beta: f64) -> Result<f64> {
    let (a, b) = (check_alpha(alpha)?, check_beta(beta)?);
    Ok(0.5 * (1.0 / (2.0 * a / b).exp_m1()).ln_1p())
}

/// The Marchenko–Pastur closed form of the GLM formula for φ = identity (SCIENCE.md §8):
/// I_t/d = min_{m ∈ (0,1]} [(β/2)(m − 1 − ln m) + ½ ln(1 + m r)], r = e^{−2t}/Δ_t. The stationarity condition is the
/// quadratic β r m² + (β + r − β r) m − β = 0, whose positive root (capped at 1) is the minimizer.
///
/// ```
/// use diffusion_regimes::theory::manifold::marchenko_pastur_information;
/// // SCIENCE.md §8: β = 0.5 gives 0.27685 at t = 0.3, 0.06471 at t = 1, 0.00908 at t = 2.
/// assert!((marchenko_pastur_information(0.5, 1.0).unwrap().per_dim - 0.06471).abs() < 1e-5);
/// ```
///
/// # Errors
/// [`Error::Param`] for β not in (0, 1000] or t not in (0, 10⁴].
pub fn marchenko_pastur_information(beta: f64, t: f64) -> Result<GlmInformation> {
    let (b, t) = (check_beta(beta)?, check_t(t)?);
    let r = (-2.0 * t).exp() / delta(t);
    let (qa, qb, qc) = (b * r, b + r - b * r, -b);
    // Positive root of qa m² + qb m + qc = 0 in the cancellation-free form 2c/(−b − √disc) (qc < 0 < qa).
    let disc = qb * qb - 4.0 * qa * qc;
    let root = if qb >= 0.0 { 2.0 * qc / (-qb - disc.sqrt()) } else { (-qb + disc.sqrt()) / (2.0 * qa) };
    let m = root.min(1.0);
    Ok(GlmInformation { per_dim: 0.5 * b * (m - 1.0 - m.ln()) + 0.5 * (m * r).ln_1p(), m })
}

/// ln Φ(x) for the standard normal CDF, accurate in both tails (erfc for x > −30, the asymptotic series beyond).
fn ln_normal_cdf(x: f64) -> f64 {
    if x > -30.0 {
        (0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)).ln()
    } else {
        let x2 = x * x;
        -0.5 * x2 - (-x).ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() + (-1.0 / x2 + 3.0 / (x2 * x2)).ln_1p()
    }
}

/// ln(e^a + e^b) with −∞ allowed.
fn log_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    if hi == f64::NEG_INFINITY {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

/// Quadrature weights below this are dropped from the double sum of the tanh path: the terms they multiply are
/// bounded by |ln Z| ≲ 10², so the dropped mass is below 10⁻¹⁵, while the 40-node rule has a dozen such nodes and
/// dropping them halves the work.
const NEGLIGIBLE_WEIGHT: f64 = 1e-18;

/// The GLM replica-symmetric evaluator at one forward time: quadrature rules and e^{−t}, Δ_t.
struct Glm {
    phi: Nonlinearity,
    beta: f64,
    c: f64,
    delta: f64,
    outer: GaussHermite,
    inner: GaussHermite,
    ln_inner_w: Vec<f64>,
    /// Scratch for the mixture atoms of the tanh path.
    atoms: Vec<f64>,
}

impl Glm {
    fn new(phi: Nonlinearity, beta: f64, t: f64, options: &GlmOptions) -> Result<Self> {
        let outer = GaussHermite::new(options.nodes)?;
        let inner = GaussHermite::new(options.inner_nodes)?;
        let ln_inner_w = inner.weights().iter().map(|w| w.ln()).collect();
        Ok(Glm { phi, beta, c: (-t).exp(), delta: delta(t), outer, inner, ln_inner_w, atoms: Vec::new() })
    }

    /// ln N(y; mean, var).
    fn ln_normal(y: f64, mean: f64, var: f64) -> f64 {
        -0.5 * (y - mean) * (y - mean) / var - 0.5 * (2.0 * std::f64::consts::PI * var).ln()
    }

    /// E_y ln Z(y, ω, v) under y ~ Z(·, ω, v): the negative entropy of y given ω.
    fn expected_ln_z(&mut self, omega: f64, v: f64) -> f64 {
        let (c, dl) = (self.c, self.delta);
        let sd = dl.sqrt();
        match self.phi {
            Nonlinearity::Identity => -0.5 * (2.0 * std::f64::consts::PI * (c * c * v + dl)).ln() - 0.5,
            Nonlinearity::Sign => {
                let rv = v.sqrt();
                let (lp, lq) = (ln_normal_cdf(omega / rv), ln_normal_cdf(-omega / rv));
                let ln_z = |y: f64| log_add(lp + Self::ln_normal(y, c, dl), lq + Self::ln_normal(y, -c, dl));
                let (p, q) = (lp.exp(), lq.exp());
                let plus = if p > 0.0 { self.outer.expect(|e| ln_z(c + sd * e)) } else { 0.0 };
                let minus = if q > 0.0 { self.outer.expect(|e| ln_z(-c + sd * e)) } else { 0.0 };
                p * plus + q * minus
            }
            Nonlinearity::Relu => {
                let rv = v.sqrt();
                let lp0 = ln_normal_cdf(-omega / rv);
                let var_y = c * c * v + dl;
                let s2 = v * dl / (dl + c * c * v);
                let s = s2.sqrt();
                let ln_z = |y: f64| {
                    let mu = s2 * (omega / v + c * y / dl);
                    log_add(
                        lp0 + Self::ln_normal(y, 0.0, dl),
                        Self::ln_normal(y, c * omega, var_y) + ln_normal_cdf(mu / s),
                    )
                };
                let p0 = lp0.exp();
                let atom = if p0 > 0.0 { self.outer.expect(|e| ln_z(sd * e)) } else { 0.0 };
                let sy = var_y.sqrt();
                let cont = self.outer.expect(|xi| {
                    let y = c * omega + sy * xi;
                    let mu = s2 * (omega / v + c * y / dl);
                    ln_normal_cdf(mu / s).exp() * ln_z(y)
                });
                p0 * atom + cont
            }
            Nonlinearity::Tanh => self.expected_ln_z_quadrature(omega, v),
        }
    }

    /// The generic path: Z(y) = Σ_k w_k N(y; e^{−t} φ(ω + √v x_k), Δ_t) over the inner Gauss–Hermite rule, and
    /// E_y ln Z = Σ_k w_k E_η ln Z(a_k + √Δ_t η).
    fn expected_ln_z_quadrature(&mut self, omega: f64, v: f64) -> f64 {
        let (c, dl) = (self.c, self.delta);
        let (sd, rv) = (dl.sqrt(), v.sqrt());
        self.atoms.clear();
        for &x in self.inner.nodes() {
            self.atoms.push(c * self.phi.apply(omega + rv * x));
        }
        let norm = -0.5 * (2.0 * std::f64::consts::PI * dl).ln();
        let inv2d = 0.5 / dl;
        let mut total = 0.0;
        for (k, &wk) in self.inner.weights().iter().enumerate() {
            if wk < NEGLIGIBLE_WEIGHT {
                continue;
            }
            let ak = self.atoms[k];
            let mut acc = 0.0;
            for (&eta, &we) in self.outer.nodes().iter().zip(self.outer.weights()) {
                if we < NEGLIGIBLE_WEIGHT {
                    continue;
                }
                let y = ak + sd * eta;
                // Log-sum-exp over the atoms, shifted by the largest exponent; terms below e^{−40} of the largest are
                // under the rounding of the sum and their exponential is skipped.
                let mut best = f64::NEG_INFINITY;
                for (j, &aj) in self.atoms.iter().enumerate() {
                    best = best.max(self.ln_inner_w[j] - (y - aj) * (y - aj) * inv2d);
                }
                let mut sum = 0.0;
                for (j, &aj) in self.atoms.iter().enumerate() {
                    let e = self.ln_inner_w[j] - (y - aj) * (y - aj) * inv2d - best;
                    if e > -40.0 {
                        sum += e.exp();
                    }
                }
                acc += we * (best + sum.ln());
            }
            total += wk * acc;
        }
        total + norm
    }

    /// Ψ(q) = E_V E_y ln Z(y, √q V, 1 − q).
    fn psi(&mut self, q: f64) -> f64 {
        let (rq, v) = (q.max(0.0).sqrt(), (1.0 - q).max(0.0));
        let nodes: Vec<(f64, f64)> =
            self.outer.nodes().iter().copied().zip(self.outer.weights().iter().copied()).collect();
        let odd = is_odd(self.phi);
        let mut total = 0.0;
        for (x, w) in nodes {
            if odd {
                // V → −V maps y → −y: equal contributions, so count the positive nodes twice.
                if x < 0.0 {
                    continue;
                }
                let weight = if x == 0.0 { w } else { 2.0 * w };
                total += weight * self.expected_ln_z(rq * x, v);
            } else {
                total += w * self.expected_ln_z(rq * x, v);
            }
        }
        total
    }

    /// The replica objective g(m) = (β/2)(m − 1 − ln m) − ½ ln(2πe Δ_t) − Ψ(1 − m).
    fn objective(&mut self, m: f64) -> f64 {
        0.5 * self.beta * (m - 1.0 - m.ln())
            - 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E * self.delta).ln()
            - self.psi(1.0 - m)
    }

    /// min over m ∈ (0, 1] of the objective (module docs: decade grid, Brent refinement, end point m = 1 included).
    fn minimize(&mut self) -> Result<GlmInformation> {
        self.minimize_near(None)
    }

    /// As [`Glm::minimize`], starting from a guess of the minimizer when one is known (the previous time of a root
    /// search): the coarse grid is then {m₀/4, m₀, 4m₀ ∧ 1, 1}, and the decade grid is used only if the minimum is
    /// not bracketed by it. Assumes the objective is unimodal on the bracket, as it is for every φ tested.
    fn minimize_near(&mut self, guess: Option<f64>) -> Result<GlmInformation> {
        if let Some(m0) = guess.filter(|m| m.is_finite() && *m > 0.0 && *m <= 1.0) {
            let grid = [m0 / 4.0, m0, (4.0 * m0).min(1.0), 1.0];
            let values = grid.map(|m| self.objective(m));
            let best = (0..4).min_by(|&a, &b| values[a].total_cmp(&values[b])).expect("non-empty grid");
            // Bracketed: the best point is m₀ (interior), or the end point m = 1.
            if values.iter().all(|v| v.is_finite()) && (best == 1 || best == 3 || (best == 2 && grid[2] == 1.0)) {
                return self.refine(&grid, &values, best);
            }
        }
        // Decades 1e-8 … 1: the identity minimizer is ≈ β/(r(1 − β)) at large r = e^{−2t}/Δ_t ≈ 1/(2t), so 1e-8 covers
        // t down to ~1e-8.
        let grid: Vec<f64> = (0..=8).map(|k| 10f64.powi(k - 8)).collect();
        let values: Vec<f64> = grid.iter().map(|&m| self.objective(m)).collect();
        let best = (0..grid.len()).min_by(|&a, &b| values[a].total_cmp(&values[b])).expect("non-empty grid");
        self.refine(&grid, &values, best)
    }

    /// Brent refinement in ln m between the neighbours of the best grid point, then comparison with the end point
    /// m = 1 (the last grid point).
    fn refine(&mut self, grid: &[f64], values: &[f64], best: usize) -> Result<GlmInformation> {
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::numerical("GLM replica objective", format!("value {v}")));
        }
        let lo = if best == 0 { grid[0] * 0.1 } else { grid[best - 1] };
        let hi = if best + 1 < grid.len() { grid[best + 1] } else { 1.0 };
        let (mut m, mut g) = (grid[best], values[best]);
        if hi > lo {
            // Brent in ln m (the objective varies on a logarithmic scale of m near 0). A tolerance of 1e-6 in ln m
            // leaves an error ~½ g'' m² 1e-12 in the minimum value, far below the quadrature error.
            let (lm, lg) = brent_min(|u: f64| Ok(self.objective(u.exp())), lo.ln(), hi.ln(), 1e-6)?;
            if lg < g {
                m = lm.exp();
                g = lg;
            }
        }
        let g1 = values[grid.len() - 1];
        if g1 <= g {
            m = 1.0;
            g = g1;
        }
        Ok(GlmInformation { per_dim: g, m })
    }
}

/// I_t/d of the manifold model with gaussian embedding by GVM's GLM replica-symmetric formula (SCIENCE.md §8; see the
/// module docs for the formula, the quadrature and its accuracy).
///
/// ```
/// use diffusion_regimes::theory::manifold::{glm_information, marchenko_pastur_information, GlmOptions, Nonlinearity};
/// let g = glm_information(Nonlinearity::Identity, 0.5, 0.3, &GlmOptions::default()).unwrap();
/// assert!((g.per_dim - 0.27685).abs() < 1e-5);
/// ```
///
/// # Errors
/// [`Error::Param`] for β not in (0, 1000], t not in (0, 10⁴] or invalid options; [`Error::Numerical`] if the
/// objective is not finite.
pub fn glm_information(phi: Nonlinearity, beta: f64, t: f64, options: &GlmOptions) -> Result<GlmInformation> {
    options.validate()?;
    let (b, t) = (check_beta(beta)?, check_t(t)?);
    Glm::new(phi, b, t, options)?.minimize()
}

/// t_C of the manifold model with gaussian embedding: the root of f(t) = α − I_t/d with I_t/d from
/// [`glm_information`] (SCIENCE.md §8), by Brent's method in ln t to 10⁻⁹ relative. The bracket is found by
/// expanding from the linear orthonormal t_C by factors of 2 (so the tiny t, where the tanh quadrature is least
/// accurate, is visited only if t_C is there), within `options.range`.
///
/// ```
/// use diffusion_regimes::theory::manifold::{glm_collapse_time, marchenko_pastur_information, GlmOptions, Nonlinearity};
/// let (alpha, beta) = (0.1, 0.5);
/// let tc = glm_collapse_time(Nonlinearity::Identity, alpha, beta, &GlmOptions::default()).unwrap();
/// assert!((marchenko_pastur_information(beta, tc).unwrap().per_dim - alpha).abs() < 1e-9);
/// ```
///
/// # Errors
/// [`Error::NoTransition`] (`what = "collapse"`) if f keeps one sign on the range (e.g. for φ = sign, I_t/d stays
/// below ln 2 as t → 0, so a large α has no collapse); otherwise as [`glm_information`] and α not in (0, 1000].
pub fn glm_collapse_time(phi: Nonlinearity, alpha: f64, beta: f64, options: &GlmOptions) -> Result<f64> {
    options.validate()?;
    let (a, b) = (check_alpha(alpha)?, check_beta(beta)?);
    let range = options.range;
    // The minimizer m*(t) moves smoothly with t: each evaluation starts from the previous one.
    let hint = std::cell::Cell::new(None);
    let f = |u: f64| -> Result<f64> {
        let g = Glm::new(phi, b, u.exp(), options)?.minimize_near(hint.get())?;
        hint.set(Some(g.m));
        Ok(a - g.per_dim)
    };
    // f increases with t. Expand a bracket from the linear guess.
    let guess = t_c_linear_orthonormal(a, b)?.clamp(range.t_min, range.t_max);
    let (mut lo, mut hi) = (guess, guess);
    let (mut flo, mut fhi) = (f(lo.ln())?, f(hi.ln())?);
    let no = || Error::NoTransition { what: "collapse".into(), t_min: range.t_min, t_max: range.t_max };
    while flo > 0.0 {
        if lo <= range.t_min {
            return Err(no());
        }
        hi = lo;
        fhi = flo;
        lo = (lo / 2.0).max(range.t_min);
        flo = f(lo.ln())?;
    }
    while fhi < 0.0 {
        if hi >= range.t_max {
            return Err(no());
        }
        lo = hi;
        flo = fhi;
        hi = (hi * 2.0).min(range.t_max);
        fhi = f(hi.ln())?;
    }
    Ok(brent(f, lo.ln(), hi.ln(), flo, fhi, 1e-9)?.exp())
}

/// t_C of the manifold model for either embedding (SCIENCE.md §8): the orthonormal embedding has a theory only for
/// φ = identity ([`t_c_linear_orthonormal`]); the gaussian one uses [`glm_collapse_time`].
///
/// # Errors
/// [`Error::Param`] for an orthonormal embedding with a nonlinear φ (no formula: measure collapse instead); otherwise
/// as the two functions.
pub fn manifold_collapse_time(
    embedding: Embedding,
    phi: Nonlinearity,
    alpha: f64,
    beta: f64,
    options: &GlmOptions,
) -> Result<f64> {
    match (embedding, phi) {
        (Embedding::Orthonormal, Nonlinearity::Identity) => t_c_linear_orthonormal(alpha, beta),
        (Embedding::Orthonormal, other) => Err(Error::param(
            "manifold.phi",
            format!("{other:?}"),
            "identity for the orthonormal embedding (no closed form otherwise; use the gaussian embedding)",
        )),
        (Embedding::Gaussian, phi) => glm_collapse_time(phi, alpha, beta, options),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_matches_marchenko_pastur_including_science_values() {
        // SCIENCE.md §8: β = 0.5 → 0.27685 (t = 0.3), 0.06471 (t = 1), 0.00908 (t = 2), to its 5 decimals; and the GLM
        // code equals the closed form to 1e-5 (here much better: both are exact up to the minimizer tolerance).
        for &(t, v) in &[(0.3, 0.27685), (1.0, 0.06471), (2.0, 0.00908)] {
            let mp = marchenko_pastur_information(0.5, t).unwrap();
            assert!((mp.per_dim - v).abs() < 1e-5, "t={t}: {}", mp.per_dim);
            let g = glm_information(Nonlinearity::Identity, 0.5, t, &GlmOptions::default()).unwrap();
            assert!((g.per_dim - mp.per_dim).abs() < 1e-9, "t={t}: {} vs {}", g.per_dim, mp.per_dim);
            assert!((g.m - mp.m).abs() < 1e-4, "t={t}: m {} vs {}", g.m, mp.m);
        }
        // Other β, including β > 1 where the minimizer sits at m = 1 for small SNR (the end point).
        for &beta in &[0.1, 1.0, 3.0] {
            for &t in &[0.05, 0.5, 3.0] {
                let mp = marchenko_pastur_information(beta, t).unwrap();
                let g = glm_information(Nonlinearity::Identity, beta, t, &GlmOptions::default()).unwrap();
                assert!((g.per_dim - mp.per_dim).abs() < 1e-9, "β={beta} t={t}");
            }
        }
    }

    #[test]
    fn quadrature_path_reproduces_the_identity_closed_form() {
        // The generic mixture-of-atoms path (used for tanh) run with φ = identity: its only error is the w-quadrature,
        // which must stay below the 1e-5 asked of the GLM values at the times where t_C lies (t ≳ 0.1).
        for &t in &[0.1, 0.3, 1.0, 2.0] {
            let mut glm = Glm::new(Nonlinearity::Identity, 0.5, t, &GlmOptions::default()).unwrap();
            for &m in &[0.05, 0.4, 1.0] {
                let exact = glm.expected_ln_z(0.7, m);
                let quad = glm.expected_ln_z_quadrature(0.7, m);
                assert!((exact - quad).abs() < 1e-6, "t={t} m={m}: {exact} vs {quad}");
            }
        }
    }

    #[test]
    fn analytic_sign_and_relu_agree_with_quadrature() {
        // Sign and relu have analytic Z; the generic path with many inner nodes approximates the same entropy (their
        // kinks/jumps make the quadrature converge slowly, so 3e-3 with 200 nodes is the check of the analytic code).
        let opts = GlmOptions { nodes: 80, inner_nodes: 200, ..GlmOptions::default() };
        for phi in [Nonlinearity::Sign, Nonlinearity::Relu] {
            let mut glm = Glm::new(phi, 0.5, 0.8, &opts).unwrap();
            for &(omega, v) in &[(0.3, 0.5), (-1.0, 0.2), (0.0, 1.0)] {
                let a = glm.expected_ln_z(omega, v);
                let q = glm.expected_ln_z_quadrature(omega, v);
                assert!((a - q).abs() < 3e-3, "{phi:?} ω={omega} v={v}: {a} vs {q}");
            }
        }
    }

    #[test]
    fn linear_orthonormal_closed_form_is_the_root_of_f() {
        // f(t) = α − (β/2) ln(1/Δ_t) has the root t_C = ½ ln(1 + 1/(e^{2α/β} − 1)); Brent to 1e-14 in ln t.
        let alpha = 0.2;
        for &beta in &[0.1, 0.5, 1.0] {
            let f = |u: f64| Ok(alpha - linear_orthonormal_information(beta, u.exp()).unwrap());
            let (a, b) = ((1e-6f64).ln(), 50f64.ln());
            let root = brent(f, a, b, f(a).unwrap(), f(b).unwrap(), 1e-14).unwrap().exp();
            let tc = t_c_linear_orthonormal(alpha, beta).unwrap();
            assert!((root - tc).abs() < 1e-12 * tc.max(1.0), "β={beta}: {root} vs {tc}");
        }
    }

    #[test]
    fn nonlinear_information_is_decreasing_and_bounded_for_sign() {
        // I_t/d decreases with t (data processing inequality); for φ = sign it is bounded by the entropy of the
        // output, ln 2 per dimension, at every t.
        let opts = GlmOptions::default();
        for phi in [Nonlinearity::Tanh, Nonlinearity::Relu, Nonlinearity::Sign] {
            let vals: Vec<f64> =
                [0.2, 0.5, 1.0, 2.0].iter().map(|&t| glm_information(phi, 0.5, t, &opts).unwrap().per_dim).collect();
            assert!(vals.windows(2).all(|w| w[1] < w[0]), "{phi:?}: {vals:?}");
            if phi == Nonlinearity::Sign {
                assert!(vals[0] < std::f64::consts::LN_2);
            }
        }
    }

    #[test]
    fn nonlinear_information_is_converged_in_the_number_of_nodes() {
        // Default rules (40 nodes) against finer ones at the times where t_C lies: the differences measured are
        // ≤ 1.3e-7 at t = 0.1 (sign, relu: the sharpest inner laws) and ≤ 1e-9 from t = 0.3 on; 1e-6 is the accuracy
        // the module docs promise for t ≳ 0.1.
        let o = GlmOptions::default();
        let fine = GlmOptions { nodes: 64, inner_nodes: 96, ..o };
        for phi in [Nonlinearity::Tanh, Nonlinearity::Relu, Nonlinearity::Sign] {
            for &t in &[0.1, 0.3, 1.0] {
                let (a, b) = (glm_information(phi, 0.5, t, &o).unwrap(), glm_information(phi, 0.5, t, &fine).unwrap());
                assert!((a.per_dim - b.per_dim).abs() < 1e-6, "{phi:?} t={t}: {} vs {}", a.per_dim, b.per_dim);
            }
        }
        // And t_C is the root of α − I_t/d for a nonlinear φ (the root-finder's tolerance is 1e-9 in ln t).
        let tc = glm_collapse_time(Nonlinearity::Relu, 0.1, 0.5, &o).unwrap();
        assert!((glm_information(Nonlinearity::Relu, 0.5, tc, &o).unwrap().per_dim - 0.1).abs() < 1e-8);
    }

    #[test]
    fn orthonormal_nonlinear_has_no_formula_and_bad_inputs_are_rejected() {
        let o = GlmOptions::default();
        assert!(manifold_collapse_time(Embedding::Orthonormal, Nonlinearity::Tanh, 0.1, 0.5, &o).is_err());
        assert!(glm_information(Nonlinearity::Tanh, 0.0, 1.0, &o).is_err());
        assert!(glm_information(Nonlinearity::Tanh, 0.5, -1.0, &o).is_err());
        assert!(glm_information(Nonlinearity::Tanh, 0.5, 1.0, &GlmOptions { nodes: 10, ..o }).is_err());
        assert!(t_c_linear_orthonormal(f64::NAN, 0.5).is_err());
    }
}
