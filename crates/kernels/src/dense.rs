//! Small dense row-major matrix kernels for the per-time preparation of the scores and integrators (d × d products,
//! in-place Cholesky, triangular inverse, LU solve), on caller-owned buffers so a step allocates nothing.
//!
//! These are O(d³) per call, independent of the number of particles; they are written for clarity and a fixed
//! summation order (ascending inner index), not for peak speed. Every matrix is row-major: `m[i * n + j]` = M_ij.

/// `c ← α a b + β c` for row-major a (m × k), b (k × n), c (m × n). The inner sum runs over the k index in ascending
/// order, accumulated row by row (an i-k-j loop, which the compiler vectorizes over j).
///
/// ```
/// use diffusion_regimes::kernels::dense::gemm;
/// let (a, b) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]);
/// let mut c = [1.0; 4];
/// gemm(2, 2, 2, 1.0, &a, &b, 1.0, &mut c);
/// assert_eq!(c, [20.0, 23.0, 44.0, 51.0]);
/// ```
#[allow(clippy::too_many_arguments)] // BLAS's gemm signature: sizes, scalars and operands.
pub fn gemm(m: usize, k: usize, n: usize, alpha: f64, a: &[f64], b: &[f64], beta: f64, c: &mut [f64]) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n, "gemm: operand sizes");
    for i in 0..m {
        let ci = &mut c[i * n..(i + 1) * n];
        if beta == 0.0 {
            ci.fill(0.0);
        } else if beta != 1.0 {
            ci.iter_mut().for_each(|v| *v *= beta);
        }
        for (p, &aip) in a[i * k..(i + 1) * k].iter().enumerate() {
            let s = alpha * aip;
            if s == 0.0 {
                continue;
            }
            for (cv, bv) in ci.iter_mut().zip(&b[p * n..(p + 1) * n]) {
                *cv += s * bv;
            }
        }
    }
}

/// `c ← a bᵀ` for row-major a (m × k), b (n × k): entry (i, j) is the dot product of row i of a and row j of b.
pub fn gemm_nt(m: usize, k: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
    assert!(a.len() >= m * k && b.len() >= n * k && c.len() >= m * n, "gemm_nt: operand sizes");
    super::dots(&a[..m * k], &b[..n * k], k, c, n);
}

/// Transposes a row-major n × n matrix in place.
pub fn transpose_in_place(m: &mut [f64], n: usize) {
    for i in 0..n {
        for j in i + 1..n {
            m.swap(i * n + j, j * n + i);
        }
    }
}

/// Symmetrizes a row-major n × n matrix in place: M ← (M + Mᵀ)/2.
pub fn symmetrize(m: &mut [f64], n: usize) {
    for i in 0..n {
        for j in i + 1..n {
            let s = 0.5 * (m[i * n + j] + m[j * n + i]);
            m[i * n + j] = s;
            m[j * n + i] = s;
        }
    }
}

/// In-place Cholesky factorization of a symmetric positive definite row-major n × n matrix: on success the lower
/// triangle holds L (L Lᵀ = M) and the strict upper triangle is zeroed. Returns `false` (matrix left partly
/// overwritten) when a pivot is not positive or not finite.
pub fn cholesky_in_place(m: &mut [f64], n: usize) -> bool {
    assert!(m.len() >= n * n, "cholesky_in_place: size");
    for j in 0..n {
        let row_j = &mut m[j * n..(j + 1) * n];
        let pivot = row_j[j] - super::dot(&row_j[..j], &row_j[..j]);
        if !(pivot > 0.0 && pivot.is_finite()) {
            return false;
        }
        let ljj = pivot.sqrt();
        row_j[j] = ljj;
        row_j[j + 1..].fill(0.0);
        // Column j below the diagonal, from the rows after row j.
        let (upto_j, after_j) = m.split_at_mut((j + 1) * n);
        let lj = &upto_j[j * n..j * n + j];
        for row_i in after_j.chunks_exact_mut(n) {
            row_i[j] = (row_i[j] - super::dot(&row_i[..j], lj)) / ljj;
        }
    }
    true
}

/// Inverse of an SPD matrix from its Cholesky factor L (row-major, lower): M⁻¹ = L⁻ᵀ L⁻¹ into `out`, using `w` (n²)
/// as scratch for W = L⁻¹. The result is exactly symmetric (each entry computed once and mirrored).
pub fn spd_inverse_from_cholesky(l: &[f64], n: usize, w: &mut [f64], out: &mut [f64]) {
    assert!(l.len() >= n * n && w.len() >= n * n && out.len() >= n * n, "spd_inverse_from_cholesky: sizes");
    // W = L⁻¹ is lower triangular; column j solves L w = e_j by forward substitution, stored row-major.
    w[..n * n].fill(0.0);
    for j in 0..n {
        w[j * n + j] = 1.0 / l[j * n + j];
        for i in j + 1..n {
            let mut s = 0.0;
            for k in j..i {
                s += l[i * n + k] * w[k * n + j];
            }
            w[i * n + j] = -s / l[i * n + i];
        }
    }
    // (M⁻¹)_ij = Σ_k W_ki W_kj over k ≥ max(i, j).
    for i in 0..n {
        for j in 0..=i {
            let mut s = 0.0;
            for k in i..n {
                s += w[k * n + i] * w[k * n + j];
            }
            out[i * n + j] = s;
            out[j * n + i] = s;
        }
    }
}

