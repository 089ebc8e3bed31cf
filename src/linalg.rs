//! Dense linear algebra the science needs beyond nalgebra: the matrix exponential, functions of symmetric matrices,
//! the spectral norm, and checked Cholesky factors.
//!
//! Everything here is f64. The functions allocate per call; hot loops (samplers, kernels) precompute with them and
//! reuse buffers, and [`ExpmWorkspace`] computes the matrix exponential on buffers it owns (the per-time propagators).

use nalgebra::{Cholesky, DMatrix, DVector, Dyn, SymmetricEigen};

use crate::error::{Error, Result};

/// Padé(13) coefficients b_0..b_13 of Higham (2005), *The scaling and squaring method for the matrix exponential
/// revisited*, SIAM J. Matrix Anal. Appl. 26(4), eq. (10.3).
const PADE13: [f64; 14] = [
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
];

/// θ₁₃ of Higham (2005), Table 2.3: the largest 1-norm for which Padé(13) without scaling is accurate to unit
/// roundoff in double precision.
const THETA13: f64 = 5.371920351148152;

/// The matrix exponential e^M by scaling and squaring with a Padé(13) approximant (Higham 2005, Algorithm 2.3).
///
/// Accurate for non-normal matrices, which matters here: the drift A = (I+Q)U is non-normal as soon as Q ≠ 0.
///
/// ```
/// use nalgebra::DMatrix;
/// let m = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, -1.0, 0.0]);
/// let e = diffusion_regimes::linalg::expm(&m);
/// assert!((e[(0, 0)] - 1f64.cos()).abs() < 1e-14 && (e[(0, 1)] - 1f64.sin()).abs() < 1e-14);
/// ```
pub fn expm(m: &DMatrix<f64>) -> DMatrix<f64> {
    expm_with(m, true)
}

/// [`expm`], with `structured` products (block upper-triangular operands multiplied block by block, see
/// [`mul_block_upper`]) or all dense ones: the same numbers either way (tested bit for bit).
fn expm_with(m: &DMatrix<f64>, structured: bool) -> DMatrix<f64> {
    assert!(m.is_square(), "expm needs a square matrix");
    let mul = |a: &DMatrix<f64>, b: &DMatrix<f64>| if structured { mul_block_upper(a, b) } else { mul(a, b) };
    let n = m.nrows();
    let norm1 = one_norm(m);
    // Scale by 2^-s so that the 1-norm is below θ₁₃, then square s times.
    let s = if norm1 > THETA13 { (norm1 / THETA13).log2().ceil().max(0.0) as i32 } else { 0 };
    let a = m * 2f64.powi(-s);
    let b = &PADE13;
    let id = DMatrix::<f64>::identity(n, n);
    let a2 = mul(&a, &a);
    let a4 = mul(&a2, &a2);
    let a6 = mul(&a4, &a2);
    let u_inner =
        mul(&a6, &(&a6 * b[13] + &a4 * b[11] + &a2 * b[9])) + &a6 * b[7] + &a4 * b[5] + &a2 * b[3] + &id * b[1];
    let u = mul(&a, &u_inner);
    let v = mul(&a6, &(&a6 * b[12] + &a4 * b[10] + &a2 * b[8])) + &a6 * b[6] + &a4 * b[4] + &a2 * b[2] + &id * b[0];
    let p = &v + &u;
    let q = &v - &u;
    let mut r = q.lu().solve(&p).expect("Padé denominator of expm is nonsingular after scaling");
    for _ in 0..s {
        r = mul(&r, &r);
    }
    r
}

