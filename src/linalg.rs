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
    assert!(m.is_square(), "expm needs a square matrix");
    let n = m.nrows();
    let mut out = vec![0.0; n * n];
    // Column-major storage of Mᵀ is row-major storage of M.
    ExpmWorkspace::new(n).expm_into(m.transpose().as_slice(), 1.0, &mut out);
    DMatrix::from_row_slice(n, n, &out)
}

/// Padé coefficients b_0..b_m of the lower degrees m = 3, 5, 7, 9 (Higham 2005, the same family as [`PADE13`]).
const PADE_LOW: [&[f64]; 4] = [
    &[120.0, 60.0, 12.0, 1.0],
    &[30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0],
    &[17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0],
    &[17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0, 110880.0, 3960.0, 90.0, 1.0],
];

/// θ₃, θ₅, θ₇, θ₉ of Higham (2005), Table 2.3: below these 1-norms Padé(m) needs no scaling.
const THETA_LOW: [f64; 4] = [1.495585217958292e-2, 2.53939833006323e-1, 9.504178996162932e-1, 2.097847961257068];

/// The number s of squarings that bring a 1-norm above θ₁₃ below it, ⌈log₂(‖M‖₁/θ₁₃)⌉, at most 1100: every finite
/// norm needs fewer (f64 stops at 2¹⁰²⁴), and an infinite one (an overflowed input) then gives a non-finite result
/// after 1100 squarings instead of 2³¹.
fn squarings(norm1: f64) -> i32 {
    (norm1 / THETA13).log2().ceil().clamp(0.0, 1100.0) as i32
}

/// Higham's (2005, Algorithm 2.3) choice for a matrix of 1-norm `norm1`: the Padé coefficients of the lowest degree
/// m ∈ {3, 5, 7, 9, 13} accurate to unit roundoff without scaling, else degree 13 and the number s of squarings that
/// bring the norm below θ₁₃.
fn pade_degree(norm1: f64) -> (&'static [f64], i32) {
    match THETA_LOW.iter().position(|&theta| norm1 <= theta) {
        Some(k) => (PADE_LOW[k], 0),
        None if norm1 <= THETA13 => (&PADE13, 0),
        None => (&PADE13, squarings(norm1)),
    }
}

/// The top blocks (X, Y) of a 2n × 2n block upper-triangular matrix [[X, Y], [0, Z]] whose bottom block Z is implied:
/// 0 for the polynomials in [[X, cI], [0, 0]] without constant term (`expm_phi1`), and Xᵀ for the even polynomials
/// f in Van Loan's [[X, cI], [0, −Xᵀ]] (`expm_van_loan`: the bottom block is f(−Xᵀ) = f(X)ᵀ). Each family is closed
/// under its product, a quarter or three eighths of the work of the dense 2n × 2n product.
struct TopBlocks {
    x: DMatrix<f64>,
    y: DMatrix<f64>,
}

impl TopBlocks {
    /// (X₁, Y₁)(X₂, Y₂) = (X₁X₂, X₁Y₂) when the bottom blocks are 0.
    fn mul_upper(&self, other: &TopBlocks) -> TopBlocks {
        TopBlocks { x: mul(&self.x, &other.x), y: mul(&self.x, &other.y) }
    }

    /// (X₁, Y₁)(X₂, Y₂) = (X₁X₂, X₁Y₂ + Y₁X₂ᵀ) when the bottom blocks are the top-left ones transposed.
    fn mul_van_loan(&self, other: &TopBlocks) -> TopBlocks {
        TopBlocks { x: mul(&self.x, &other.x), y: mul(&self.x, &other.y) + mul(&self.y, &other.x.transpose()) }
    }

    /// Σ c_k B_k.
    fn combine(terms: &[(f64, &TopBlocks)]) -> TopBlocks {
        let (c0, p0) = terms[0];
        let (mut x, mut y) = (&p0.x * c0, &p0.y * c0);
        for &(c, p) in &terms[1..] {
            x += &p.x * c;
            y += &p.y * c;
        }
        TopBlocks { x, y }
    }

