//! Small dense row-major matrix kernels for the per-time preparation of the scores and integrators (d × d products,
//! in-place Cholesky, the SPD inverse from a Cholesky factor, triangular and LU solves), on caller-owned buffers so a
//! step allocates nothing.
//!
//! These are O(d³) per call, independent of the number of particles, with a fixed summation order for every entry
//! (ascending inner index). Where they are hot the loops are arranged for speed with each entry's operations kept in
//! that order: [`gemm`] in 4 × 4 register blocks of two-lane registers, [`spd_inverse_from_cholesky`] eight entries at
//! a time, and [`cholesky_upper_solve`] (the theory's hot loop) with two pivots per pass. Every matrix is
//! row-major: `m[i * n + j]` = M_ij.

/// `c ← α a b + β c` for row-major a (m × k), b (k × n), c (m × n). Each entry starts from β c (0 for β = 0, c for
/// β = 1) and adds the products (α a_ip)·b_pj in ascending p, each rounded before the add, skipping those with
/// α a_ip = 0. Four rows whose α a_ip are all non-zero go through 4 × 4 register blocks ([`crate::lanes::F2`]); other
/// rows (sparse ones, where skipping whole row updates pays) and the remaining columns run the plain i-p-j loop.
/// Either way each entry gets the same operations in the same order, so the same bits.
///
/// ```
/// use regimes_kernels::dense::gemm;
/// let (a, b) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]);
/// let mut c = [1.0; 4];
/// gemm(2, 2, 2, 1.0, &a, &b, 1.0, &mut c);
/// assert_eq!(c, [20.0, 23.0, 44.0, 51.0]);
/// ```
#[allow(clippy::too_many_arguments)] // BLAS's gemm signature: sizes, scalars and operands.
pub fn gemm(m: usize, k: usize, n: usize, alpha: f64, a: &[f64], b: &[f64], beta: f64, c: &mut [f64]) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n, "gemm: operand sizes");
    if m == 0 || n == 0 {
        return;
    }
    for ci in c[..m * n].chunks_exact_mut(n) {
        if beta == 0.0 {
            ci.fill(0.0);
        } else if beta != 1.0 {
            ci.iter_mut().for_each(|v| *v *= beta);
        }
    }
    let nb = n - n % BLOCK;
    if !(nb >= PACK_MIN_N && (1..=PACK_MAX_K).contains(&k) && gemm_packed(m, k, n, alpha, a, b, c)) {
        for i0 in dense_blocks(m, k, nb, alpha, a) {
            for j0 in (0..nb).step_by(BLOCK) {
                gemm_block(i0, k, n, alpha, a, &b[j0..], n, &mut c[j0..]);
            }
        }
    }
    gemm_rows_outside_blocks(m, k, n, alpha, a, b, c);
}

/// The first rows of [`gemm`]'s register blocks, top to bottom: from row 0, four rows make a block when they all
/// exist, there is a block of columns and an inner dimension, and every α a_ip of the rows is non-zero; otherwise
/// the row runs the plain loop (which skips its zeros) and the search goes on from the next row.
fn dense_blocks<'a>(m: usize, k: usize, nb: usize, alpha: f64, a: &'a [f64]) -> impl Iterator<Item = usize> + 'a {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i + BLOCK <= m && nb > 0 && k > 0 {
            let i0 = i;
            if a[i0 * k..(i0 + BLOCK) * k].iter().all(|v| alpha * v != 0.0) {
                i += BLOCK;
                return Some(i0);
            }
            i += 1;
        }
        None
    })
}

/// The entries of [`gemm`] outside its register blocks: the columns past the last block of four in the blocks'
/// rows, and whole rows elsewhere, by the plain loop.
fn gemm_rows_outside_blocks(m: usize, k: usize, n: usize, alpha: f64, a: &[f64], b: &[f64], c: &mut [f64]) {
    let nb = n - n % BLOCK;
    let mut i = 0;
    for i0 in dense_blocks(m, k, nb, alpha, a) {
        (i..i0).for_each(|r| gemm_row(r, 0, k, n, alpha, a, b, c));
        (i0..i0 + BLOCK).for_each(|r| gemm_row(r, nb, k, n, alpha, a, b, c));
        i = i0 + BLOCK;
    }
    (i..m).for_each(|r| gemm_row(r, 0, k, n, alpha, a, b, c));
}

/// Columns from which [`gemm`] packs b's blocks of four columns: a block's rows are n doubles apart in b, so at
/// n = 512 every row of a block sits at the same offset of its own 4 KiB page and of the same L1 set, and the
/// block's k rows miss the cache and the TLB on every pass (16 against 22 GFLOP/s at d = 512, natively).
const PACK_MIN_N: usize = 256;
/// Longest inner dimension whose packed block of b fits the stack buffer (4 × 1024 doubles, 32 KiB).
const PACK_MAX_K: usize = 1024;
/// Most register blocks of rows [`gemm_packed`] lists (4096 rows; larger products take the unpacked loop).
const PACK_MAX_BLOCKS: usize = 1024;
/// Register blocks of rows (4 × 16 = 64 rows of a: 64 · k doubles, in L2) that share one packed block of b.
const PACK_GROUP: usize = 16;