/// `a b` for square matrices of even size whose lower-left half-size blocks are both zero (the block exponentials
/// of Van Loan's covariance and of φ₁: [[−A, 2I], [0, Aᵀ]] and [[A, I], [0, 0]], and every power of them): C₁₁ =
/// A₁₁B₁₁, C₁₂ = A₁₁B₁₂ + A₁₂B₂₂, C₂₂ = A₂₂B₂₂, C₂₁ = 0, half the work of [`mul`] and all of it in the kernel's
/// register blocks. Each entry gets the products [`mul`] adds, in the same order (its zero products only add +0 to a
/// sum that starts at +0, and it skips B's zeros as [`mul`] does), so the bits are [`mul`]'s; other operands go to
/// [`mul`].
fn mul_block_upper(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let n = a.nrows();
    let h = n / 2;
    let structured = |m: &DMatrix<f64>| m.view((h, 0), (h, h)).iter().all(|&x| x == 0.0);
    if n < 8 || n % 2 != 0 || !a.is_square() || b.shape() != (n, n) || !structured(a) || !structured(b) {
        return mul(a, b);
    }
    let block = |m: &DMatrix<f64>, r: usize, c: usize| m.view((r, c), (h, h)).into_owned();
    let (a11, a12, a22) = (block(a, 0, 0), block(a, 0, h), block(a, h, h));
    let (b11, b12, b22) = (block(b, 0, 0), block(b, 0, h), block(b, h, h));
    let mut c12 = mul(&a11, &b12);
    // c₁₂ ← c₁₂ + A₁₂B₂₂: the kernel with β = 1 continues each sum where the first product left it.
    crate::kernels::dense::gemm(h, h, h, 1.0, b22.as_slice(), a12.as_slice(), 1.0, c12.as_mut_slice());
    let mut c = DMatrix::zeros(n, n);
    c.view_mut((0, 0), (h, h)).copy_from(&mul(&a11, &b11));
    c.view_mut((0, h), (h, h)).copy_from(&c12);
    c.view_mut((h, h), (h, h)).copy_from(&mul(&a22, &b22));
    c
}

/// Workspace for [`ExpmWorkspace::expm_into`]: the matrix exponential on row-major buffers it owns, so a hot loop
/// can recompute e^{sM} without allocating (same algorithm as [`expm`]: Padé(13) with scaling and squaring, Higham
/// 2005 Algorithm 2.3; results agree with [`expm`] to rounding, not bit for bit).
#[derive(Clone, Debug)]
pub struct ExpmWorkspace {
    n: usize,
    bufs: [Vec<f64>; 7],
}

impl ExpmWorkspace {
    /// A workspace for n × n matrices (seven n² buffers).
    pub fn new(n: usize) -> Self {
        ExpmWorkspace { n, bufs: std::array::from_fn(|_| vec![0.0; n * n]) }
    }

    /// `out ← e^{s M}` for row-major n × n M.
    ///
    /// ```
    /// use diffusion_regimes::linalg::ExpmWorkspace;
    /// let mut ws = ExpmWorkspace::new(2);
    /// let mut e = [0.0; 4];
    /// ws.expm_into(&[0.0, 1.0, -1.0, 0.0], 1.0, &mut e);
    /// assert!((e[0] - 1f64.cos()).abs() < 1e-14 && (e[1] - 1f64.sin()).abs() < 1e-14);
    /// ```
    pub fn expm_into(&mut self, m: &[f64], s: f64, out: &mut [f64]) {
        use crate::kernels::dense::{gemm, lu_solve_in_place};
        let n = self.n;
        assert!(m.len() == n * n && out.len() == n * n, "expm_into: n × n operands");
        // 1-norm of sM: largest absolute column sum.
        let norm1 = (0..n).map(|j| (0..n).map(|i| m[i * n + j].abs()).sum::<f64>()).fold(0.0, f64::max) * s.abs();
        let sq = if norm1 > THETA13 { (norm1 / THETA13).log2().ceil().max(0.0) as i32 } else { 0 };
        let scale = s * 2f64.powi(-sq);
        let [a, a2, a4, a6, u, v, t] = &mut self.bufs;
        a.iter_mut().zip(m).for_each(|(x, y)| *x = y * scale);
        gemm(n, n, n, 1.0, a, a, 0.0, a2);
        gemm(n, n, n, 1.0, a2, a2, 0.0, a4);
        gemm(n, n, n, 1.0, a4, a2, 0.0, a6);
        let b = &PADE13;
        // t = b13 A6 + b11 A4 + b9 A2; u_inner = A6 t + b7 A6 + b5 A4 + b3 A2 + b1 I; U = A u_inner.
        let combine = |out: &mut [f64], c6: f64, c4: f64, c2: f64, a6: &[f64], a4: &[f64], a2: &[f64]| {
            for (((o, x6), x4), x2) in out.iter_mut().zip(a6.iter()).zip(a4.iter()).zip(a2.iter()) {
                *o = c6 * x6 + c4 * x4 + c2 * x2;
            }
        };
        combine(t, b[13], b[11], b[9], a6, a4, a2);
        combine(v, b[7], b[5], b[3], a6, a4, a2);
        (0..n).for_each(|i| v[i * n + i] += b[1]);
        gemm(n, n, n, 1.0, a6, t, 1.0, v);
        gemm(n, n, n, 1.0, a, v, 0.0, u);
        combine(t, b[12], b[10], b[8], a6, a4, a2);
        combine(v, b[6], b[4], b[2], a6, a4, a2);
        (0..n).for_each(|i| v[i * n + i] += b[0]);
        gemm(n, n, n, 1.0, a6, t, 1.0, v);
        // P = V + U into `out`, Q = V − U into `a`; solve Q R = P in place.
        for ((o, q), (vi, ui)) in out.iter_mut().zip(a.iter_mut()).zip(v.iter().zip(u.iter())) {
            *o = vi + ui;
            *q = vi - ui;
        }
        assert!(lu_solve_in_place(a, out, n, n), "Padé denominator of expm is nonsingular after scaling");
        for _ in 0..sq {
            t.copy_from_slice(out);
            gemm(n, n, n, 1.0, t, t, 0.0, out);
        }
    }
}