    /// The even and odd parts of a Padé approximant of degree m from the even powers 𝓜², 𝓜⁴, … (`powers`), without
    /// their multiples of the identity: W = Σ_{j≥1} b_{2j+1} 𝓜^{2j} and V′ = Σ_{j≥1} b_{2j} 𝓜^{2j}, so that
    /// U = 𝓜 (W + b₁I) and V = V′ + b₀I (Higham 2005; degree 13 by his nested evaluation, which needs 𝓜² … 𝓜⁶ only).
    fn pade_parts(
        b: &[f64],
        powers: &[TopBlocks],
        mul: fn(&TopBlocks, &TopBlocks) -> TopBlocks,
    ) -> (TopBlocks, TopBlocks) {
        if b.len() == 14 {
            let [m2, m4, m6] = [&powers[0], &powers[1], &powers[2]];
            let inner_w = TopBlocks::combine(&[(b[13], m6), (b[11], m4), (b[9], m2)]);
            let inner_v = TopBlocks::combine(&[(b[12], m6), (b[10], m4), (b[8], m2)]);
            let w = TopBlocks::combine(&[(1.0, &mul(m6, &inner_w)), (b[7], m6), (b[5], m4), (b[3], m2)]);
            let v = TopBlocks::combine(&[(1.0, &mul(m6, &inner_v)), (b[6], m6), (b[4], m4), (b[2], m2)]);
            (w, v)
        } else {
            let odd: Vec<(f64, &TopBlocks)> = powers.iter().enumerate().map(|(j, p)| (b[2 * j + 3], p)).collect();
            let even: Vec<(f64, &TopBlocks)> = powers.iter().enumerate().map(|(j, p)| (b[2 * j + 2], p)).collect();
            (TopBlocks::combine(&odd), TopBlocks::combine(&even))
        }
    }

    /// 𝓜², 𝓜⁴, … as far as a Padé approximant with coefficients `b` needs them.
    fn even_powers(m2: TopBlocks, b: &[f64], mul: fn(&TopBlocks, &TopBlocks) -> TopBlocks) -> Vec<TopBlocks> {
        let count = if b.len() == 14 { 3 } else { (b.len() - 2) / 2 };
        let mut powers = vec![m2];
        while powers.len() < count {
            let next = mul(powers.last().expect("𝓜² is there"), &powers[0]);
            powers.push(next);
        }
        powers
    }
}

