//! The dense kernels of the step loop, on contiguous row-major buffers and without allocation: dot products with a
//! fixed summation order, batched matrix–vector products, triangular solves, and the fused dot-product + online
//! softmax pass of the empirical score (SCIENCE.md §5).
//!
//! Determinism across batch splits is an invariant here: the value computed for a (particle, key) pair never depends
//! on where the particle sits in its tile. Every dot product, whether from the 4×2 micro-kernel or the scalar
//! remainder path, accumulates in [`LANES`] interleaved partial sums over the same chunks, then adds a scalar tail,
//! then combines the lanes the same way. Rust does not contract `a * b + c` into FMA on its own, so the bits match.
//! Transcendental functions in the step loop (here and in the scores, integrators and grids) come from the `libm`
//! crate or from this crate's own polynomials on IEEE basic operations (`mixed::exp_weight`, `rows::tanh_lanes`), never
//! from `f64::exp`/`tanh` (the platform's C library natively, a different implementation on wasm32), so a run gives
//! the same bits natively and in the browser (issue 7's checksum).
//!
//! The kernels are plain functions; [`dense`] holds the O(d³) per-time kernels (products, Cholesky, inverses) that
//! run once per step, independent of the particles. [`mixed`] is the mixed-precision variant of [`attend`] (f32
//! products in four-lane registers, [`lanes`], softmax in f64) that the empirical score uses by default; [`attend`]
//! is the all-f64 reference (`score::empirical::KernelPrecision`).
//!
//! This is its own package (`regimes-kernels`, re-exported as `diffusion_regimes::kernels`, with [`random`] also
//! re-exported as `diffusion_regimes::random`) so that the web build can compile it at opt-level 3 while the rest of
//! the playground is optimized for size (Cargo profile `wasm-release`; ARCHITECTURE.md, "The web build"). For the same
//! reason [`random`] (the seeded streams and their ziggurat normals), [`rows`] (the row updates of the two-class scores
//! and steps) and [`modal`] (the theory's per-time fills) live here: every loop that runs per particle per step, or per
//! time point of a theory curve.

pub mod decompose;
pub mod dense;
pub mod lanes;
pub mod mixed;
pub mod modal;
pub mod quadrature;
pub mod random;

/// The arithmetic of a simulation kernel's products: the empirical score's fused softmax pass, and the d × d product
/// of the two-class step in white coordinates (`diffusion_regimes::sampler::whitened`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KernelPrecision {
    /// Products in f32 (operands rounded to f32, sums in f32, widened to f64), everything else in f64: the default,
    /// about twice as fast. The empirical score's softmax stays in f64 ([`mixed::attend_mixed`]); the white step's
    /// product is [`mixed::dots_mixed`]. Agrees with `Double` within Monte Carlo error (tests/mixed_precision.rs,
    /// tests/whitened.rs of the main crate).
    #[default]
    Mixed,
    /// Everything in f64 ([`attend`], [`dots`]): the reference.
    Double,
}
pub mod rows;

/// Interleaved partial sums per dot product. Two matches one 128-bit f64 register (SSE2, wasm simd128).
pub const LANES: usize = 2;

/// Particles per register tile of the micro-kernel.
const MICRO_P: usize = 4;

/// Keys (rows of the right operand) per register tile: 4×2 pairs × 2 lanes = 16 accumulators, which fit the 16
/// 128-bit registers of x86-64 and wasm with room for the loads.
const MICRO_K: usize = 2;

/// Keys per cache tile: 64 rows of d = 256 are 128 KiB, which stay in L2 while a particle tile streams over them.
pub const TILE_K: usize = 64;

/// Particles per cache tile of the softmax kernel (the dot-product block is TILE_P × TILE_K).
pub const TILE_P: usize = 32;