/// [`gemm`]'s register blocks with b's blocks of four columns copied into a contiguous k × 4 buffer, once per 64
/// rows of a: the same blocks as the unpacked loop (the same data-dependent choice), each entry with the same
/// operations in the same order, so the same bits. False (nothing done) past 1024 blocks.
fn gemm_packed(m: usize, k: usize, n: usize, alpha: f64, a: &[f64], b: &[f64], c: &mut [f64]) -> bool {
    let nb = n - n % BLOCK;
    let mut starts = [0usize; PACK_MAX_BLOCKS];
    let mut count = 0;
    for i0 in dense_blocks(m, k, nb, alpha, a) {
        if count == PACK_MAX_BLOCKS {
            return false;
        }
        starts[count] = i0;
        count += 1;
    }
    let mut strip = [0.0f64; BLOCK * PACK_MAX_K];
    for group in starts[..count].chunks(PACK_GROUP) {
        for j0 in (0..nb).step_by(BLOCK) {
            for (p, s) in strip[..BLOCK * k].chunks_exact_mut(BLOCK).enumerate() {
                s.copy_from_slice(&b[p * n + j0..p * n + j0 + BLOCK]);
            }
            for &i0 in group {
                gemm_block(i0, k, n, alpha, a, &strip[..BLOCK * k], BLOCK, &mut c[j0..]);
            }
        }
    }
    true
}

/// Rows and columns of a register block of [`gemm`].
const BLOCK: usize = 4;

/// Row i of [`gemm`] over columns j0..n: the plain i-p-j loop, skipping zero α a_ip.
#[allow(clippy::too_many_arguments)]
fn gemm_row(i: usize, j0: usize, k: usize, n: usize, alpha: f64, a: &[f64], b: &[f64], c: &mut [f64]) {
    if j0 >= n {
        return;
    }
    let ci = &mut c[i * n + j0..(i + 1) * n];
    for (p, &aip) in a[i * k..(i + 1) * k].iter().enumerate() {
        let s = alpha * aip;
        if s == 0.0 {
            continue;
        }
        for (cv, bv) in ci.iter_mut().zip(&b[p * n + j0..(p + 1) * n]) {
            *cv += s * bv;
        }
    }
}

/// The 4 × 4 register block of [`gemm`] at rows i0.. for rows whose α a_ip are all non-zero: eight two-lane
/// accumulators over all of p, started from c. `bs` holds the block's four columns of b, row p at `p * ldb` (b itself
/// from column j0 with ldb = n, or a packed copy with ldb = 4), and `c` starts at column j0 (row stride n).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn gemm_block(i0: usize, k: usize, n: usize, alpha: f64, a: &[f64], bs: &[f64], ldb: usize, c: &mut [f64]) {
    use crate::lanes::F2;
    assert!(
        k > 0
            && (i0 + BLOCK - 1) * n + BLOCK <= c.len()
            && a.len() >= (i0 + BLOCK) * k
            && bs.len() >= (k - 1) * ldb + BLOCK
    );
    // SAFETY (the unchecked accesses below): rows i0..i0 + 4 of c and a, the four columns of c and the k rows of bs
    // exist (asserted above), and p < k.
    let pair = |s: &[f64], at: usize| -> F2 { F2::load(unsafe { &*(s.as_ptr().add(at) as *const [f64; 2]) }) };
    let mut acc: [[F2; 2]; BLOCK] = std::array::from_fn(|r| {
        let at = (i0 + r) * n;
        [pair(c, at), pair(c, at + 2)]
    });
    let unit = alpha == 1.0;
    for p in 0..k {
        let (b0, b1) = (pair(bs, p * ldb), pair(bs, p * ldb + 2));
        for (r, ar) in acc.iter_mut().enumerate() {
            let aip = unsafe { *a.get_unchecked((i0 + r) * k + p) };
            // α = 1: α a_ip = a_ip exactly, so splat it straight from memory (the same bits, one multiply fewer).
            let sv = F2::splat(if unit { aip } else { alpha * aip });
            ar[0] = ar[0].add_mul(sv, b0);
            ar[1] = ar[1].add_mul(sv, b1);
        }
    }
    for (r, ar) in acc.iter().enumerate() {
        let at = (i0 + r) * n;
        c[at..at + 2].copy_from_slice(&ar[0].to_array());
        c[at + 2..at + 4].copy_from_slice(&ar[1].to_array());
    }
}

/// `c ← a bᵀ` for row-major a (m × k), b (n × k): entry (i, j) is the dot product of row i of a and row j of b.
pub fn gemm_nt(m: usize, k: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
    assert!(a.len() >= m * k && b.len() >= n * k && c.len() >= m * n, "gemm_nt: operand sizes");
    super::dots(&a[..m * k], &b[..n * k], k, c, n);
}

/// `c ← a bᵀ` for row-major a and b (n × k each) when the product is known to be symmetric (a sandwich M S Mᵀ with
/// a = M S): only the blocks of four rows on and above the diagonal are computed (about half the work), and the
/// upper triangle is mirrored into the lower one, so c is exactly symmetric.
pub fn gemm_nt_symmetric(n: usize, k: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
    assert!(a.len() >= n * k && b.len() >= n * k && c.len() >= n * n, "gemm_nt_symmetric: operand sizes");
    for i0 in (0..n).step_by(4) {
        let i1 = (i0 + 4).min(n);
        super::dots(&a[i0 * k..i1 * k], &b[i0 * k..n * k], k, &mut c[i0 * n + i0..], n);
    }
    for i in 0..n {
        for j in i + 1..n {
            c[j * n + i] = c[i * n + j];
        }
    }
}