/// e^X together with c·φ₁(X) = c Σ_k X^k/(k+1)!, the two non-trivial blocks of
///
/// ```text
///     exp([[X, cI], [0, 0]]) = [[e^X, c φ₁(X)], [0, I]]        (Van Loan 1978)
/// ```
///
/// so that with X = A h and c = h the second is ∫₀ʰ e^{Ar} dr, the exponential integrator's φ₁ coefficient
/// ([`crate::sampler::integrator::StepCoefficients::new`]).
///
/// The algorithm is Higham's (2005, Algorithm 2.3: Padé degree m ∈ {3, 5, 7, 9, 13} chosen by the 1-norm of the
/// block matrix 𝓜, max(‖X‖₁, |c|), scaling by 2^−s when it exceeds θ₁₃, then s squarings) applied to 𝓜, with every
/// product done block-wise (this project's arrangement, exact algebra): the powers of 𝓜 are [[X^k, c X^{k−1}],
/// [0, 0]], so each costs two n × n products instead of eight; the Padé denominator [[Q₁₁, Q₁₂], [0, b₀I]] is solved
/// block-wise (the bottom blocks of the quotient are 0 and I, and its top-right is Q₁₁⁻¹(P₁₂ − Q₁₂) = 2 Q₁₁⁻¹U₁₂, one
/// LU of size n with 2n right-hand sides); a squaring is (E, F) ← (E², E F + F). About 16 n³ multiply–adds at
/// Padé(13) against 45 n³ for the dense 2n × 2n exponential, and 5 n³ at Padé(3) (small steps).
///
/// ```
/// use nalgebra::DMatrix;
/// use diffusion_regimes::linalg::expm_phi1;
/// // X = diag(−1, 2): e^X = diag(e^{−1}, e²), c φ₁(X) = c diag(1 − e^{−1}, (e² − 1)/2).
/// let x = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![-1.0, 2.0]));
/// let (e, f) = expm_phi1(&x, 0.5);
/// assert!((e[(1, 1)] - 2f64.exp()).abs() < 1e-14 * 2f64.exp());
/// assert!((f[(0, 0)] - 0.5 * (1.0 - (-1f64).exp())).abs() < 1e-15);
/// assert!((f[(1, 1)] - 0.5 * (2f64.exp() - 1.0) / 2.0).abs() < 1e-14);
/// ```
pub fn expm_phi1(x: &DMatrix<f64>, c: f64) -> (DMatrix<f64>, DMatrix<f64>) {
    assert!(x.is_square(), "expm_phi1 needs a square matrix");
    assert!(c.is_finite(), "expm_phi1 needs a finite c, got {c}");
    let n = x.nrows();
    let (b, s) = pade_degree(one_norm(x).max(c.abs()));
    let scale = 2f64.powi(-s);
    let id = DMatrix::<f64>::identity(n, n);
    let xs = x * scale;
    // 𝓜² = (X², cX): its top-right block needs no product.
    let m2 = TopBlocks { x: mul(&xs, &xs), y: &xs * (c * scale) };
    let powers = TopBlocks::even_powers(m2, b, TopBlocks::mul_upper);
    let (w, v) = TopBlocks::pade_parts(b, &powers, TopBlocks::mul_upper);
    // U = 𝓜 (W + b₁I) = (X (W₁₁ + b₁I), X W₁₂ + c b₁ I); V = V' + b₀ I (the bottom-right blocks: 0 for U, b₀I for V).
    let u11 = mul(&xs, &(&w.x + &id * b[1]));
    let u12 = mul(&xs, &w.y) + &id * (c * scale * b[1]);
    let p11 = &v.x + &id * b[0] + &u11;
    let q11 = &v.x + &id * b[0] - &u11;
    // Q₁₁ [R₁₁ | R₁₂] = [P₁₁ | 2U₁₂].
    let mut parts = lu_solve(&q11, &[&p11, &(u12 * 2.0)]);
    let (mut f, mut e) = (parts.pop().expect("two parts"), parts.pop().expect("two parts"));
    for _ in 0..s {
        // (E, F) ← (E², E F + F): the kernel with β = 1 adds E F to F (column-major M is row-major Mᵀ, so the
        // operands go in swapped, as in `mul`).
        let mut next_f = f.clone();
        crate::kernels::dense::gemm(n, n, n, 1.0, f.as_slice(), e.as_slice(), 1.0, next_f.as_mut_slice());
        e = mul(&e, &e);
        f = next_f;
    }
    (e, f)
}