/// Weights below e^{−50} of the running maximum are skipped (no `exp`, no accumulation). Since the final maximum is
/// at least the running one, a skipped weight is below e^{−50} ≈ 2·10⁻²² of the largest, so even n = 200000 skipped
/// terms change the normalized result by less than 5·10⁻¹⁷, below f64 rounding.
pub const SOFTMAX_CUTOFF: f64 = 50.0;

#[inline(always)]
fn combine(acc: [f64; LANES], tail: f64) -> f64 {
    (acc[0] + acc[1]) + tail
}

/// x·y with the kernels' fixed summation order (see the module docs).
///
/// ```
/// assert_eq!(regimes_kernels::dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
/// ```
#[inline]
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), y.len());
    let mut acc = [0.0; LANES];
    let (cx, cy) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let tail: f64 = cx.remainder().iter().zip(cy.remainder()).map(|(a, b)| a * b).sum();
    for (a, b) in cx.zip(cy) {
        for l in 0..LANES {
            acc[l] += a[l] * b[l];
        }
    }
    combine(acc, tail)
}

/// `out[p] = x_p·g` for every row x_p of `x` (rows of g's length): four rows at a time in lock-step, each with
/// [`dot`]'s lanes and order, so the same bits as [`dot`] row by row (`dots_with_gives_dot_row_by_row`), with four
/// independent chains of additions in flight instead of one (the white step's g̃ᵀz: W4 in V8 ~0.360 → ~0.355 ms per step).
pub fn dots_with(x: &[f64], g: &[f64], out: &mut [f64]) {
    let d = g.len();
    assert!(d > 0 && x.len() % d == 0 && out.len() >= x.len() / d, "dots_with: rows of g's length, one output each");
    let np = x.len() / d;
    let full = d - d % LANES;
    let at = |r: &[f64], c: usize| -> lanes::F2 {
        // SAFETY: c + LANES ≤ full ≤ d = r.len() (every row and g have length d).
        lanes::F2::load(unsafe { &*(r.as_ptr().add(c) as *const [f64; LANES]) })
    };
    let mut p = 0;
    while p + MICRO_P <= np {
        let rows: [&[f64]; MICRO_P] = std::array::from_fn(|r| &x[(p + r) * d..(p + r + 1) * d]);
        let mut acc = [lanes::F2::zero(); MICRO_P];
        for c in (0..full).step_by(LANES) {
            let gc = at(g, c);
            for (a, row) in acc.iter_mut().zip(rows) {
                *a = a.add_mul(gc, at(row, c));
            }
        }
        for (r, (a, row)) in acc.iter().zip(rows).enumerate() {
            let tail: f64 = g[full..].iter().zip(&row[full..]).map(|(a, b)| a * b).sum();
            out[p + r] = combine(a.to_array(), tail);
        }
        p += MICRO_P;
    }
    for (o, row) in out[p..np].iter_mut().zip(x[p * d..].chunks_exact(d)) {
        *o = dot(g, row);
    }
}

/// The 4×2 register tile: the eight dot products of four particle rows with two key rows, each in the [`LANES`]
/// interleaved partial sums of [`dot`] held in one two-lane register ([`lanes::F2`], so the compiler does not have
/// to find the vectorization itself; on wasm it did not).
#[inline(always)]
fn micro(x: [&[f64]; MICRO_P], k: [&[f64]; MICRO_K]) -> [[f64; MICRO_K]; MICRO_P] {
    let d = x[0].len();
    assert!(x.iter().all(|r| r.len() == d) && k.iter().all(|r| r.len() == d), "micro: rows of one length");
    let full = d - d % LANES;
    let mut acc = [[lanes::F2::zero(); MICRO_K]; MICRO_P];
    let at = |r: &[f64], c: usize| -> lanes::F2 {
        // SAFETY: c + LANES ≤ full ≤ d = r.len() (asserted above).
        lanes::F2::load(unsafe { &*(r.as_ptr().add(c) as *const [f64; LANES]) })
    };
    for c in (0..full).step_by(LANES) {
        let (k0, k1) = (at(k[0], c), at(k[1], c));
        for (ap, xp) in acc.iter_mut().zip(x) {
            let xc = at(xp, c);
            ap[0] = ap[0].add_mul(xc, k0);
            ap[1] = ap[1].add_mul(xc, k1);
        }
    }
    let mut out = [[0.0; MICRO_K]; MICRO_P];
    for p in 0..MICRO_P {
        for j in 0..MICRO_K {
            let tail: f64 = x[p][full..].iter().zip(&k[j][full..]).map(|(a, b)| a * b).sum();
            out[p][j] = combine(acc[p][j].to_array(), tail);
        }
    }
    out
}