/// `y ← M x` for a row-major n × n matrix M.
pub fn matvec(m: &[f64], x: &[f64], y: &mut [f64]) {
    let n = x.len();
    for (i, yi) in y.iter_mut().enumerate().take(n) {
        *yi = super::dot(&m[i * n..(i + 1) * n], x);
    }
}

/// Solves A X = B in place for row-major n × n A and n × r B, by LU with partial pivoting: on return `b` holds X and
/// `a` its LU factors. Returns `false` when a pivot is exactly zero.
pub fn lu_solve_in_place(a: &mut [f64], b: &mut [f64], n: usize, r: usize) -> bool {
    for k in 0..n {
        let p = (k..n).max_by(|&i, &j| a[i * n + k].abs().total_cmp(&a[j * n + k].abs())).unwrap_or(k);
        if a[p * n + k] == 0.0 {
            return false;
        }
        if p != k {
            for j in 0..n {
                a.swap(k * n + j, p * n + j);
            }
            for j in 0..r {
                b.swap(k * r + j, p * r + j);
            }
        }
        let piv = a[k * n + k];
        for i in k + 1..n {
            let f = a[i * n + k] / piv;
            if f == 0.0 {
                continue;
            }
            a[i * n + k] = f;
            for j in k + 1..n {
                a[i * n + j] -= f * a[k * n + j];
            }
            for j in 0..r {
                b[i * r + j] -= f * b[k * r + j];
            }
        }
    }
    for k in (0..n).rev() {
        let piv = a[k * n + k];
        for j in 0..r {
            let mut s = b[k * r + j];
            for i in k + 1..n {
                s -= a[k * n + i] * b[i * r + j];
            }
            b[k * r + j] = s / piv;
        }
    }
    true
}

/// In-place Cholesky factorization A = UᵀU of a symmetric positive definite row-major n × n matrix, reading only
/// the upper triangle, fused with the forward substitution Uᵀ Z = Y for the n × r row-major right-hand side `y`
/// (r = 0: no right-hand side). On success the upper triangle holds U and `y` holds Z; returns `false` (both left
/// partly overwritten) when a pivot is not positive or not finite.
///
/// Right-looking, two pivots at a time: after rows k and k+1 of U are final, every later row i is updated by
/// a_i[i..] −= u_ki u_k[i..] + u_{k+1,i} u_{k+1}[i..], a contiguous rank-2 update that the compiler vectorizes
/// (SSE2 natively, simd128 in wasm) and that reads and writes each trailing row once per two pivots. This is the
/// per-time factorization of the theory (`theory::modal`), where it dominates the cost.
///
/// ```
/// use diffusion_regimes::kernels::dense::cholesky_upper_solve;
/// // A = [[4, 2], [2, 5]] = UᵀU with U = [[2, 1], [0, 2]]; Uᵀ z = (2, 5) gives z = (1, 2).
/// let mut a = [4.0, 2.0, 2.0, 5.0];
/// let mut y = [2.0, 5.0];
/// assert!(cholesky_upper_solve(&mut a, 2, &mut y, 1));
/// assert_eq!((a[0], a[1], a[3]), (2.0, 1.0, 2.0));
/// assert_eq!(y, [1.0, 2.0]);
/// ```
pub fn cholesky_upper_solve(a: &mut [f64], n: usize, y: &mut [f64], r: usize) -> bool {
    assert!(a.len() >= n * n && y.len() >= n * r, "cholesky_upper_solve: sizes");
    let mut k = 0;
    while k < n {
        // Row k: pivot, scaling, and its right-hand side.
        if !finish_row(a, n, k, y, r) {
            return false;
        }
        if k + 1 == n {
            break;
        }
        // Row k + 1 gets its rank-1 update from row k, then is finished.
        {
            let (head, tail) = a.split_at_mut((k + 1) * n);
            let uk = &head[k * n..(k + 1) * n];
            let s = uk[k + 1];
            for (x, u) in tail[k + 1..n].iter_mut().zip(&uk[k + 1..n]) {
                *x -= s * u;
            }
            let (yh, yt) = y.split_at_mut((k + 1) * r);
            for (x, z) in yt[..r].iter_mut().zip(&yh[k * r..(k + 1) * r]) {
                *x -= s * z;
            }
        }
        if !finish_row(a, n, k + 1, y, r) {
            return false;
        }
        // Rank-2 update of the rows after k + 1.
        let (head, tail) = a.split_at_mut((k + 2) * n);
        let (uk, uk1) = head[k * n..].split_at(n);
        let (yh, yt) = y.split_at_mut((k + 2) * r);
        let (zk, zk1) = yh[k * r..].split_at(r);
        for (off, row) in tail.chunks_exact_mut(n).enumerate() {
            let i = k + 2 + off;
            let (s0, s1) = (uk[i], uk1[i]);
            for ((x, u0), u1) in row[i..].iter_mut().zip(&uk[i..n]).zip(&uk1[i..n]) {
                *x -= s0 * u0 + s1 * u1;
            }
            for ((x, z0), z1) in yt[off * r..(off + 1) * r].iter_mut().zip(zk).zip(zk1) {
                *x -= s0 * z0 + s1 * z1;
            }
        }
        k += 2;
    }
    true
}