/// The blocks of Van Loan's exponential (1978)
///
/// ```text
///     exp([[X, cI], [0, −Xᵀ]]) = [[e^X, F], [0, e^{−Xᵀ}]],    F = c ∫₀¹ e^{X(1−r)} e^{−Xᵀ r} dr,
/// ```
///
/// returned as (e^X, F, e^{−Xᵀ}). With X = −A t and c = 2t, F e^Xᵀ = ∫₀ᵗ e^{−Ar} 2 e^{−Aᵀr} dr = Σ_t without
/// cancellation ([`crate::process::OuProcess::transition`]).
///
/// Higham's algorithm as in [`expm_phi1`] (Padé degree by the block matrix's 1-norm, max(‖X‖₁, |c| + ‖X‖_∞)), with
/// the block structure used throughout (this project's arrangement, exact algebra): for any polynomial f the blocks
/// of f(𝓜) are f(X), a top-right block, and f(−X)ᵀ, so the Padé parts p(𝓜) = V + U and q(𝓜) = V − U have bottom
/// blocks q(X)ᵀ and p(X)ᵀ; the quotient's blocks are R₁₁ = Q₁₁⁻¹P₁₁, R₂₂ = (P₁₁⁻¹Q₁₁)ᵀ and R₁₂ = Q₁₁⁻¹(P₁₂ −
/// Q₁₂R₂₂): two LU factorizations of size n; a squaring is (E, F, H) ← (E², E F + F H, H²). About 24 n³
/// multiply–adds at Padé(13) against 45 n³ for the dense 2n × 2n exponential.
///
/// ```
/// use nalgebra::DMatrix;
/// use diffusion_regimes::linalg::expm_van_loan;
/// // X = −a (1 × 1), c = 2: F = 2 ∫₀¹ e^{−a(1−r)} e^{ar} dr = 2 sinh(a)/a, and F e^X = (1 − e^{−2a})/a = Σ₁ for u = a.
/// let a = 0.7;
/// let (e, f, h) = expm_van_loan(&DMatrix::from_element(1, 1, -a), 2.0);
/// assert!((e[(0, 0)] - (-a).exp()).abs() < 1e-15 && (h[(0, 0)] - a.exp()).abs() < 1e-14);
/// assert!((f[(0, 0)] - 2.0 * a.sinh() / a).abs() < 1e-15);
/// ```
pub fn expm_van_loan(x: &DMatrix<f64>, c: f64) -> (DMatrix<f64>, DMatrix<f64>, DMatrix<f64>) {
    assert!(x.is_square(), "expm_van_loan needs a square matrix");
    assert!(c.is_finite(), "expm_van_loan needs a finite c, got {c}");
    let n = x.nrows();
    // The block matrix's 1-norm: the left columns are X's, the right ones c plus −Xᵀ's (X's row sums).
    let inf_norm = one_norm(&x.transpose());
    let (b, s) = pade_degree(one_norm(x).max(c.abs() + inf_norm));
    let scale = 2f64.powi(-s);
    let id = DMatrix::<f64>::identity(n, n);
    let xs = x * scale;
    let cs = c * scale;
    // 𝓜² = (X², c (X − Xᵀ)): no product for its top-right block.
    let m2 = TopBlocks { x: mul(&xs, &xs), y: (&xs - xs.transpose()) * cs };
    let powers = TopBlocks::even_powers(m2, b, TopBlocks::mul_van_loan);
    let (w, v) = TopBlocks::pade_parts(b, &powers, TopBlocks::mul_van_loan);
    // U = 𝓜 (W + b₁I): top-left X W₁₁′, top-right X W₁₂ + c W₁₁′ᵀ (W₁₁′ = W₁₁ + b₁I, whose bottom block is W₁₁′ᵀ).
    let w11 = &w.x + &id * b[1];
    let u11 = mul(&xs, &w11);
    let u12 = mul(&xs, &w.y) + w11.transpose() * cs;
    let v11 = &v.x + &id * b[0];
    let (p11, q11) = (&v11 + &u11, &v11 - &u11);
    let (p12, q12) = (&v.y + &u12, &v.y - &u12);
    // R₂₂ = (P₁₁⁻¹ Q₁₁)ᵀ, then Q₁₁ [R₁₁ | R₁₂] = [P₁₁ | P₁₂ − Q₁₂ R₂₂].
    let r22 = lu_solve(&p11, &[&q11]).remove(0).transpose();
    let rhs12 = &p12 - mul(&q12, &r22);
    let mut parts = lu_solve(&q11, &[&p11, &rhs12]);
    let (mut f, mut e, mut h) = (parts.pop().expect("two parts"), parts.pop().expect("two parts"), r22);
    for _ in 0..s {
        // (E, F, H) ← (E², E F + F H, H²).
        f = mul(&e, &f) + mul(&f, &h);
        e = mul(&e, &e);
        h = mul(&h, &h);
    }
    (e, f, h)
}

