//! The mixed-precision variant of [`super::attend`]: the two products of the empirical score's softmax pass in f32
//! (four lanes per 128-bit register instead of two), the softmax itself in f64.
//!
//! Per particle tile the queries are rounded to f32 once; the keys are stored in f32 by the caller (once per training
//! set, or once per step for whitened keys). Then, per key tile:
//! 1. dot products q·k in f32 ([`F4`] register tile of 4 particles × 8 keys, coordinates summed in ascending order),
//!    widened to f64, and the logit ℓ = α q·k − β|k|² formed in f64 with the f64 squared norm;
//! 2. the online softmax in f64 as in [`super::attend`] (running maximum, the e^{−50} cutoff), each weight e^{ℓ−m}
//!    by the polynomial [`exp_weight`] (IEEE basic operations, vectorizable) and the running-maximum rescale by
//!    `libm::exp`;
//!    each weight is rounded to f32 and the running sum adds the *rounded* weights, so the result is the exact
//!    weighted mean of the keys for the weights actually used;
//! 3. Σ_i w_i k_i over the tile's keys in f32 (4 particles × 8 columns, keys in ascending order), added to the f64
//!    accumulator; keys whose weight is zero for all four particles of a register tile are skipped (late times: the
//!    softmax is nearly one-hot and the cutoff zeroes almost every weight), which cannot change a bit since adding a
//!    zero product to a sum that is never −0 leaves it unchanged.
//!
//! Error: the f32 dot product of x and k has an absolute error of at most about (d + 2)·2⁻²⁴·Σ_j|x_j k_j|, so a
//! logit is off by α times that; at W3's late times (d = 256, α ≈ 1/s_t) this is ~10⁻³ in a logit, a ~0.1 % change
//! of a weight. Σ w k is a convex combination, so its f32 error is ~64·2⁻²⁴ of the keys' size per tile. The nearest
//! and second-nearest report does not inherit the cancellation of |y|² − 2y·b + |b|²: the empirical score recomputes
//! both distances directly in f64 (`score::empirical`). `tests/mixed_precision.rs` checks that generated samples
//! and the nearest-neighbour statistics agree with the f64 kernel within Monte Carlo error.
//!
//! Split-invariance: every (particle, key) value is computed in the same order in the register tile and in the
//! remainder paths, so a particle's result never depends on its position in a tile; all arithmetic is IEEE f32/f64
//! without fused multiply–add, so native and wasm give the same bits.

use super::lanes::F4;
use super::{TopTwo, SOFTMAX_CUTOFF, TILE_K, TILE_P};

/// Particles per register tile.
const MP: usize = 4;

/// Keys (logits) or columns (weighted sum) per register tile: two [`F4`], so 4 × 2 = 8 accumulators plus two key
/// vectors and a broadcast fit the 16 128-bit registers of x86-64 and of V8's wasm code.
const MK: usize = 8;

/// Keys rounded to f32, row-major, for the weighted sum of [`attend_mixed`].
pub fn round_keys(keys: &[f64], out: &mut [f32]) {
    assert_eq!(keys.len(), out.len(), "round_keys: equal lengths");
    // wasm: four values per store (two `f32x4.demote_f64x2_zero` joined by a shuffle), where LLVM's loop converts one
    // at a time (the white step rounds every z to f32 each step: W4 in V8 ~0.355 → ~0.348 ms per step); the same IEEE rounding to
    // nearest as `as f32`, so the same bits. Other targets: the plain loop (x86-64 vectorizes it).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = {
        use core::arch::wasm32::{f32x4_demote_f64x2_zero, i32x4_shuffle, v128, v128_load, v128_store};
        let full = keys.len() - keys.len() % 4;
        for (o, k) in out[..full].chunks_exact_mut(4).zip(keys[..full].chunks_exact(4)) {
            // SAFETY: k holds 4 f64 (32 readable bytes) and o 4 f32 (16 writable bytes); wasm needs no alignment.
            unsafe {
                let lo = f32x4_demote_f64x2_zero(v128_load(k.as_ptr() as *const v128));
                let hi = f32x4_demote_f64x2_zero(v128_load(k.as_ptr().add(2) as *const v128));
                v128_store(o.as_mut_ptr() as *mut v128, i32x4_shuffle::<0, 1, 4, 5>(lo, hi));
            }
        }
        full
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    for (o, k) in out[done..].iter_mut().zip(&keys[done..]) {
        *o = *k as f32;
    }
}