/// Batched dot products: `out[p * ldo + i] = x_p · k_i` for the `np` rows of `x` and the `nk` rows of `keys`
/// (row-major, row length d). With `keys` the rows of a matrix M, row p of `out` is M x_p: the batched matrix–vector
/// product of the integrators and scores (for symmetric M the rows are also the columns).
///
/// ```
/// use regimes_kernels::dots;
/// let m = [1.0, 2.0, 3.0, 4.0]; // M = [[1, 2], [3, 4]]
/// let x = [1.0, 1.0, 0.0, 1.0]; // two particles
/// let mut out = [0.0; 4];
/// dots(&x, &m, 2, &mut out, 2);
/// assert_eq!(out, [3.0, 7.0, 2.0, 4.0]);
/// ```
pub fn dots(x: &[f64], keys: &[f64], d: usize, out: &mut [f64], ldo: usize) {
    assert!(d > 0 && x.len() % d == 0 && keys.len() % d == 0, "dots: buffers must hold whole rows of length d");
    let (np, nk) = (x.len() / d, keys.len() / d);
    assert!(ldo >= nk && out.len() >= (np.max(1) - 1) * ldo + nk, "dots: output too small");
    let mut k0 = 0;
    while k0 < nk {
        let k1 = (k0 + TILE_K).min(nk);
        dots_tile(x, keys, d, k0, k1, out, ldo, 0);
        k0 = k1;
    }
}

/// Dot products of all rows of `x` with keys `k0..k1`, written at `out[p * ldo + (i − col0)]`.
#[allow(clippy::too_many_arguments)] // A kernel's operands and strides; a struct would only rename them.
fn dots_tile(x: &[f64], keys: &[f64], d: usize, k0: usize, k1: usize, out: &mut [f64], ldo: usize, col0: usize) {
    let np = x.len() / d;
    fn row(s: &[f64], d: usize, i: usize) -> &[f64] {
        &s[i * d..(i + 1) * d]
    }
    let mut p = 0;
    while p + MICRO_P <= np {
        let xs = [row(x, d, p), row(x, d, p + 1), row(x, d, p + 2), row(x, d, p + 3)];
        let mut i = k0;
        while i + MICRO_K <= k1 {
            let r = micro(xs, [row(keys, d, i), row(keys, d, i + 1)]);
            for (q, rq) in r.iter().enumerate() {
                out[(p + q) * ldo + i - col0] = rq[0];
                out[(p + q) * ldo + i + 1 - col0] = rq[1];
            }
            i += MICRO_K;
        }
        for i in i..k1 {
            for (q, xq) in xs.iter().enumerate() {
                out[(p + q) * ldo + i - col0] = dot(xq, row(keys, d, i));
            }
        }
        p += MICRO_P;
    }
    for p in p..np {
        for i in k0..k1 {
            out[p * ldo + i - col0] = dot(row(x, d, p), row(keys, d, i));
        }
    }
}

/// Keys per register tile of [`logits_tile`]: 4 particles × 4 keys = 8 two-lane accumulators.
const LOGIT_KEYS: usize = 4;

/// Length of the tile-transposed copy of n keys of dimension d: ⌈n / TILE_K⌉ blocks of d × TILE_K.
pub fn tiled_len(n: usize, d: usize) -> usize {
    n.div_ceil(TILE_K) * TILE_K * d
}

