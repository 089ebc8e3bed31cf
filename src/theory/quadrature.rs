//! Quadrature rules for the theory: Gauss–Hermite for expectations over standard normals, and adaptive Simpson for
//! one-dimensional integrals with a sharp feature.
//!
//! Edges: pure numerics; the expectations of the cloning probability and of the GLM replica formula are built on
//! these in `cloning.rs` and `manifold.rs`.

use nalgebra::DMatrix;

use crate::error::{check_count, Error, Result};

/// Largest Gauss–Hermite rule accepted: beyond ~400 nodes the extreme weights underflow and nothing is gained.
pub const MAX_NODES: usize = 400;

/// A Gauss–Hermite rule for the standard normal: E_{z ~ N(0,1)} g(z) ≈ Σ_i w_i g(x_i), exact for polynomials of
/// degree ≤ 2n − 1 (weights sum to one; the "probabilists'" normalization, weight e^{−x²/2}/√(2π)).
#[derive(Clone, Debug)]
pub struct GaussHermite {
    nodes: Vec<f64>,
    weights: Vec<f64>,
}

impl GaussHermite {
    /// The n-node rule by the Golub–Welsch algorithm (Golub & Welsch 1969, *Calculation of Gauss quadrature rules*,
    /// Math. Comp. 23): the nodes are the eigenvalues of the Jacobi matrix of the probabilists' Hermite polynomials
    /// (zero diagonal, off-diagonal √k, k = 1…n−1). Each node is then polished by Newton steps on He_n, and the weights
    /// come from the Christoffel formula w_i = 1 / Σ_{k<n} p_k(x_i)² with the orthonormal p_k = He_k/√(k!), which is
    /// accurate to relative precision even for the tiny weights of the extreme nodes.
    ///
    /// ```
    /// use diffusion_regimes::theory::quadrature::GaussHermite;
    /// let gh = GaussHermite::new(40).unwrap();
    /// // E z⁴ = 3 and E cos z = e^{−1/2}.
    /// assert!((gh.expect(|z| z.powi(4)) - 3.0).abs() < 1e-12);
    /// assert!((gh.expect(f64::cos) - (-0.5f64).exp()).abs() < 1e-14);
    /// ```
    ///
    /// # Errors
    /// [`Error::Param`] for n outside [1, 400].
    pub fn new(n: usize) -> Result<Self> {
        check_count("quadrature nodes", n, 1, MAX_NODES)?;
        let jacobi =
            DMatrix::from_fn(n, n, |i, j| if i + 1 == j || j + 1 == i { (i.max(j) as f64).sqrt() } else { 0.0 });
        let eig = crate::kernels::decompose::symmetric_eigen(jacobi);
        let mut nodes: Vec<f64> = eig.eigenvalues.iter().copied().collect();
        nodes.sort_by(f64::total_cmp);
        let mut weights = Vec::with_capacity(n);
        for x in nodes.iter_mut() {
            // Newton on the orthonormal p_n: p_n' = √n p_{n−1} (from He_n' = n He_{n−1}).
            for _ in 0..3 {
                let (pn, pn1) = orthonormal_hermite(n, *x);
                let dp = (n as f64).sqrt() * pn1;
                if dp != 0.0 {
                    *x -= pn / dp;
                }
            }
            let mut s = 0.0;
            let (mut p_prev, mut p) = (0.0, 1.0);
            for k in 0..n {
                s += p * p;
                let next = (*x * p - (k as f64).sqrt() * p_prev) / ((k + 1) as f64).sqrt();
                p_prev = p;
                p = next;
            }
            weights.push(1.0 / s);
        }
        // Symmetrize: the rule is symmetric in exact arithmetic; enforcing it makes odd moments vanish exactly.
        for i in 0..n / 2 {
            let j = n - 1 - i;
            let x = 0.5 * (nodes[j] - nodes[i]);
            let w = 0.5 * (weights[i] + weights[j]);
            nodes[i] = -x;
            nodes[j] = x;
            weights[i] = w;
            weights[j] = w;
        }
        if n % 2 == 1 {
            nodes[n / 2] = 0.0;
        }
        let total: f64 = weights.iter().sum();
        if total.is_nan() || (total - 1.0).abs() >= 1e-10 {
            return Err(Error::numerical("Gauss–Hermite rule", format!("weights sum to {total}")));
        }
        Ok(GaussHermite { nodes, weights })
    }

    /// The nodes x_i, ascending.
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// The weights w_i (sum 1).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false (a rule has at least one node); present for the `len`/`is_empty` convention.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// E_{z ~ N(0,1)} g(z) ≈ Σ_i w_i g(x_i).
    pub fn expect(&self, mut g: impl FnMut(f64) -> f64) -> f64 {
        self.nodes.iter().zip(&self.weights).map(|(&x, &w)| w * g(x)).sum()
    }
}

/// (p_n(x), p_{n−1}(x)) for the orthonormal probabilists' Hermite polynomials p_k = He_k/√(k!).
fn orthonormal_hermite(n: usize, x: f64) -> (f64, f64) {
    let (mut p_prev, mut p) = (0.0, 1.0);
    for k in 0..n {
        let next = (x * p - (k as f64).sqrt() * p_prev) / ((k + 1) as f64).sqrt();
        p_prev = p;
        p = next;
    }
    (p, p_prev)
}

/// ∫_a^b g(x) dx by adaptive Simpson quadrature (Lyness 1969) with Richardson correction, starting from `panels`
/// equal panels so that a feature narrower than the interval is not missed by the first samples. The tolerance
/// `tol` is absolute and is split between panels in proportion to their width. (The algorithm lives in
/// [`regimes_kernels::quadrature::adaptive_simpson`], compiled at full optimization in the web build.)
///
/// ```
/// use diffusion_regimes::theory::quadrature::adaptive_simpson;
/// let v = adaptive_simpson(|x| (-x * x).exp(), -10.0, 10.0, 16, 1e-13).unwrap();
/// assert!((v - std::f64::consts::PI.sqrt()).abs() < 1e-12);
/// ```
///
/// # Errors
/// [`Error::Numerical`] for a non-finite integrand value or interval.
pub fn adaptive_simpson(g: impl FnMut(f64) -> f64, a: f64, b: f64, panels: usize, tol: f64) -> Result<f64> {
    regimes_kernels::quadrature::adaptive_simpson(g, a, b, panels, tol)
        .map_err(|m| Error::numerical("adaptive quadrature", m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_hermite_moments_exact_to_degree_2n_minus_1() {
        // E z^{2k} = (2k − 1)!!; with n = 40 all moments to degree 79 are exact up to rounding of their size.
        let gh = GaussHermite::new(40).unwrap();
        let mut dfact = 1.0;
        for k in 1..=12 {
            dfact *= (2 * k - 1) as f64;
            let m = gh.expect(|z| z.powi(2 * k));
            assert!((m / dfact - 1.0).abs() < 1e-11, "k={k}: {m} vs {dfact}");
        }
        assert!(gh.expect(|z| z.powi(5)).abs() < 1e-12);
        // Small rules against known nodes: n = 2 has nodes ±1, weights ½.
        let g2 = GaussHermite::new(2).unwrap();
        assert!((g2.nodes()[1] - 1.0).abs() < 1e-15 && (g2.weights()[0] - 0.5).abs() < 1e-15);
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(GaussHermite::new(0).is_err());
        assert!(GaussHermite::new(401).is_err());
        assert!(adaptive_simpson(|x| x, 1.0, 0.0, 4, 1e-9).is_err());
    }
}