/// Keys rounded to f32 in the tile-transposed layout of [`super::transpose_tiles`] (length [`super::tiled_len`]),
/// for the dot products of [`attend_mixed`].
pub fn transpose_tiles_f32(keys: &[f64], d: usize, out: &mut [f32]) {
    assert!(out.len() >= super::tiled_len(keys.len() / d, d), "transpose_tiles_f32: output too small");
    out.fill(0.0);
    for (i, key) in keys.chunks_exact(d).enumerate() {
        let base = (i / TILE_K) * TILE_K * d + i % TILE_K;
        for (j, v) in key.iter().enumerate() {
            out[base + j * TILE_K] = *v as f32;
        }
    }
}

/// Workspace of [`attend_mixed`] for one tile of particles of dimension d.
#[derive(Clone, Debug)]
pub struct MixedScratch {
    q: Vec<f32>,
    logits: Vec<f64>,
    w: Vec<f32>,
    live: LiveKeys,
}

impl MixedScratch {
    /// A workspace for dimension d.
    pub fn new(d: usize) -> Self {
        MixedScratch {
            q: vec![0.0; TILE_P * d],
            logits: vec![0.0; TILE_P * TILE_K],
            w: vec![0.0; TILE_P * TILE_K],
            live: LiveKeys::new(),
        }
    }
}

/// e^z for a softmax weight, −[`SOFTMAX_CUTOFF`] < z ≤ 0, to a relative error below 10⁻⁹ (far below the f32 rounding
/// the weight gets next), with basic IEEE operations only, so the bits are the same on every platform, and no branch,
/// so the compiler can vectorize the loop (one `libm::exp` per key is half the time of the W2 pass).
///
/// e^z = 2^k e^r with k = round(z / ln 2) and |r| ≤ ln 2 / 2, where r = z − k ln 2 is computed with ln 2 split in a
/// high part exact to 32 bits and a low part (Cody–Waite), and e^r by its Taylor polynomial of degree 10 (remainder
/// ≤ (ln 2/2)¹¹/11! < 10⁻¹²).
#[inline(always)]
pub fn exp_weight(z: f64) -> f64 {
    exp_weights([z])[0]
}

/// [`exp_weight`] of B values in lock-step: the same operations lane by lane (so the same bits), written so that the
/// compiler keeps B / 2 independent Horner chains in flight (one chain is a serial run of 20 dependent operations,
/// which is latency-bound).
#[inline(always)]
fn exp_weights<const B: usize>(z: [f64; B]) -> [f64; B] {
    const LN2_HI: f64 = 0.693_147_180_369_123_8; // 0x3FE62E42FEE00000: ln 2 to 32 bits, so k·LN2_HI is exact.
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10; // ln 2 − LN2_HI.
    const ROUND: f64 = 6_755_399_441_055_744.0; // 1.5·2⁵²: adding and subtracting it rounds to an integer (ties even).
    let shifted: [f64; B] = std::array::from_fn(|j| z[j] * std::f64::consts::LOG2_E + ROUND);
    let r: [f64; B] = std::array::from_fn(|j| {
        let k = shifted[j] - ROUND;
        (z[j] - k * LN2_HI) - k * LN2_LO
    });
    // Horner: Σ_{j ≤ 10} r^j / j!.
    let mut p = [1.0 / 3_628_800.0; B];
    for c in
        [1.0 / 362_880.0, 1.0 / 40_320.0, 1.0 / 5_040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0]
    {
        for j in 0..B {
            p[j] = p[j] * r[j] + c;
        }
    }
    // 2^k for −73 ≤ k ≤ 0, built from its exponent bits. The low bits of `shifted` = 1.5·2⁵² + k hold k in two's
    // complement (its ulp is 1), and 1.5·2⁵²'s own bits vanish in the shift, so no float → int conversion is needed
    // (wasm has none for f64x2, and this keeps the loop vectorizable).
    std::array::from_fn(|j| p[j] * f64::from_bits(shifted[j].to_bits().wrapping_add(1023) << 52))
}