/// The product A B through [`crate::kernels::dense::gemm`]: every entry summed in ascending order without FMA, so
/// the same bits natively and in wasm. nalgebra's `*` calls matrixmultiply, whose kernel is chosen at run time (FMA
/// natively), so setup products that feed a step loop go through here (issue 8: same results natively and in the
/// browser).
pub fn mul(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    assert_eq!(a.ncols(), b.nrows(), "mul: inner dimensions differ");
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let mut c = DMatrix::zeros(m, n);
    // Column-major storage of M is row-major storage of Mᵀ, and Cᵀ = Bᵀ Aᵀ.
    crate::kernels::dense::gemm(n, k, m, 1.0, b.as_slice(), a.as_slice(), 0.0, c.as_mut_slice());
    c
}

/// The matrix 1-norm (largest absolute column sum).
pub fn one_norm(m: &DMatrix<f64>) -> f64 {
    m.column_iter().map(|c| c.iter().map(|x| x.abs()).sum::<f64>()).fold(0.0, f64::max)
}

/// The spectral norm ‖M‖₂ (largest singular value), from the symmetric eigenproblem of MᵀM.
pub fn spectral_norm(m: &DMatrix<f64>) -> f64 {
    let mtm = m.transpose() * m;
    let eigenvalues = crate::kernels::decompose::symmetric_eigenvalues(mtm);
    eigenvalues.iter().cloned().fold(0.0, f64::max).max(0.0).sqrt()
}

/// Relative asymmetry ‖M − Mᵀ‖_F / ‖M‖_F (0 for the zero matrix).
pub fn asymmetry(m: &DMatrix<f64>) -> f64 {
    let n = m.norm();
    if n == 0.0 {
        0.0
    } else {
        (m - m.transpose()).norm() / n
    }
}

/// Applies `f` to the eigenvalues of a symmetric matrix: V f(Λ) Vᵀ.
pub fn sym_apply(eig: &SymmetricEigen<f64, Dyn>, f: impl Fn(f64) -> f64) -> DMatrix<f64> {
    let fl = DVector::from_iterator(eig.eigenvalues.len(), eig.eigenvalues.iter().map(|&l| f(l)));
    let v = &eig.eigenvectors;
    let mut vf = v.clone();
    for (j, mut col) in vf.column_iter_mut().enumerate() {
        col *= fl[j];
    }
    mul(&vf, &v.transpose())
}

/// Symmetrizes in place: M ← (M + Mᵀ)/2. Used after products that are symmetric in exact arithmetic.
pub fn symmetrize(m: &mut DMatrix<f64>) {
    assert!(m.is_square(), "symmetrize: a square matrix");
    let n = m.nrows();
    crate::kernels::rows::symmetrize(m.as_mut_slice(), n);
}

/// Cholesky factor of a matrix that must be symmetric positive definite.
///
/// # Errors
/// [`Error::NotSpd`] naming `name` when the factorization fails.
pub fn cholesky(m: &DMatrix<f64>, name: &str) -> Result<Cholesky<f64, Dyn>> {
    if m.iter().any(|x| !x.is_finite()) {
        return Err(Error::NotSpd { name: name.into(), reason: "it has non-finite entries".into() });
    }
    Cholesky::new(m.clone())
        .ok_or_else(|| Error::NotSpd { name: name.into(), reason: "the Cholesky factorization failed".into() })
}