/// `c ← h b` for an upper Hessenberg h (n × n, exactly zero below the subdiagonal) and row-major b and c (n × m): row
/// i only sums over p ≥ i₀ − 1, i₀ the first row of its block of four (about half of a dense product's work). Each
/// entry adds h_ip b_pj in ascending p from that start (the few exact zeros from h's lower part add nothing), in 4 × 4
/// register blocks where four rows exist and by the plain loop elsewhere, with the same operations per entry.
pub fn gemm_hessenberg(n: usize, m: usize, h: &[f64], b: &[f64], c: &mut [f64]) {
    use crate::lanes::F2;
    assert!(h.len() >= n * n && b.len() >= n * m && c.len() >= n * m, "gemm_hessenberg: sizes");
    let mb = m - m % BLOCK;
    for i0 in (0..n).step_by(BLOCK) {
        let start = i0.saturating_sub(1);
        let rows = (n - i0).min(BLOCK);
        if rows == BLOCK {
            // SAFETY (the unchecked accesses below): rows i0..i0 + 4 of h exist (rows == BLOCK), p < n, and
            // j0 + 4 ≤ mb ≤ m, within b's n × m (asserted above).
            let pair = |at: usize| -> F2 { F2::load(unsafe { &*(b.as_ptr().add(at) as *const [f64; 2]) }) };
            for j0 in (0..mb).step_by(BLOCK) {
                let mut acc = [[F2::zero(); 2]; BLOCK];
                for p in start..n {
                    let (b0, b1) = (pair(p * m + j0), pair(p * m + j0 + 2));
                    for (r, ar) in acc.iter_mut().enumerate() {
                        let sv = F2::splat(unsafe { *h.get_unchecked((i0 + r) * n + p) });
                        ar[0] = ar[0].add_mul(sv, b0);
                        ar[1] = ar[1].add_mul(sv, b1);
                    }
                }
                for (r, ar) in acc.iter().enumerate() {
                    let at = (i0 + r) * m + j0;
                    c[at..at + 2].copy_from_slice(&ar[0].to_array());
                    c[at + 2..at + 4].copy_from_slice(&ar[1].to_array());
                }
            }
        }
        let j_from = if rows == BLOCK { mb } else { 0 };
        for i in i0..i0 + rows {
            for j in j_from..m {
                let mut acc = 0.0;
                for p in start..n {
                    acc += h[i * n + p] * b[p * m + j];
                }
                c[i * m + j] = acc;
            }
        }
    }
}

/// `c ← t hᵀ` for row-major n × n t and an upper Hessenberg h (exactly zero below the subdiagonal) when the product is
/// known to be symmetric (the sandwich H W Hᵀ with t = H W): only the upper triangle is computed, entry (i, j ≥ i)
/// over p ≥ j' − 1 (j' the first column of its pair) since h_jp = 0 below, about n³/6 multiply–adds instead of a dense
/// symmetric product's n³/2; the lower triangle is mirrored, so c is exactly symmetric. Each entry sums in two lanes
/// (even and odd offsets from its start) added at the end, plus a last odd term.
pub fn sandwich_upper_hessenberg(n: usize, t: &[f64], h: &[f64], c: &mut [f64]) {
    use crate::lanes::F2;
    assert!(t.len() >= n * n && h.len() >= n * n && c.len() >= n * n, "sandwich_upper_hessenberg: sizes");
    // SAFETY (the unchecked pair loads below): every pair read is (row · n + p, row · n + p + 1) with row < n and
    // p + 2 ≤ n, within t's and h's n × n (asserted above).
    let pair = |s: &[f64], at: usize| -> F2 { F2::load(unsafe { &*(s.as_ptr().add(at) as *const [f64; 2]) }) };
    let entry = |i: usize, j: usize, start: usize| -> f64 {
        let mut acc = F2::zero();
        let mut p = start;
        while p + 2 <= n {
            acc = acc.add_mul(pair(t, i * n + p), pair(h, j * n + p));
            p += 2;
        }
        let [a0, a1] = acc.to_array();
        let mut sum = a0 + a1;
        if p < n {
            sum += t[i * n + p] * h[j * n + p];
        }
        sum
    };
    for i0 in (0..n).step_by(BLOCK) {
        let rows = (n - i0).min(BLOCK);
        let mut j = i0;
        while j < n {
            let start = j.saturating_sub(1);
            if rows == BLOCK && j + 2 <= n {
                // Four rows of t against two rows of h: eight two-lane accumulators.
                let mut acc = [[F2::zero(); 2]; BLOCK];
                let mut p = start;
                while p + 2 <= n {
                    let (h0, h1) = (pair(h, j * n + p), pair(h, (j + 1) * n + p));
                    for (r, ar) in acc.iter_mut().enumerate() {
                        let tp = pair(t, (i0 + r) * n + p);
                        ar[0] = ar[0].add_mul(tp, h0);
                        ar[1] = ar[1].add_mul(tp, h1);
                    }
                    p += 2;
                }
                for (r, ar) in acc.iter().enumerate() {
                    let i = i0 + r;
                    for (q, a) in ar.iter().enumerate() {
                        if j + q >= i {
                            let [a0, a1] = a.to_array();
                            let mut sum = a0 + a1;
                            if p < n {
                                sum += t[i * n + p] * h[(j + q) * n + p];
                            }
                            c[i * n + j + q] = sum;
                        }
                    }
                }
                j += 2;
            } else {
                for i in i0..(i0 + rows).min(j + 1) {
                    c[i * n + j] = entry(i, j, start);
                }
                j += 1;
            }
        }
    }
    for i in 0..n {
        for j in i + 1..n {
            c[j * n + i] = c[i * n + j];
        }
    }
}