/// `w[i]` ← the f32 softmax weight of logit `logits[i]` under the running maximum m: e^{ℓ−m} by [`exp_weight`] for
/// ℓ − m > −[`SOFTMAX_CUTOFF`], exactly 0 below (and for a NaN). Branch-free, eight at a time.
fn weights(w: &mut [f32], logits: &[f64], m: f64) {
    const B: usize = 8;
    #[inline(always)]
    fn one<const N: usize>(w: &mut [f32], logits: &[f64], m: f64) {
        let z: [f64; N] = std::array::from_fn(|j| logits[j] - m);
        // Lanes at or below the cutoff compute a discarded value from a clamped argument.
        let e: [f64; N] =
            exp_weights(std::array::from_fn(|j| if z[j] > -SOFTMAX_CUTOFF { z[j] } else { -SOFTMAX_CUTOFF }));
        for j in 0..N {
            w[j] = if z[j] > -SOFTMAX_CUTOFF { e[j] as f32 } else { 0.0 };
        }
    }
    let n = logits.len().min(w.len());
    let full = n - n % B;
    for (wb, lb) in w[..full].chunks_exact_mut(B).zip(logits[..full].chunks_exact(B)) {
        one::<B>(wb, lb, m);
    }
    for i in full..n {
        one::<1>(&mut w[i..i + 1], &logits[i..i + 1], m);
    }
}

#[inline(always)]
fn load(s: &[f32]) -> F4 {
    F4::load(s[..4].try_into().expect("four lanes"))
}

/// f32 dot products of every particle row of `q` with the TILE_K keys of one f32 transposed block `kt`
/// (d × TILE_K), widened into `out[p * ldo + i]`. Summed over coordinates in ascending order from zero, in the
/// register tile and in the remainder path alike.
fn logits_tile(q: &[f32], kt: &[f32], d: usize, out: &mut [f64], ldo: usize) {
    let np = q.len() / d;
    let full = np - np % MP;
    // Keys outermost: one strip of 8 keys × d stays in L1 while every particle group passes over it.
    for i0 in (0..TILE_K).step_by(MK) {
        for p in (0..full).step_by(MP) {
            logits_block(q, kt, d, p, i0, out, ldo);
        }
    }
    for p in full..np {
        let row = &q[p * d..(p + 1) * d];
        for i in 0..TILE_K {
            let mut s = 0.0f32;
            for (qj, krow) in row.iter().zip(kt.chunks_exact(TILE_K)) {
                s += qj * krow[i];
            }
            out[p * ldo + i] = s as f64;
        }
    }
}