/// Solves A X_k = B_k for each right-hand side by one LU factorization with partial pivoting (the kernel's, on
/// row-major copies).
fn lu_solve(a: &DMatrix<f64>, rhs: &[&DMatrix<f64>]) -> Vec<DMatrix<f64>> {
    let n = a.nrows();
    let r: usize = rhs.iter().map(|b| b.ncols()).sum();
    let mut a_rows: Vec<f64> = a.transpose().as_slice().to_vec();
    let mut b = vec![0.0; n * r];
    let mut col = 0;
    for m in rhs {
        for i in 0..n {
            for j in 0..m.ncols() {
                b[i * r + col + j] = m[(i, j)];
            }
        }
        col += m.ncols();
    }
    assert!(
        crate::kernels::dense::lu_solve_in_place(&mut a_rows, &mut b, n, r),
        "Padé denominator is nonsingular after scaling"
    );
    let mut col = 0;
    rhs.iter()
        .map(|m| {
            let out = DMatrix::from_fn(n, m.ncols(), |i, j| b[i * r + col + j]);
            col += m.ncols();
            out
        })
        .collect()
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
        let sq = if norm1 > THETA13 { squarings(norm1) } else { 0 };
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

    /// The dense reference for [`expm_phi1`]: the blocks of exp([[X, cI], [0, 0]]) by [`expm`] on the 2n × 2n matrix.
    fn expm_phi1_dense(x: &DMatrix<f64>, c: f64) -> (DMatrix<f64>, DMatrix<f64>) {
        let n = x.nrows();
        let mut block = DMatrix::zeros(2 * n, 2 * n);
        block.view_mut((0, 0), (n, n)).copy_from(x);
        block.view_mut((0, n), (n, n)).copy_from(&(DMatrix::identity(n, n) * c));
        let e = expm(&block);
        (e.view((0, 0), (n, n)).into_owned(), e.view((0, n), (n, n)).into_owned())
    }

    /// Runs `check(X, t)` on X = ±A t for a non-normal drift (U log-spaced, a dense antisymmetric Q) over norms
    /// that select each Padé degree (θ₃ = 0.015 … θ₁₃ = 5.4) and several squarings; `check` returns the 1-norm of
    /// the block matrix it exponentiated, and every degree must have been exercised.
    fn at_every_degree(targets: [f64; 9], check: impl Fn(&DMatrix<f64>, f64) -> f64) {
        let d = 12;
        let u = DMatrix::from_fn(d, d, |i, j| if i == j { 10f64.powf(i as f64 / (d - 1) as f64) } else { 0.0 });
        let g = DMatrix::from_fn(d, d, |i, j| ((3 * i + 7 * j) % 11) as f64 / 5.0 - 1.0);
        let a = (DMatrix::identity(d, d) + (&g - g.transpose())) * &u;
        let norm = one_norm(&a);
        let mut degrees = std::collections::BTreeSet::new();
        for target in targets {
            for sign in [1.0, -1.0] {
                let t = target / norm;
                let block_norm = check(&(&a * (sign * t)), t);
                degrees.insert(THETA_LOW.iter().position(|&th| block_norm <= th).unwrap_or(4));
            }
        }
        assert_eq!(degrees.len(), 5, "every degree was exercised: {degrees:?}");
    }

    #[test]
    fn expm_phi1_agrees_with_the_dense_block_exponential_at_every_degree() {
        // c = t, as the integrator uses it.
        at_every_degree([1e-9, 1e-3, 0.01, 0.1, 0.5, 1.5, 4.0, 20.0, 300.0], |x, t| {
            let (e, f) = expm_phi1(x, t);
            let (e_ref, f_ref) = expm_phi1_dense(x, t);
            let err_e = (&e - &e_ref).norm() / e_ref.norm();
            let err_f = (&f - &f_ref).norm() / f_ref.norm();
            assert!(err_e < 1e-13 && err_f < 1e-13, "‖X‖₁ = {}: {err_e:e} {err_f:e}", one_norm(x));
            one_norm(x).max(t)
        });
    }

    #[test]
    fn expm_van_loan_agrees_with_the_dense_block_exponential_at_every_degree() {
        // c = 2t, as the noise covariance uses it.
        at_every_degree([1e-9, 1e-3, 0.005, 0.1, 0.5, 1.5, 4.0, 20.0, 300.0], |x, t| {
            let d = x.nrows();
            let (e, f, h) = expm_van_loan(x, 2.0 * t);
            let mut block = DMatrix::zeros(2 * d, 2 * d);
            block.view_mut((0, 0), (d, d)).copy_from(x);
            block.view_mut((0, d), (d, d)).copy_from(&(DMatrix::identity(d, d) * (2.0 * t)));
            block.view_mut((d, d), (d, d)).copy_from(&(-x.transpose()));
            let dense = expm(&block);
            for (got, (r, c)) in [(&e, (0, 0)), (&f, (0, d)), (&h, (d, d))] {
                let reference = dense.view((r, c), (d, d));
                let err = (got - reference).norm() / reference.norm();
                assert!(err < 1e-13, "‖X‖₁ = {}, block ({r}, {c}): {err:e}", one_norm(x));
            }
            one_norm(x).max(2.0 * t + one_norm(&x.transpose()))
        });
    }

    #[test]
    fn non_finite_input_ends_without_hanging() {
        // An infinite entry (an overflowed step) must give non-finite results, not 2³¹ squarings.
        let m = DMatrix::from_row_slice(2, 2, &[f64::INFINITY, 0.0, 0.0, 1.0]);
        assert!(expm(&m).iter().any(|x| !x.is_finite()));
        assert!(expm_phi1(&m, 1.0).0.iter().any(|x| !x.is_finite()));
        assert!(expm_van_loan(&m, 1.0).0.iter().any(|x| !x.is_finite()));
        assert_eq!(squarings(f64::MAX), 1022); // log₂(1.8e308 / 5.37) = 1021.6
        assert_eq!(squarings(f64::INFINITY), 1100);
    }

    #[test]
    fn expm_phi1_of_a_diagonal_is_the_scalar_functions() {
        // e^x and c (e^x − 1)/x entry by entry, from x = 10⁻¹⁰ (φ₁ → c without cancellation) to x = ±40.
        let xs = [1e-10, -3e-3, 0.2, -0.9, 2.0, -5.0, 12.0, -40.0];
        let x = DMatrix::from_diagonal(&DVector::from_vec(xs.to_vec()));
        for c in [1e-6, 0.3, 2.0] {
            let (e, f) = expm_phi1(&x, c);
            for (k, &xk) in xs.iter().enumerate() {
                let phi = c * libm::expm1(xk) / xk;
                // Squaring multiplies e^{x/2^s}'s relative error by 2^s (s = 3 for 40): 4·10⁻¹⁴ at x = −40.
                assert!((e[(k, k)] / libm::exp(xk) - 1.0).abs() < 1e-13, "x = {xk}, c = {c}");
                assert!((f[(k, k)] / phi - 1.0).abs() < 2e-14, "x = {xk}, c = {c}: {} vs {phi}", f[(k, k)]);
            }
            let off_diagonal_zero =
                |m: &DMatrix<f64>| m.iter().enumerate().all(|(i, &v)| i % (xs.len() + 1) == 0 || v == 0.0);
            assert!(off_diagonal_zero(&e) && off_diagonal_zero(&f));
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
    fn expm_agrees_with_the_top_left_block_of_expm_phi1() {
        // Two implementations of e^X: Padé(13) on X ([`expm`], [`ExpmWorkspace`]) and the block-wise Padé of
        // [[X, cI], [0, 0]] with Higham's degree selection ([`expm_phi1`]), over norms that select every degree.
        let m = DMatrix::from_row_slice(3, 3, &[0.1, -2.0, 0.3, 1.5, -0.7, 0.2, 0.0, 0.4, -1.1]);
        for s in [1e-4, 0.01, 0.3, 1.0, -7.5, 40.0] {
            let x = &m * s;
            let e = expm(&x);
            let (e_block, _) = expm_phi1(&x, 0.0);
            assert!((&e_block - &e).norm() < 1e-13 * e.norm(), "s = {s}");
        }
    }

    #[test]
    fn spectral_norm_of_jordan_block() {
        // ‖[[1, 1], [0, 1]]‖₂ = golden ratio.
        let m = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 1.0]);
        assert!((spectral_norm(&m) - (1.0 + 5f64.sqrt()) / 2.0).abs() < 1e-12);
    }
}