/// Copies row-major keys into the tile-transposed layout of [`attend`]: block b holds keys b·TILE_K … as a d × TILE_K
/// row-major block, zero-padded past the last key. With it the logits kernel reads a contiguous run of keys for each
/// coordinate and broadcasts one particle coordinate over them (an outer-product GEMM tile), instead of reducing dot
/// products across lanes.
pub fn transpose_tiles(keys: &[f64], d: usize, out: &mut [f64]) {
    assert!(out.len() >= tiled_len(keys.len() / d, d), "transpose_tiles: output too small");
    out.fill(0.0);
    for (i, key) in keys.chunks_exact(d).enumerate() {
        let base = (i / TILE_K) * TILE_K * d + i % TILE_K;
        for (j, v) in key.iter().enumerate() {
            out[base + j * TILE_K] = *v;
        }
    }
}

/// Dot products of every particle row of `q` with the TILE_K keys of one transposed block `kt` (d × TILE_K), into
/// `out[p * TILE_K + i]`. Every product is summed over coordinates in ascending order from zero, in the register tile
/// and in the remainder path alike (batch-split determinism). Padded keys give zeros that the caller ignores.
fn logits_tile(q: &[f64], kt: &[f64], d: usize, out: &mut [f64]) {
    let np = q.len() / d;
    let mut p = 0;
    while p + MICRO_P <= np {
        let rows = [
            &q[p * d..(p + 1) * d],
            &q[(p + 1) * d..(p + 2) * d],
            &q[(p + 2) * d..(p + 3) * d],
            &q[(p + 3) * d..(p + 4) * d],
        ];
        for i0 in (0..TILE_K).step_by(LOGIT_KEYS) {
            let mut s = [[0.0; LOGIT_KEYS]; MICRO_P];
            for (j, krow) in kt.chunks_exact(TILE_K).enumerate() {
                let kv = &krow[i0..i0 + LOGIT_KEYS];
                for (sq, row) in s.iter_mut().zip(rows) {
                    let qv = row[j];
                    for c in 0..LOGIT_KEYS {
                        sq[c] += qv * kv[c];
                    }
                }
            }
            for (pq, sq) in s.iter().enumerate() {
                out[(p + pq) * TILE_K + i0..(p + pq) * TILE_K + i0 + LOGIT_KEYS].copy_from_slice(sq);
            }
        }
        p += MICRO_P;
    }
    for p in p..np {
        let row = &q[p * d..(p + 1) * d];
        for i in 0..TILE_K {
            let mut s = 0.0;
            for (qj, krow) in row.iter().zip(kt.chunks_exact(TILE_K)) {
                s += qj * krow[i];
            }
            out[p * TILE_K + i] = s;
        }
    }
}

/// Columns per register tile of [`accumulate`]: 4 particles × 4 columns = 8 two-lane accumulators.
const ACC_COLS: usize = 4;

/// `acc[p] += Σ_i w[p * TILE_K + i] · key_i` for the particles of a tile and the `nk` keys of a key tile: the second
/// product of the softmax pass, as a small GEMM. Each output element is summed over i in ascending order from zero,
/// then added to `acc`, identically in the register tile and in the remainder paths (batch-split determinism).
fn accumulate(w: &[f64], nk: usize, keys: &[f64], d: usize, acc: &mut [f64]) {
    let np = acc.len() / d;
    let mut p = 0;
    while p + MICRO_P <= np {
        let mut j = 0;
        while j + ACC_COLS <= d {
            let mut s = [[0.0; ACC_COLS]; MICRO_P];
            for (i, key) in keys.chunks_exact(d).enumerate().take(nk) {
                let kv = &key[j..j + ACC_COLS];
                for (q, sq) in s.iter_mut().enumerate() {
                    let wq = w[(p + q) * TILE_K + i];
                    for c in 0..ACC_COLS {
                        sq[c] += wq * kv[c];
                    }
                }
            }
            for (q, sq) in s.iter().enumerate() {
                for c in 0..ACC_COLS {
                    acc[(p + q) * d + j + c] += sq[c];
                }
            }
            j += ACC_COLS;
        }
        for q in p..p + MICRO_P {
            accumulate_columns(&w[q * TILE_K..q * TILE_K + nk], keys, d, j, &mut acc[q * d..(q + 1) * d]);
        }
        p += MICRO_P;
    }
    for q in p..np {
        accumulate_columns(&w[q * TILE_K..q * TILE_K + nk], keys, d, 0, &mut acc[q * d..(q + 1) * d]);
    }
}