/// The register tile of [`logits_tile`]: particles `p..p + MP` against keys `i0..i0 + MK`.
#[inline(always)]
fn logits_block(q: &[f32], kt: &[f32], d: usize, p: usize, i0: usize, out: &mut [f64], ldo: usize) {
    let rows: [&[f32]; MP] = std::array::from_fn(|r| &q[(p + r) * d..(p + r + 1) * d]);
    assert!(i0 + MK <= TILE_K && kt.len() >= d * TILE_K, "logits_block: tile sizes");
    let mut s = [[F4::zero(); 2]; MP];
    for j in 0..d {
        // SAFETY: j < d, so j·TILE_K + i0 + MK ≤ d·TILE_K ≤ kt.len(), and every row has length d (both asserted
        // or built above); the checks would otherwise run once per coordinate in the innermost loop.
        let k = unsafe { kt.get_unchecked(j * TILE_K + i0..j * TILE_K + i0 + MK) };
        let (k0, k1) = (load(&k[..4]), load(&k[4..]));
        for (sp, row) in s.iter_mut().zip(rows) {
            let b = F4::splat(unsafe { *row.get_unchecked(j) });
            sp[0] = sp[0].add_mul(b, k0);
            sp[1] = sp[1].add_mul(b, k1);
        }
    }
    for (r, sp) in s.iter().enumerate() {
        let o = &mut out[(p + r) * ldo + i0..(p + r) * ldo + i0 + MK];
        let (lo, hi) = (sp[0].to_array(), sp[1].to_array());
        for l in 0..4 {
            o[l] = lo[l] as f64;
            o[4 + l] = hi[l] as f64;
        }
    }
}

/// `sums[p] += Σ_i w[p * TILE_K + i]` in f64, over i in ascending order for every particle: each sum is one serial
/// chain of additions, so four particles go side by side to overlap their latencies (the bits are those of one
/// particle at a time).
fn add_weights(w: &[f32], nk: usize, sums: &mut [f64]) {
    let done = sums.len() - sums.len() % MP;
    for (g, sg) in sums[..done].chunks_exact_mut(MP).enumerate() {
        let rows: [&[f32]; MP] = std::array::from_fn(|r| &w[(g * MP + r) * TILE_K..(g * MP + r) * TILE_K + nk]);
        let mut s: [f64; MP] = std::array::from_fn(|r| sg[r]);
        #[allow(clippy::needless_range_loop)] // i walks the four rows in lock-step.
        for i in 0..nk {
            for r in 0..MP {
                s[r] += rows[r][i] as f64;
            }
        }
        sg.copy_from_slice(&s);
    }
    for (p, s) in sums.iter_mut().enumerate().skip(done) {
        for wi in &w[p * TILE_K..p * TILE_K + nk] {
            *s += *wi as f64;
        }
    }
}

/// `acc[p] += Σ_i w[p * TILE_K + i] · key_i` over the `nk` f32 keys of a key tile, summed in f32 over i in ascending
/// order and then added to the f64 `acc`, identically in the register tile and the remainder paths.
fn accumulate(w: &[f32], nk: usize, keys: &[f32], d: usize, acc: &mut [f64], live: &mut LiveKeys) {
    assert!(nk <= TILE_K && keys.len() >= nk * d && w.len() >= (acc.len() / d) * TILE_K, "accumulate: tile sizes");
    let np = acc.len() / d;
    let groups = np / MP;
    assert!(groups <= GROUPS, "accumulate: at most TILE_P particles");
    // Per group of four particles, the keys with a non-zero weight for at least one of them, in ascending order:
    // their four weights side by side (one broadcast load each below) and the offset of their row.
    for g in 0..groups {
        let p = g * MP;
        let mut n = 0;
        for i in 0..nk {
            let ws: [f32; MP] = std::array::from_fn(|r| w[(p + r) * TILE_K + i]);
            if ws.iter().any(|x| *x != 0.0) {
                live.weights[g * TILE_K + n] = ws;
                live.offsets[g * TILE_K + n] = i * d;
                n += 1;
            }
        }
        live.count[g] = n;
    }
    // Column blocks outermost: the 8-column strips of the tile's keys stay in L1 while every group passes over them.
    let mut j = 0;
    while j + MK <= d {
        for g in 0..groups {
            let (lo, n) = (g * TILE_K, live.count[g]);
            let mut s = [[F4::zero(); 2]; MP];
            for (ws, &off) in live.weights[lo..lo + n].iter().zip(&live.offsets[lo..lo + n]) {
                // SAFETY: off = i·d with i < nk and j + MK ≤ d, so off + j + MK ≤ nk·d ≤ keys.len() (asserted above).
                let k = unsafe { keys.get_unchecked(off + j..off + j + MK) };
                let (k0, k1) = (load(&k[..4]), load(&k[4..]));
                for (sr, &wr) in s.iter_mut().zip(ws) {
                    let b = F4::splat(wr);
                    sr[0] = sr[0].add_mul(b, k0);
                    sr[1] = sr[1].add_mul(b, k1);
                }
            }
            for (r, sr) in s.iter().enumerate() {
                let a = &mut acc[(g * MP + r) * d + j..(g * MP + r) * d + j + MK];
                let (lo, hi) = (sr[0].to_array(), sr[1].to_array());
                for l in 0..4 {
                    a[l] += lo[l] as f64;
                    a[4 + l] += hi[l] as f64;
                }
            }
        }
        j += MK;
    }
    for q in 0..groups * MP {
        accumulate_columns(&w[q * TILE_K..q * TILE_K + nk], keys, d, j, &mut acc[q * d..(q + 1) * d]);
    }
    for q in groups * MP..np {
        accumulate_columns(&w[q * TILE_K..q * TILE_K + nk], keys, d, 0, &mut acc[q * d..(q + 1) * d]);
    }
}