/// Transposes a row-major n × n matrix in place.
pub fn transpose_in_place(m: &mut [f64], n: usize) {
    for i in 0..n {
        for j in i + 1..n {
            m.swap(i * n + j, j * n + i);
        }
    }
}

/// `out[j * ldo + i] ← a[i * n + j]`: the transpose of a row-major m × n matrix into the first m columns of a
/// row-major matrix with row stride `ldo` ≥ m (other columns untouched).
pub fn transpose_into(a: &[f64], m: usize, n: usize, out: &mut [f64], ldo: usize) {
    assert!(a.len() >= m * n && ldo >= m && out.len() >= (n.max(1) - 1) * ldo + m, "transpose_into: sizes");
    for (i, row) in a[..m * n].chunks_exact(n).enumerate() {
        for (j, v) in row.iter().enumerate() {
            out[j * ldo + i] = *v;
        }
    }
}

/// `out ← p − xᵀ` for row-major n × n p and out, with x the first n columns of a row-major matrix of row stride
/// `ldx` ≥ n.
pub fn sub_transposed(p: &[f64], x: &[f64], ldx: usize, n: usize, out: &mut [f64]) {
    assert!(p.len() >= n * n && out.len() >= n * n && ldx >= n && x.len() >= (n.max(1) - 1) * ldx + n, "sizes");
    out[..n * n].copy_from_slice(&p[..n * n]);
    // In 16 × 16 tiles: a tile's 16 rows of x and of out stay in L1, where the plain loop over a column of out at
    // n = 512 touched a new page per entry (3.0 against 0.6 ms at n = 512, natively).
    const T: usize = 16;
    for j0 in (0..n).step_by(T) {
        for i0 in (0..n).step_by(T) {
            for j in j0..(j0 + T).min(n) {
                let xj = &x[j * ldx + i0..j * ldx + (i0 + T).min(n)];
                for (i, v) in (i0..).zip(xj) {
                    out[i * n + j] -= *v;
                }
            }
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
///
/// Each entry is one serial sum (the textbook loops of `spd_inverse_gives_the_bits_of_the_textbook_loops`), so done
/// one at a time the work waits on the adder's latency. Here a row's entries go eight at a time in two-lane registers
/// ([`crate::lanes::F2`]), with each entry's own products added in its own order: the same bits, several times faster.
pub fn spd_inverse_from_cholesky(l: &[f64], n: usize, w: &mut [f64], out: &mut [f64]) {
    assert!(l.len() >= n * n && w.len() >= n * n && out.len() >= n * n, "spd_inverse_from_cholesky: sizes");
    // W = L⁻¹, lower triangular, row by row: W_ij = −(Σ_{k=j}^{i−1} L_ik W_kj) / L_ii for j < i, W_ii = 1 / L_ii.
    // Rows above i are done; entries above the diagonal stay zero, so a block of columns j0.. can sum every lane from
    // k = j0: a lane j > j0 first adds L_ik·0 = ±0 to its +0 start, which leaves +0, and then exactly its own terms.
    w[..n * n].fill(0.0);
    for i in 0..n {
        let (done, rest) = w.split_at_mut(i * n);
        let row = &mut rest[..n];
        let (li, lii) = (&l[i * n..i * n + i], l[i * n + i]);
        let mut j0 = 0;
        j0 = inverse_rows_block::<4>(done, li, n, i, j0, lii, row);
        j0 = inverse_rows_block::<1>(done, li, n, i, j0, lii, row);
        for j in j0..i {
            let mut s = 0.0;
            for k in j..i {
                s += li[k] * done[k * n + j];
            }
            row[j] = -s / lii;
        }
        row[i] = 1.0 / lii;
    }
    // (M⁻¹)_ij = Σ_{k=i}^{n−1} W_ki W_kj for j ≤ i (every lane of a block starts at k = i).
    for i in 0..n {
        let mut j0 = 0;
        j0 = product_block::<4>(w, n, i, j0, out);
        j0 = product_block::<1>(w, n, i, j0, out);
        for j in j0..=i {
            let mut s = 0.0;
            for k in i..n {
                s += w[k * n + i] * w[k * n + j];
            }
            out[i * n + j] = s;
            out[j * n + i] = s;
        }
    }
}

/// Row i of W = L⁻¹, columns j0.. in blocks of 2G below the diagonal (see [`spd_inverse_from_cholesky`]); returns the
/// first column not done.
#[inline(always)]
fn inverse_rows_block<const G: usize>(
    done: &[f64],
    li: &[f64],
    n: usize,
    i: usize,
    mut j0: usize,
    lii: f64,
    row: &mut [f64],
) -> usize {
    use crate::lanes::F2;
    while j0 + 2 * G <= i {
        let mut s = [F2::zero(); G];
        for k in j0..i {
            let a = F2::splat(li[k]);
            let wk = &done[k * n + j0..k * n + j0 + 2 * G];
            for (g, sg) in s.iter_mut().enumerate() {
                *sg = sg.add_mul(a, F2::load(wk[2 * g..2 * g + 2].try_into().expect("two lanes")));
            }
        }
        for (g, sg) in s.iter().enumerate() {
            let [a, b] = sg.to_array();
            row[j0 + 2 * g] = -a / lii;
            row[j0 + 2 * g + 1] = -b / lii;
        }
        j0 += 2 * G;
    }
    j0
}

/// Row i of M⁻¹ = Wᵀ W, columns j0..=i in blocks of 2G, mirrored into column i (see [`spd_inverse_from_cholesky`]);
/// returns the first column not done.
#[inline(always)]
fn product_block<const G: usize>(w: &[f64], n: usize, i: usize, mut j0: usize, out: &mut [f64]) -> usize {
    use crate::lanes::F2;
    while j0 + 2 * G <= i + 1 {
        let mut s = [F2::zero(); G];
        for k in i..n {
            let b = F2::splat(w[k * n + i]);
            let wk = &w[k * n + j0..k * n + j0 + 2 * G];
            for (g, sg) in s.iter_mut().enumerate() {
                *sg = sg.add_mul(b, F2::load(wk[2 * g..2 * g + 2].try_into().expect("two lanes")));
            }
        }
        for (g, sg) in s.iter().enumerate() {
            for (lane, v) in sg.to_array().into_iter().enumerate() {
                let j = j0 + 2 * g + lane;
                out[i * n + j] = v;
                out[j * n + i] = v;
            }
        }
        j0 += 2 * G;
    }
    j0
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
    // Back substitution by rows: row k of X is (b_k − Σ_{i>k} a_ki x_i)/a_kk, each entry's sum taken in ascending i
    // (the order of the column-by-column loop, so the same bits), with unit-stride rows.
    for k in (0..n).rev() {
        let piv = a[k * n + k];
        let (head, tail) = b.split_at_mut((k + 1) * r);
        let row = &mut head[k * r..];
        for (i, xi) in tail[..(n - k - 1) * r].chunks_exact(r).enumerate() {
            let f = a[k * n + k + 1 + i];
            for (o, x) in row.iter_mut().zip(xi) {
                *o -= f * x;
            }
        }
        for o in row.iter_mut() {
            *o /= piv;
        }
    }
    true
}

/// In-place Cholesky factorization A = UᵀU of a symmetric positive definite row-major n × n matrix, reading only
/// the upper triangle, fused with the forward substitution Uᵀ Z = Y for the n × r row-major right-hand side `y`
/// (r = 0: no right-hand side). On success the upper triangle holds U and `y` holds Z; returns `false` (both left
/// partly overwritten) when a pivot is not positive or not finite.
///
/// Right-looking, by pairs of pivots: after rows k and k+1 of U are final, every later row i is updated by
/// a_i[i..] −= u_ki u_k[i..] + u_{k+1,i} u_{k+1}[i..] (a contiguous rank-2 update). Pairs are taken two at a time
/// (panels of four pivots): the rows of the second pair get the first pair's update and are finished, then every row
/// after the panel gets both updates in one pass, x ← (x − (u_ki u_k + u_{k+1,i} u_{k+1})) − (u_{k+2,i} u_{k+2} +
/// u_{k+3,i} u_{k+3}), two rows at a time so that each loaded entry of U serves both. Every entry thus sees exactly
/// the operations, in the same order, of the pair-at-a-time factorization (the same bits), while each trailing row is
/// read and written once per four pivots instead of two and each row of the panel is loaded once per two rows: the
/// loads, not the arithmetic, bound this loop in wasm (simd128 has no FMA and few registers' worth of reuse). The
/// column loops are plain element-wise loops that the compiler vectorizes (SSE2 natively, simd128 f64x2 in wasm), each
/// lane doing the same scalar operations (Rust never contracts to FMA), so native and wasm results are identical.
/// This is the per-time factorization of the theory (`theory::modal`), where it dominates the cost.
///
/// ```
/// use regimes_kernels::dense::cholesky_upper_solve;
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
        if !finish_pair(a, n, k, y, r) {
            return false;
        }
        if k + 4 <= n {
            // The next pair's rows get this pair's update and are finished; the rows after them get both updates.
            pair_update(a, n, y, r, k, k + 2..k + 4);
            if !finish_pair(a, n, k + 2, y, r) {
                return false;
            }
            panel_update(a, n, y, r, k);
            k += 4;
        } else if k + 2 < n {
            pair_update(a, n, y, r, k, k + 2..n);
            k += 2;
        } else {
            break;
        }
    }
    true
}

/// Solves U X = Z in place for an upper-triangular row-major n × n U (only the upper triangle is read: the factor
/// [`cholesky_upper_solve`] leaves, so the two together solve A X = Y) and an n × r row-major right-hand side, by back
/// substitution: row k of X is (z_k − Σ_{i>k} u_ki x_i) / u_kk, the sum taken over rows of X four at a time (each pass
/// over row k's entries serves four finished rows, in element-wise loops that vectorize).
///
/// ```
/// use regimes_kernels::dense::{cholesky_upper_solve, upper_solve_in_place};
/// // A = [[4, 2], [2, 5]], y = (10, 13): x = A⁻¹ y = (1.5, 2).
/// let mut a = [4.0, 2.0, 2.0, 5.0];
/// let mut y = [10.0, 13.0];
/// assert!(cholesky_upper_solve(&mut a, 2, &mut y, 1));
/// upper_solve_in_place(&a, 2, &mut y, 1);
/// assert_eq!(y, [1.5, 2.0]);
/// ```
pub fn upper_solve_in_place(u: &[f64], n: usize, z: &mut [f64], r: usize) {
    assert!(u.len() >= n * n && z.len() >= n * r, "upper_solve_in_place: sizes");
    for k in (0..n).rev() {
        let (head, done) = z.split_at_mut((k + 1) * r);
        let xk = &mut head[k * r..];
        let uk = &u[k * n..(k + 1) * n];
        let mut i = k + 1;
        while i + 4 <= n {
            let rows = &done[(i - k - 1) * r..(i - k + 3) * r];
            let (x0, rest) = rows.split_at(r);
            let (x1, rest) = rest.split_at(r);
            let (x2, x3) = rest.split_at(r);
            let a = [uk[i], uk[i + 1], uk[i + 2], uk[i + 3]];
            for c in 0..r {
                xk[c] -= (a[0] * x0[c] + a[1] * x1[c]) + (a[2] * x2[c] + a[3] * x3[c]);
            }
            i += 4;
        }
        for (j, xi) in done[(i - k - 1) * r..].chunks_exact(r).enumerate() {
            let a = uk[i + j];
            xk.iter_mut().zip(xi).for_each(|(x, v)| *x -= a * v);
        }
        let inv = 1.0 / uk[k];
        xk.iter_mut().for_each(|x| *x *= inv);
    }
}

/// Finishes the pair of rows (k, k+1) of [`cholesky_upper_solve`] (all updates of earlier pairs applied): row k, then
/// row k+1's rank-1 update from row k, then row k+1. Only row k when k + 1 = n.
fn finish_pair(a: &mut [f64], n: usize, k: usize, y: &mut [f64], r: usize) -> bool {
    if !finish_row(a, n, k, y, r) {
        return false;
    }
    if k + 1 == n {
        return true;
    }
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
    finish_row(a, n, k + 1, y, r)
}

/// The rank-2 update of the finished pair (k, k+1) on the rows `rows` (all after k + 1):
/// a_i[i..] −= u_ki u_k[i..] + u_{k+1,i} u_{k+1}[i..], and likewise their right-hand sides.
fn pair_update(a: &mut [f64], n: usize, y: &mut [f64], r: usize, k: usize, rows: std::ops::Range<usize>) {
    let (head, tail) = a.split_at_mut((k + 2) * n);
    let (uk, uk1) = head[k * n..].split_at(n);
    let (yh, yt) = y.split_at_mut((k + 2) * r);
    let (zk, zk1) = yh[k * r..].split_at(r);
    for i in rows {
        let off = i - (k + 2);
        let row = &mut tail[off * n..(off + 1) * n];
        let (s0, s1) = (uk[i], uk1[i]);
        for ((x, u0), u1) in row[i..].iter_mut().zip(&uk[i..n]).zip(&uk1[i..n]) {
            *x -= s0 * u0 + s1 * u1;
        }
        for ((x, z0), z1) in yt[off * r..(off + 1) * r].iter_mut().zip(zk).zip(zk1) {
            *x -= s0 * z0 + s1 * z1;
        }
    }
}

/// The updates of the finished panel of pairs (k, k+1), (k+2, k+3) on every row i ≥ k + 4, pair by pair in that
/// order (as two [`pair_update`]s would apply them), two rows per pass over the columns.
fn panel_update(a: &mut [f64], n: usize, y: &mut [f64], r: usize, k: usize) {
    let (head, tail) = a.split_at_mut((k + 4) * n);
    let panel = &head[k * n..];
    let u: [&[f64]; 4] = [&panel[..n], &panel[n..2 * n], &panel[2 * n..3 * n], &panel[3 * n..4 * n]];
    let (yh, yt) = y.split_at_mut((k + 4) * r);
    let zp = &yh[k * r..];
    let z: [&[f64]; 4] = [&zp[..r], &zp[r..2 * r], &zp[2 * r..3 * r], &zp[3 * r..4 * r]];
    let coef = |i: usize| [u[0][i], u[1][i], u[2][i], u[3][i]];
    let mut i = k + 4;
    while i < n {
        let off = i - (k + 4);
        let s = coef(i);
        if i + 1 < n {
            let t = coef(i + 1);
            let (row0, row1) = tail[off * n..(off + 2) * n].split_at_mut(n);
            // Entry (i, i) is row i's alone; columns i+1.. are shared by rows i and i+1.
            row0[i] = panel_entry(row0[i], s, [u[0][i], u[1][i], u[2][i], u[3][i]]);
            let cols = i + 1..n;
            panel_two_rows(&mut row0[cols.clone()], &mut row1[cols.clone()], u.map(|v| &v[cols.clone()]), s, t);
            let (y0, y1) = yt[off * r..(off + 2) * r].split_at_mut(r);
            panel_two_rows(y0, y1, z, s, t);
            i += 2;
        } else {
            let row = &mut tail[off * n..(off + 1) * n];
            for (j, x) in row.iter_mut().enumerate().skip(i) {
                *x = panel_entry(*x, s, [u[0][j], u[1][j], u[2][j], u[3][j]]);
            }
            for (c, x) in yt[off * r..(off + 1) * r].iter_mut().enumerate() {
                *x = panel_entry(*x, s, [z[0][c], z[1][c], z[2][c], z[3][c]]);
            }
            i += 1;
        }
    }
}

/// One entry's panel update: (x − (s₀u₀ + s₁u₁)) − (s₂u₂ + s₃u₃), the two pair updates in order.
#[inline(always)]
fn panel_entry(x: f64, s: [f64; 4], u: [f64; 4]) -> f64 {
    (x - (s[0] * u[0] + s[1] * u[1])) - (s[2] * u[2] + s[3] * u[3])
}

/// [`panel_entry`] over the columns of two rows x₀ (coefficients s) and x₁ (coefficients t) that share the panel
/// rows u (all slices of one length).
#[inline(always)]
fn panel_two_rows(x0: &mut [f64], x1: &mut [f64], u: [&[f64]; 4], s: [f64; 4], t: [f64; 4]) {
    let m = x0.len();
    let (x1, u0, u1, u2, u3) = (&mut x1[..m], &u[0][..m], &u[1][..m], &u[2][..m], &u[3][..m]);
    for j in 0..m {
        let v = [u0[j], u1[j], u2[j], u3[j]];
        x0[j] = panel_entry(x0[j], s, v);
        x1[j] = panel_entry(x1[j], t, v);
    }
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
    fn gemm_gives_the_bits_of_the_plain_loop() {
        // The register blocks and the row loop against the textbook i-p-j loop, for sizes around the block, dense and
        // sparse rows, α ≠ 1 and the three kinds of β; from n = 256 the packed blocks of b ([`gemm_packed`]: two
        // groups of row blocks at m = 70, the unpacked loop again past k = 1024 and past 1024 row blocks), with a few
        // zeros shifting the blocks.
        for (m, k, n) in [
            (1, 1, 1),
            (4, 4, 4),
            (5, 7, 9),
            (8, 3, 12),
            (64, 64, 64),
            (13, 17, 6),
            (8, 0, 8),
            (70, 33, 259),
            (6, 1030, 260),
            (4104, 2, 256),
        ] {
            for sparse in [0, 1, 2] {
                let a: Vec<f64> = (0..m * k)
                    .map(|i| match sparse {
                        1 if i % 5 == 2 => 0.0,
                        2 if i == 2 * k || i == 37 * k + k - 1 => 0.0,
                        _ => ((i as f64) * 0.618).sin() * 3.0,
                    })
                    .collect();
                let b: Vec<f64> = (0..k * n).map(|i| ((i as f64) * 1.303).cos()).collect();
                let c0: Vec<f64> = (0..m * n).map(|i| ((i as f64) * 0.271).sin()).collect();
                for (alpha, beta) in [(1.0, 0.0), (0.7, 1.0), (-1.3, 0.25)] {
                    let mut want = c0.clone();
                    for i in 0..m {
                        for j in 0..n {
                            want[i * n + j] = if beta == 0.0 {
                                0.0
                            } else if beta == 1.0 {
                                want[i * n + j]
                            } else {
                                want[i * n + j] * beta
                            };
                        }
                        for p in 0..k {
                            let s = alpha * a[i * k + p];
                            if s != 0.0 {
                                for j in 0..n {
                                    want[i * n + j] += s * b[p * n + j];
                                }
                            }
                        }
                    }
                    let mut got = c0.clone();
                    gemm(m, k, n, alpha, &a, &b, beta, &mut got);
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&got), bits(&want), "m={m} k={k} n={n} sparse={sparse} α={alpha} β={beta}");
                }
            }
        }
    }

    #[test]
    fn sub_transposed_gives_the_bits_of_the_plain_loop() {
        // Sizes around the 16 × 16 tile, with a row stride past n.
        for n in [1, 5, 16, 17, 40] {
            let ldx = n + 3;
            let p: Vec<f64> = (0..n * n).map(|i| ((i as f64) * 0.618).sin()).collect();
            let x: Vec<f64> = (0..n * ldx).map(|i| ((i as f64) * 1.303).cos()).collect();
            let mut got = vec![f64::NAN; n * n];
            sub_transposed(&p, &x, ldx, n, &mut got);
            for i in 0..n {
                for j in 0..n {
                    assert_eq!(got[i * n + j].to_bits(), (p[i * n + j] - x[j * ldx + i]).to_bits(), "n={n} ({i}, {j})");
                }
            }
        }
    }

    #[test]
    fn spd_inverse_gives_the_bits_of_the_textbook_loops() {
        for n in [1, 2, 3, 7, 8, 9, 16, 17, 33, 64] {
            let mut l = spd(n);
            assert!(cholesky_in_place(&mut l, n));
            // The textbook loops: W = L⁻¹ column by column, then (M⁻¹)_ij = Σ_{k ≥ i} W_ki W_kj.
            let mut w = vec![0.0; n * n];
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
            let mut want = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..=i {
                    let mut s = 0.0;
                    for k in i..n {
                        s += w[k * n + i] * w[k * n + j];
                    }
                    want[i * n + j] = s;
                    want[j * n + i] = s;
                }
            }
            let (mut w2, mut got) = (vec![f64::NAN; n * n], vec![f64::NAN; n * n]);
            spd_inverse_from_cholesky(&l, n, &mut w2, &mut got);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&w2), bits(&w), "W = L⁻¹, n = {n}");
            assert_eq!(bits(&got), bits(&want), "M⁻¹, n = {n}");
        }
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

    #[test]
    fn the_symmetric_product_is_the_full_product_mirrored() {
        for n in [1, 3, 4, 5, 9, 64] {
            let s = spd(n);
            let m: Vec<f64> = (0..n * n).map(|i| ((i as f64) * 0.31).cos()).collect();
            let mut ms = vec![0.0; n * n];
            gemm(n, n, n, 1.0, &m, &s, 0.0, &mut ms);
            let (mut full, mut half) = (vec![0.0; n * n], vec![f64::NAN; n * n]);
            gemm_nt(n, n, n, &ms, &m, &mut full);
            gemm_nt_symmetric(n, n, &ms, &m, &mut half);
            for i in 0..n {
                for j in i..n {
                    assert_eq!(half[i * n + j].to_bits(), full[i * n + j].to_bits(), "n={n} ({i}, {j})");
                    assert_eq!(half[j * n + i].to_bits(), half[i * n + j].to_bits(), "n={n} mirror ({j}, {i})");
                }
            }
        }
    }

    #[test]
    fn cholesky_then_back_substitution_solve_the_system() {
        for n in (1..=13).chain([63, 64]) {
            for r in [1, 3, 65] {
                let m = spd(n);
                let y0: Vec<f64> = (0..n * r).map(|i| (i as f64 * 0.37).cos()).collect();
                let (mut u, mut x) = (m.clone(), y0.clone());
                (0..n).for_each(|i| (0..i).for_each(|j| u[i * n + j] = f64::NAN)); // never read
                assert!(cholesky_upper_solve(&mut u, n, &mut x, r));
                upper_solve_in_place(&u, n, &mut x, r);
                let mut mx = vec![0.0; n * r];
                gemm(n, n, r, 1.0, &m, &x, 0.0, &mut mx);
                let worst = mx.iter().zip(&y0).map(|(a, b)| (a - b).abs()).fold(0.0f64, f64::max);
                assert!(worst < 1e-11 * n as f64, "n={n} r={r}: residual {worst:e}");
            }
        }
    }

    /// The pair-at-a-time right-looking factorization that the panels of [`cholesky_upper_solve`] reorganize: one
    /// rank-2 pass over the trailing rows per pair of pivots.
    fn cholesky_by_pairs(a: &mut [f64], n: usize, y: &mut [f64], r: usize) -> bool {
        let mut k = 0;
        while k < n {
            if !finish_pair(a, n, k, y, r) {
                return false;
            }
            if k + 2 < n {
                pair_update(a, n, y, r, k, k + 2..n);
            }
            k += 2;
        }
        true
    }

    #[test]
    fn panels_give_the_bits_of_the_pair_at_a_time_factorization() {
        // Same operations in the same order per entry: equal bits, for every n mod 4 and r = 0, 1, 3.
        for n in (1..=21).chain([63, 64]) {
            for r in [0, 1, 3] {
                let m = spd(n);
                let y0: Vec<f64> = (0..n * r).map(|i| (i as f64 * 0.61).sin()).collect();
                let (mut u1, mut z1, mut u2, mut z2) = (m.clone(), y0.clone(), m.clone(), y0.clone());
                assert!(cholesky_upper_solve(&mut u1, n, &mut z1, r));
                assert!(cholesky_by_pairs(&mut u2, n, &mut z2, r));
                for i in 0..n {
                    for j in i..n {
                        assert_eq!(u1[i * n + j].to_bits(), u2[i * n + j].to_bits(), "n={n} r={r} ({i}, {j})");
                    }
                }
                assert!(z1.iter().zip(&z2).all(|(a, b)| a.to_bits() == b.to_bits()), "n={n} r={r}: z");
            }
        }
    }

    /// A fixed pseudo-random non-symmetric n × n matrix (entries in [−1, 1]).
    fn general(n: usize, seed: f64) -> Vec<f64> {
        (0..n * n).map(|i| ((i as f64 + seed) * 0.618_034 * (1.0 + seed)).sin()).collect()
    }

    fn plain_product(m: usize, k: usize, n: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for p in 0..k {
                for j in 0..n {
                    c[i * n + j] += a[i * k + p] * b[p * n + j];
                }
            }
        }
        c
    }

    fn max_abs(x: &[f64]) -> f64 {
        x.iter().fold(0.0, |m, v| m.max(v.abs()))
    }

    #[test]
    fn hessenberg_products_match_the_dense_ones() {
        for n in [1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 64] {
            // An upper Hessenberg h: a general matrix with exact zeros below its subdiagonal.
            let mut h = general(n, 0.7);
            (0..n).for_each(|i| (0..i.saturating_sub(1)).for_each(|j| h[i * n + j] = 0.0));
            // c = H b against the dense product, for several widths of b.
            for m in [1, 3, 4, 6, n] {
                let b = general(n.max(m), 1.1)[..n * m].to_vec();
                let mut c = vec![f64::NAN; n * m];
                gemm_hessenberg(n, m, &h, &b, &mut c);
                let want = plain_product(n, n, m, &h, &b);
                let err = c.iter().zip(&want).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
                assert!(err <= 1e-14 * n as f64 * max_abs(&want), "n={n} m={m}: H b off by {err}");
            }
            // The sandwich H W Hᵀ for a symmetric W: the upper triangle computed, the lower mirrored.
            let w = spd(n);
            let mut t = vec![0.0; n * n];
            gemm_hessenberg(n, n, &h, &w, &mut t);
            let mut c = vec![f64::NAN; n * n];
            sandwich_upper_hessenberg(n, &t, &h, &mut c);
            let mut ht = h.clone();
            transpose_in_place(&mut ht, n);
            let want = plain_product(n, n, n, &plain_product(n, n, n, &h, &w), &ht);
            let err = c.iter().zip(&want).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            assert!(err <= 1e-14 * n as f64 * max_abs(&want), "n={n}: H W Hᵀ off by {err}");
            for i in 0..n {
                for j in 0..n {
                    assert_eq!(c[i * n + j].to_bits(), c[j * n + i].to_bits(), "n={n}: not exactly symmetric");
                }
            }
        }
    }
}