/// The scalar path of [`accumulate`] for one particle and columns `j0..d`, with the same summation order.
fn accumulate_columns(w: &[f64], keys: &[f64], d: usize, j0: usize, acc: &mut [f64]) {
    for (j, a) in acc.iter_mut().enumerate().skip(j0) {
        let mut s = 0.0;
        for (wi, key) in w.iter().zip(keys.chunks_exact(d)) {
            s += wi * key[j];
        }
        *a += s;
    }
}

/// Solves L z = b for lower-triangular L given row-major (`l[i * d + j]` = L_ij), by forward substitution.
pub fn solve_lower(l: &[f64], b: &[f64], z: &mut [f64]) {
    let d = b.len();
    for i in 0..d {
        let s = dot(&l[i * d..i * d + i], &z[..i]);
        z[i] = (b[i] - s) / l[i * d + i];
    }
}

/// Solves Lᵀ v = b given the *rows of Lᵀ* (`lt[i * d + j]` = L_ji), by back substitution.
pub fn solve_upper(lt: &[f64], b: &[f64], v: &mut [f64]) {
    let d = b.len();
    for i in (0..d).rev() {
        let s = dot(&lt[i * d + i + 1..(i + 1) * d], &v[i + 1..]);
        v[i] = (b[i] - s) / lt[i * d + i];
    }
}

/// The largest logit and its index, and the second largest logit, of one query over all keys: the nearest and second
/// nearest key when logits are −½ squared distances plus a constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopTwo {
    /// Index of the largest logit (the first one on ties).
    pub index: usize,
    /// The largest logit.
    pub best: f64,
    /// The second largest logit (−∞ with a single key).
    pub second: f64,
    /// Index of the second largest logit (0 with a single key).
    pub second_index: usize,
}

impl Default for TopTwo {
    fn default() -> Self {
        TopTwo { index: 0, best: f64::NEG_INFINITY, second: f64::NEG_INFINITY, second_index: 0 }
    }
}

impl TopTwo {
    /// Takes logit `l` of key `i` into account (keys visited in ascending order: ties keep the earlier key).
    #[inline(always)]
    pub fn push(&mut self, l: f64, i: usize) {
        if l > self.best {
            self.second = self.best;
            self.second_index = self.index;
            self.best = l;
            self.index = i;
        } else if l > self.second {
            self.second = l;
            self.second_index = i;
        }
    }
}