/// Register-tile groups per particle tile.
const GROUPS: usize = TILE_P / MP;

/// The live keys of [`accumulate`], per group of [`MP`] particles: packed weights, row offsets and counts.
#[derive(Clone, Debug)]
struct LiveKeys {
    weights: Vec<[f32; MP]>,
    offsets: Vec<usize>,
    count: Vec<usize>,
}

impl LiveKeys {
    fn new() -> Self {
        LiveKeys {
            weights: vec![[0.0; MP]; GROUPS * TILE_K],
            offsets: vec![0; GROUPS * TILE_K],
            count: vec![0; GROUPS],
        }
    }
}

/// The scalar path of [`accumulate`] for one particle and columns `j0..d`, with the same summation order (zero
/// products included: they leave the f32 sum unchanged).
fn accumulate_columns(w: &[f32], keys: &[f32], d: usize, j0: usize, acc: &mut [f64]) {
    for (j, a) in acc.iter_mut().enumerate().skip(j0) {
        let mut s = 0.0f32;
        for (wi, key) in w.iter().zip(keys.chunks_exact(d)) {
            s += wi * key[j];
        }
        *a += s as f64;
    }
}

/// [`super::attend`] with f32 products (see the module docs): logits ℓ_pi = α q_p·k_i − β|k_i|², weights
/// w = softmax_i(ℓ_p·), `out` row p = Σ_i w_pi k_i, `top` row p the two largest logits (from the f32 products).
/// `keys` are the keys rounded by [`round_keys`], `keys_t` the copy made by [`transpose_tiles_f32`], `key_sq` the
/// squared norms in f64.
///
/// ```
/// use regimes_kernels::{attend, tiled_len, transpose_tiles, TopTwo, TILE_K, TILE_P};
/// use regimes_kernels::mixed::{attend_mixed, round_keys, transpose_tiles_f32, MixedScratch};
/// let (d, keys, q) = (2, [1.0, 0.0, 0.0, 1.0, -1.0, 0.5], [0.3, -0.2]);
/// let ksq = [1.0, 1.0, 1.25];
/// let (mut k32, mut kt32) = (vec![0.0f32; 6], vec![0.0f32; tiled_len(3, d)]);
/// round_keys(&keys, &mut k32);
/// transpose_tiles_f32(&keys, d, &mut kt32);
/// let (mut out, mut top) = ([0.0; 2], [TopTwo::default()]);
/// attend_mixed(&q, &k32, &kt32, &ksq, d, 2.0, 1.0, &mut out, &mut top, &mut MixedScratch::new(d));
/// // The f64 kernel on the same input.
/// let mut kt = vec![0.0; tiled_len(3, d)];
/// transpose_tiles(&keys, d, &mut kt);
/// let (mut out64, mut top64) = ([0.0; 2], [TopTwo::default()]);
/// attend(&q, &keys, &kt, &ksq, d, 2.0, 1.0, &mut out64, &mut top64, &mut vec![0.0; TILE_P * TILE_K]);
/// assert!((out[0] - out64[0]).abs() < 1e-7 && (out[1] - out64[1]).abs() < 1e-7);
/// assert_eq!(top[0].index, top64[0].index);
/// ```
#[allow(clippy::too_many_arguments)] // A kernel's operands; a struct would only rename them.
pub fn attend_mixed(
    queries: &[f64],
    keys: &[f32],
    keys_t: &[f32],
    key_sq: &[f64],
    d: usize,
    alpha: f64,
    beta: f64,
    out: &mut [f64],
    top: &mut [TopTwo],
    scratch: &mut MixedScratch,
) {
    let np = queries.len() / d;
    let nk = key_sq.len();
    assert!(queries.len() == np * d && keys.len() == nk * d && nk > 0, "attend_mixed: buffers of whole rows");
    assert!(keys_t.len() >= super::tiled_len(nk, d), "attend_mixed: tile-transposed keys (see transpose_tiles_f32)");
    assert!(out.len() == np * d && top.len() == np, "attend_mixed: output sizes");
    assert!(scratch.q.len() >= TILE_P * d, "attend_mixed: scratch for another dimension");
    let mut running_max = [0.0; TILE_P];
    let mut running_sum = [0.0; TILE_P];
    for p0 in (0..np).step_by(TILE_P) {
        let p1 = (p0 + TILE_P).min(np);
        let q_tile = &mut scratch.q[..(p1 - p0) * d];
        round_keys(&queries[p0 * d..p1 * d], q_tile);
        let out_tile = &mut out[p0 * d..p1 * d];
        let top_tile = &mut top[p0..p1];
        out_tile.fill(0.0);
        top_tile.fill(TopTwo::default());
        running_max.fill(f64::NEG_INFINITY);
        running_sum.fill(0.0);
        for k0 in (0..nk).step_by(TILE_K) {
            let k1 = (k0 + TILE_K).min(nk);
            logits_tile(q_tile, &keys_t[k0 * d..(k0 + TILE_K) * d], d, &mut scratch.logits, TILE_K);
            let rows = out_tile
                .chunks_exact_mut(d)
                .zip(top_tile.iter_mut())
                .zip(scratch.logits.chunks_exact_mut(TILE_K).zip(scratch.w.chunks_exact_mut(TILE_K)));
            for (p, ((acc, tt), (logits, w))) in rows.enumerate() {
                let logits = &mut logits[..k1 - k0];
                for (l, ksq) in logits.iter_mut().zip(&key_sq[k0..k1]) {
                    *l = alpha * *l - beta * ksq;
                }
                for (i, l) in (k0..k1).zip(logits.iter()) {
                    tt.push(*l, i);
                }
                // tt.best is the running maximum over every key so far, this tile included.
                if tt.best > running_max[p] {
                    // e^{−∞} = 0 on the first tile: the empty sums stay zero.
                    let scale = libm::exp(running_max[p] - tt.best);
                    running_sum[p] *= scale;
                    acc.iter_mut().for_each(|a| *a *= scale);
                    running_max[p] = tt.best;
                }
                let m = running_max[p];
                weights(&mut w[..k1 - k0], logits, m);
            }
            add_weights(&scratch.w, k1 - k0, &mut running_sum[..p1 - p0]);
            accumulate(&scratch.w, k1 - k0, &keys[k0 * d..k1 * d], d, out_tile, &mut scratch.live);
        }
        super::normalize(out_tile, &running_sum[..p1 - p0], d);
    }
}