/// ln det of an SPD matrix from its Cholesky factor: 2 Σ ln L_kk.
pub fn ln_det_chol(chol: &Cholesky<f64, Dyn>) -> f64 {
    let l = chol.l_dirty();
    (0..l.nrows()).map(|k| libm::log(l[(k, k)])).sum::<f64>() * 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_exponentials_get_the_bits_of_dense_products() {
        // A non-normal drift (U log-spaced, a dense antisymmetric Q) in the two block forms the code exponentiates:
        // Van Loan's [[−A, 2I], [0, Aᵀ]] t and φ₁'s [[A, I], [0, 0]] h, at sizes without (t‖A‖ small) and with
        // squaring, and a matrix that is not block triangular (dense products throughout).
        let d = 12;
        let u = DMatrix::from_fn(d, d, |i, j| if i == j { 10f64.powf(i as f64 / (d - 1) as f64) } else { 0.0 });
        let g = DMatrix::from_fn(d, d, |i, j| ((3 * i + 7 * j) % 11) as f64 / 5.0 - 1.0);
        let a = (DMatrix::identity(d, d) + (&g - g.transpose())) * &u;
        for t in [1e-3, 0.02, 0.7, 5.0] {
            let mut van_loan = DMatrix::zeros(2 * d, 2 * d);
            van_loan.view_mut((0, 0), (d, d)).copy_from(&(&a * -t));
            van_loan.view_mut((0, d), (d, d)).copy_from(&(DMatrix::identity(d, d) * (2.0 * t)));
            van_loan.view_mut((d, d), (d, d)).copy_from(&(a.transpose() * t));
            let mut phi = DMatrix::zeros(2 * d, 2 * d);
            phi.view_mut((0, 0), (d, d)).copy_from(&(&a * t));
            phi.view_mut((0, d), (d, d)).copy_from(&(DMatrix::identity(d, d) * t));
            let mut dense = van_loan.clone();
            dense[(2 * d - 1, 0)] = 1e-3;
            for m in [&van_loan, &phi, &dense] {
                let (fast, plain) = (expm_with(m, true), expm_with(m, false));
                assert!(fast.iter().zip(plain.iter()).all(|(x, y)| x.to_bits() == y.to_bits()), "t = {t}");
            }
        }
    }

    /// Reference: e^M by a Taylor series with many terms for a small-norm matrix.
    fn expm_taylor(m: &DMatrix<f64>) -> DMatrix<f64> {
        let n = m.nrows();
        let mut term = DMatrix::identity(n, n);
        let mut sum = term.clone();
        for k in 1..60 {
            term = &term * m / k as f64;
            sum += &term;
        }
        sum
    }

    #[test]
    fn expm_matches_taylor_and_handles_scaling() {
        let m = DMatrix::from_row_slice(3, 3, &[0.1, -2.0, 0.3, 1.5, -0.7, 0.2, 0.0, 0.4, -1.1]);
        let e = expm(&m);
        assert!((&e - expm_taylor(&m)).norm() < 1e-12 * e.norm());
        // A large-norm diagonal case exercises squaring: e^{-20} and e^{3}.
        let d = DMatrix::from_diagonal(&DVector::from_vec(vec![-20.0, 3.0]));
        let ed = expm(&d);
        assert!((ed[(0, 0)] / (-20f64).exp() - 1.0).abs() < 1e-12);
        assert!((ed[(1, 1)] / 3f64.exp() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn expm_workspace_matches_expm() {
        let m = DMatrix::from_row_slice(3, 3, &[0.1, -2.0, 0.3, 1.5, -0.7, 0.2, 0.0, 0.4, -1.1]);
        let mut ws = ExpmWorkspace::new(3);
        let rows: Vec<f64> = m.transpose().as_slice().to_vec();
        for s in [0.01, 1.0, -7.5, 40.0] {
            let e = expm(&(&m * s));
            let mut out = vec![0.0; 9];
            ws.expm_into(&rows, s, &mut out);
            let got = DMatrix::from_row_slice(3, 3, &out);
            assert!((&got - &e).norm() < 1e-13 * e.norm(), "s = {s}");
        }
    }

    #[test]
    fn spectral_norm_of_jordan_block() {
        // ‖[[1, 1], [0, 1]]‖₂ = golden ratio.
        let m = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 1.0]);
        assert!((spectral_norm(&m) - (1.0 + 5f64.sqrt()) / 2.0).abs() < 1e-12);
    }
}