/// Fused dot products and online softmax over keys ("attention"): for every query row q_p,
/// logits ℓ_pi = α q_p·k_i − β |k_i|², weights w = softmax_i(ℓ_p·), and `out` row p = Σ_i w_pi k_i; `top` row p gets
/// the two largest logits.
///
/// Never forms the full queries × keys matrix: keys are visited in tiles of [`TILE_K`], and each query keeps a running
/// maximum, a running sum and a running weighted sum of keys, rescaled by e^{m_old − m_new} when the maximum grows
/// (the online softmax of Milakov & Gimelshein 2018). Weights below e^{−50} of the running maximum are skipped
/// ([`SOFTMAX_CUTOFF`]). `keys_t` is the copy of `keys` made by [`transpose_tiles`]. `dot_buf` is a scratch of at least `TILE_P * TILE_K` entries.
///
/// The empirical score (SCIENCE.md §5) uses it with whitened particles as queries and whitened rescaled training
/// points as keys (α = 1, β = ½), or with raw particles and raw points and α = e^{−ct}/s_t, β = e^{−2ct}/(2 s_t) in the
/// isotropic case.
#[allow(clippy::too_many_arguments)] // A kernel's operands; a struct would only rename them.
pub fn attend(
    queries: &[f64],
    keys: &[f64],
    keys_t: &[f64],
    key_sq: &[f64],
    d: usize,
    alpha: f64,
    beta: f64,
    out: &mut [f64],
    top: &mut [TopTwo],
    dot_buf: &mut [f64],
) {
    let np = queries.len() / d;
    let nk = key_sq.len();
    assert!(queries.len() == np * d && keys.len() == nk * d && nk > 0, "attend: buffers of whole rows");
    assert!(keys_t.len() >= tiled_len(nk, d), "attend: tile-transposed keys (see transpose_tiles)");
    assert!(out.len() == np * d && top.len() == np && dot_buf.len() >= TILE_P * TILE_K, "attend: output sizes");
    let mut running_max = [0.0; TILE_P];
    let mut running_sum = [0.0; TILE_P];
    for p0 in (0..np).step_by(TILE_P) {
        let p1 = (p0 + TILE_P).min(np);
        let q_tile = &queries[p0 * d..p1 * d];
        let out_tile = &mut out[p0 * d..p1 * d];
        let top_tile = &mut top[p0..p1];
        out_tile.fill(0.0);
        top_tile.fill(TopTwo::default());
        running_max.fill(f64::NEG_INFINITY);
        running_sum.fill(0.0);
        for k0 in (0..nk).step_by(TILE_K) {
            let k1 = (k0 + TILE_K).min(nk);
            logits_tile(q_tile, &keys_t[k0 * d..(k0 + TILE_K) * d], d, dot_buf);
            let rows = out_tile.chunks_exact_mut(d).zip(top_tile.iter_mut()).zip(dot_buf.chunks_exact_mut(TILE_K));
            for (p, ((acc, tt), logits)) in rows.enumerate() {
                let logits = &mut logits[..k1 - k0];
                let mut tile_max = f64::NEG_INFINITY;
                for (l, (i, ksq)) in logits.iter_mut().zip((k0..k1).zip(&key_sq[k0..k1])) {
                    *l = alpha * *l - beta * ksq;
                    tt.push(*l, i);
                    tile_max = tile_max.max(*l);
                }
                if tile_max > running_max[p] {
                    // e^{−∞} = 0 on the first tile: the empty sums stay zero.
                    let scale = libm::exp(running_max[p] - tile_max);
                    running_sum[p] *= scale;
                    acc.iter_mut().for_each(|a| *a *= scale);
                    running_max[p] = tile_max;
                }
                // Logits become weights in place; negligible ones become exact zeros (no exp).
                let m = running_max[p];
                for l in logits.iter_mut() {
                    let z = *l - m;
                    *l = if z > -SOFTMAX_CUTOFF { libm::exp(z) } else { 0.0 };
                    running_sum[p] += *l;
                }
            }
            accumulate(dot_buf, k1 - k0, &keys[k0 * d..k1 * d], d, out_tile);
        }
        normalize(out_tile, &running_sum, d);
    }
}