/// Pivot of row k of [`cholesky_upper_solve`] (all updates applied): u_kk = √a_kk, the rest of the row and the
/// right-hand side row divided by it.
#[inline(always)]
fn finish_row(a: &mut [f64], n: usize, k: usize, y: &mut [f64], r: usize) -> bool {
    let row = &mut a[k * n..(k + 1) * n];
    let pivot = row[k];
    if !(pivot > 0.0 && pivot.is_finite()) {
        return false;
    }
    let ukk = pivot.sqrt();
    row[k] = ukk;
    let inv = 1.0 / ukk;
    row[k + 1..].iter_mut().for_each(|x| *x *= inv);
    y[k * r..(k + 1) * r].iter_mut().for_each(|x| *x *= inv);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize) -> Vec<f64> {
        // M = B Bᵀ + n I with a fixed pseudo-random B.
        let b: Vec<f64> = (0..n * n).map(|i| ((i as f64) * 0.754877).sin()).collect();
        let mut m = vec![0.0; n * n];
        gemm_nt(n, n, n, &b, &b, &mut m);
        (0..n).for_each(|i| m[i * n + i] += n as f64);
        m
    }

    #[test]
    fn cholesky_inverse_and_lu_solve_invert() {
        for n in [1, 3, 8, 17] {
            let m = spd(n);
            let mut l = m.clone();
            assert!(cholesky_in_place(&mut l, n));
            let mut llt = vec![0.0; n * n];
            gemm_nt(n, n, n, &l, &l, &mut llt);
            assert!(llt.iter().zip(&m).all(|(a, b)| (a - b).abs() < 1e-12 * n as f64));
            let (mut w, mut inv) = (vec![0.0; n * n], vec![0.0; n * n]);
            spd_inverse_from_cholesky(&l, n, &mut w, &mut inv);
            let mut id = vec![0.0; n * n];
            gemm(n, n, n, 1.0, &m, &inv, 0.0, &mut id);
            for i in 0..n {
                for j in 0..n {
                    assert!((id[i * n + j] - f64::from(u8::from(i == j))).abs() < 1e-12);
                }
            }
            let mut a = m.clone();
            let mut x = m.clone();
            assert!(lu_solve_in_place(&mut a, &mut x, n, n));
            for i in 0..n {
                for j in 0..n {
                    assert!((x[i * n + j] - f64::from(u8::from(i == j))).abs() < 1e-12);
                }
            }
        }
        let mut not_spd = vec![1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky_in_place(&mut not_spd, 2));
    }
    #[test]
    fn upper_cholesky_factors_and_solves() {
        for n in [1, 2, 3, 8, 17, 64] {
            let m = spd(n);
            let r = 2;
            let y0: Vec<f64> = (0..n * r).map(|i| (i as f64 * 0.37).cos()).collect();
            let (mut u, mut z) = (m.clone(), y0.clone());
            // Garbage below the diagonal must not be read.
            (0..n).for_each(|i| (0..i).for_each(|j| u[i * n + j] = f64::NAN));
            assert!(cholesky_upper_solve(&mut u, n, &mut z, r));
            (0..n).for_each(|i| (0..i).for_each(|j| u[i * n + j] = 0.0));
            // UᵀU = M and Uᵀ Z = Y.
            let mut ut = u.clone();
            transpose_in_place(&mut ut, n);
            let mut utu = vec![0.0; n * n];
            gemm(n, n, n, 1.0, &ut, &u, 0.0, &mut utu);
            assert!(utu.iter().zip(&m).all(|(a, b)| (a - b).abs() < 1e-12 * n as f64));
            let mut utz = vec![0.0; n * r];
            gemm(n, n, r, 1.0, &ut, &z, 0.0, &mut utz);
            assert!(utz.iter().zip(&y0).all(|(a, b)| (a - b).abs() < 1e-12));
        }
        let mut not_spd = vec![1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky_upper_solve(&mut not_spd, 2, &mut [], 0));
    }
}