/// The mixed-precision [`super::dots`]: `out[p·ldo + i]` ← the dot product of particle row p of `x` (rounded to
/// f32) with key i (`keys_t`: n_k keys of dimension d rounded to f32 in the tile-transposed layout of
/// [`transpose_tiles_f32`]), summed in f32 over coordinates in ascending order and widened to f64. A row's result
/// does not depend on its position in the batch (the register tile and the remainder path sum alike).
///
/// # Panics
/// If the buffers are not whole rows, `keys_t` is shorter than [`super::tiled_len`]`(nk, d)`, `out` cannot hold
/// the rows, or `scratch` was made for another dimension.
pub fn dots_mixed(
    x: &[f64],
    keys_t: &[f32],
    nk: usize,
    d: usize,
    out: &mut [f64],
    ldo: usize,
    scratch: &mut MixedScratch,
) {
    assert!(d > 0 && x.len() % d == 0, "dots_mixed: rows of length d");
    let np = x.len() / d;
    assert!(keys_t.len() >= super::tiled_len(nk, d), "dots_mixed: tile-transposed keys (see transpose_tiles_f32)");
    assert!(ldo >= nk && out.len() >= (np.max(1) - 1) * ldo + nk, "dots_mixed: output too small");
    assert!(scratch.q.len() >= TILE_P * d, "dots_mixed: scratch for another dimension");
    for p0 in (0..np).step_by(TILE_P) {
        let p1 = (p0 + TILE_P).min(np);
        let q_tile = &mut scratch.q[..(p1 - p0) * d];
        round_keys(&x[p0 * d..p1 * d], q_tile);
        for k0 in (0..nk).step_by(TILE_K) {
            let k1 = (k0 + TILE_K).min(nk);
            let kt = &keys_t[k0 * d..(k0 + TILE_K) * d];
            if k1 - k0 == TILE_K {
                // A full tile of keys: straight into the output rows.
                logits_tile(q_tile, kt, d, &mut out[p0 * ldo + k0..], ldo);
            } else {
                // A partial one: its padded keys' zeros must not reach the columns past n_k.
                logits_tile(q_tile, kt, d, &mut scratch.logits, TILE_K);
                for (p, tile_row) in (p0..p1).zip(scratch.logits.chunks_exact(TILE_K)) {
                    out[p * ldo + k0..p * ldo + k1].copy_from_slice(&tile_row[..k1 - k0]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::pseudo;
    use crate::{attend, dot, tiled_len, transpose_tiles};

    struct Run {
        out: Vec<f64>,
        top: Vec<TopTwo>,
    }

    #[test]
    fn dots_mixed_sums_f32_products_in_order() {
        // 13 rows (three register tiles and a remainder of one) against 70 keys (a full tile and a partial one).
        let (np, nk, d) = (13, 70, 9);
        let x = pseudo(np * d, 0.3);
        let keys = pseudo(nk * d, 1.7);
        let mut kt = vec![0.0f32; tiled_len(nk, d)];
        transpose_tiles_f32(&keys, d, &mut kt);
        let ldo = nk + 3;
        let mut out = vec![f64::NAN; np * ldo];
        dots_mixed(&x, &kt, nk, d, &mut out, ldo, &mut MixedScratch::new(d));
        for p in 0..np {
            for i in 0..nk {
                // The textbook f32 loop, coordinates in ascending order from zero.
                let mut s = 0.0f32;
                for j in 0..d {
                    s += x[p * d + j] as f32 * keys[i * d + j] as f32;
                }
                assert_eq!(out[p * ldo + i].to_bits(), (s as f64).to_bits(), "row {p}, key {i}");
                // And within f32 rounding of the f64 dot product.
                let exact = dot(&x[p * d..(p + 1) * d], &keys[i * d..(i + 1) * d]);
                let size: f64 = (0..d).map(|j| (x[p * d + j] * keys[i * d + j]).abs()).sum();
                assert!((out[p * ldo + i] - exact).abs() <= (d + 2) as f64 * 2f64.powi(-24) * size);
            }
            // The padding columns past n_k are left alone.
            assert!(out[p * ldo + nk..(p + 1) * ldo].iter().all(|v| v.is_nan()), "row {p} padding written");
        }
    }

    fn mixed(q: &[f64], k: &[f64], d: usize, alpha: f64, beta: f64) -> Run {
        let nk = k.len() / d;
        let ksq: Vec<f64> = k.chunks_exact(d).map(|r| dot(r, r)).collect();
        let (mut k32, mut kt32) = (vec![0.0f32; k.len()], vec![0.0f32; tiled_len(nk, d)]);
        round_keys(k, &mut k32);
        transpose_tiles_f32(k, d, &mut kt32);
        let mut out = vec![0.0; q.len()];
        let mut top = vec![TopTwo::default(); q.len() / d];
        attend_mixed(q, &k32, &kt32, &ksq, d, alpha, beta, &mut out, &mut top, &mut MixedScratch::new(d));
        Run { out, top }
    }

    #[test]
    fn agrees_with_the_f64_kernel_to_single_precision() {
        for (d, np, nk, alpha) in [(3, 37, 150, 1.3), (16, 9, 64, 0.2), (64, 33, 200, 5.0), (13, 6, 70, 1.0)] {
            let q: Vec<f64> = pseudo(np * d, 0.2).iter().map(|x| 2.0 * x).collect();
            let k = pseudo(nk * d, 2.5);
            let r = mixed(&q, &k, d, alpha, alpha / 2.0);
            let ksq: Vec<f64> = k.chunks_exact(d).map(|r| dot(r, r)).collect();
            let mut kt = vec![0.0; tiled_len(nk, d)];
            transpose_tiles(&k, d, &mut kt);
            let mut out = vec![0.0; np * d];
            let mut top = vec![TopTwo::default(); np];
            let mut buf = vec![0.0; TILE_P * TILE_K];
            attend(&q, &k, &kt, &ksq, d, alpha, alpha / 2.0, &mut out, &mut top, &mut buf);
            for (a, b) in r.out.iter().zip(&out) {
                assert!((a - b).abs() < 1e-5, "d={d}: {a} vs {b}");
            }
            for (a, b) in r.top.iter().zip(&top) {
                assert!((a.best - b.best).abs() < 1e-5 * b.best.abs().max(1.0), "d={d}");
            }
        }
    }

    #[test]
    fn exp_weight_matches_libm() {
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            let z = -SOFTMAX_CUTOFF * i as f64 / 200_000.0;
            let (a, b) = (exp_weight(z), libm::exp(z));
            worst = worst.max((a - b).abs() / b);
        }
        assert!(worst < 1e-12, "relative error {worst:e}");
        assert_eq!(exp_weight(0.0), 1.0);
    }

    #[test]
    fn a_particle_does_not_depend_on_its_tile_position() {
        // Each particle alone (scalar remainder path) must give the bits it gets inside a full batch (register tile).
        for d in [5, 8, 24] {
            let (np, nk) = (37, 130);
            let q: Vec<f64> = pseudo(np * d, 0.9).iter().map(|x| 3.0 * x).collect();
            let k = pseudo(nk * d, 1.7);
            let all = mixed(&q, &k, d, 4.0, 2.0);
            for p in [0, 3, 5, 31, 32, 36] {
                let one = mixed(&q[p * d..(p + 1) * d], &k, d, 4.0, 2.0);
                assert_eq!(one.out, all.out[p * d..(p + 1) * d], "d={d} p={p}");
                assert_eq!(one.top[0], all.top[p], "d={d} p={p}");
            }
        }
    }
}