/// The last step of an online softmax pass: each accumulated row Σ w_i k_i of `out` divided by its weight sum.
fn normalize(out: &mut [f64], sums: &[f64], d: usize) {
    for (acc, s) in out.chunks_exact_mut(d).zip(sums) {
        let inv = 1.0 / s;
        acc.iter_mut().for_each(|a| *a *= inv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic test data in (−1, 1) (also used by `mixed`'s tests).
    pub(crate) fn pseudo(n: usize, salt: f64) -> Vec<f64> {
        (0..n).map(|i| ((i as f64 + salt) * 0.7548776662).sin()).collect()
    }

    #[test]
    fn dots_with_gives_dot_row_by_row() {
        for d in [1, 2, 3, 7, 64] {
            for np in [0, 1, 3, 4, 5, 8, 13] {
                let x = pseudo(np * d, 0.3 + d as f64);
                let g = pseudo(d, 1.7);
                let mut out = vec![f64::NAN; np];
                dots_with(&x, &g, &mut out);
                for (p, o) in out.iter().enumerate() {
                    assert_eq!(o.to_bits(), dot(&g, &x[p * d..(p + 1) * d]).to_bits(), "d={d} np={np} p={p}");
                }
            }
        }
    }

    #[test]
    fn dots_match_naive_and_do_not_depend_on_tile_position() {
        for d in [1, 2, 5, 16] {
            let x = pseudo(7 * d, 0.3);
            let k = pseudo(67 * d, 1.1);
            let mut out = vec![0.0; 7 * 67];
            dots(&x, &k, d, &mut out, 67);
            for p in 0..7 {
                for i in 0..67 {
                    let naive: f64 = (0..d).map(|j| x[p * d + j] * k[i * d + j]).sum();
                    assert!((out[p * 67 + i] - naive).abs() < 1e-13);
                    // Bit-identical to the scalar path whatever the tile position (batch-split determinism).
                    assert_eq!(out[p * 67 + i], dot(&x[p * d..(p + 1) * d], &k[i * d..(i + 1) * d]));
                }
            }
        }
    }

    #[test]
    fn triangular_solves_invert() {
        let l = [2.0, 0.0, 0.0, 1.0, 3.0, 0.0, -1.0, 0.5, 1.5];
        let lt = [2.0, 1.0, -1.0, 0.0, 3.0, 0.5, 0.0, 0.0, 1.5];
        let b = [1.0, 2.0, 3.0];
        let (mut z, mut v) = ([0.0; 3], [0.0; 3]);
        solve_lower(&l, &b, &mut z);
        solve_upper(&lt, &b, &mut v);
        for i in 0..3 {
            let lz: f64 = (0..3).map(|j| l[i * 3 + j] * z[j]).sum();
            let ltv: f64 = (0..3).map(|j| lt[i * 3 + j] * v[j]).sum();
            assert!((lz - b[i]).abs() < 1e-14 && (ltv - b[i]).abs() < 1e-14);
        }
    }

    #[test]
    fn attend_matches_a_two_pass_softmax() {
        let (d, np, nk) = (3, 37, 150);
        let q = pseudo(np * d, 0.2).iter().map(|x| 4.0 * x).collect::<Vec<_>>();
        let k = pseudo(nk * d, 2.5);
        let ksq: Vec<f64> = k.chunks_exact(d).map(|r| dot(r, r)).collect();
        let mut out = vec![0.0; np * d];
        let mut top = vec![TopTwo::default(); np];
        let mut buf = vec![0.0; TILE_P * TILE_K];
        let mut kt = vec![0.0; tiled_len(nk, d)];
        transpose_tiles(&k, d, &mut kt);
        attend(&q, &k, &kt, &ksq, d, 1.3, 0.65, &mut out, &mut top, &mut buf);
        for p in 0..np {
            let qp = &q[p * d..(p + 1) * d];
            let logits: Vec<f64> = (0..nk).map(|i| 1.3 * dot(qp, &k[i * d..(i + 1) * d]) - 0.65 * ksq[i]).collect();
            let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let w: Vec<f64> = logits.iter().map(|l| (l - m).exp()).collect();
            let s: f64 = w.iter().sum();
            for j in 0..d {
                let e: f64 = (0..nk).map(|i| w[i] * k[i * d + j]).sum::<f64>() / s;
                assert!((out[p * d + j] - e).abs() < 1e-13, "p={p} j={j}");
            }
            let best = (0..nk).max_by(|&a, &b| logits[a].total_cmp(&logits[b]).then(b.cmp(&a))).unwrap();
            assert_eq!(top[p].index, best);
            assert_eq!(top[p].best, logits[best]);
        }
    }
}
