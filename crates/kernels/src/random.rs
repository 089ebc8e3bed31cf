//! Seeded random streams (re-exported as `diffusion_regimes::random`): one independent, reproducible stream per (seed, purpose, index), with normal variates computed the
//! same way on every platform.
//!
//! Why not `rand::rngs::SmallRng` or `StdRng`: their algorithms may differ between platforms (SmallRng is a 32-bit
//! generator on wasm32) and between rand versions. Xoshiro256++ (via `rand_xoshiro`) is fixed, and normal variates use
//! the ziggurat method (Marsaglia & Tsang 2000, in Doornik's 2005 ZIGNOR construction, with 1024 layers) with tables
//! and the rare wedge and tail tests computed by `libm` and IEEE basic operations only, so native and wasm produce
//! bit-identical streams (SCIENCE.md §1: "Same inputs and seed give the same numbers").
//!
//! Stream changes (issue 7), each changing every normal variate, and so every trajectory for a given seed, once; uniforms
//! and integers never changed:
//! - until the perf branch, normal variates were Box–Muller through `libm`; the ziggurat draws one 64-bit word per
//!   variate in most cases and no `log`/`sincos`, about 10× faster, and W1 (10⁶ variates per step) was bound by it;
//! - until 0.10.0 the ziggurat had Doornik's 128 layers, whose fast path settles 97.2% of draws. The other 2.8% cost
//!   ~40% of the time (each a mispredicted branch, ~80 cycles, natively and in V8). With 1024 layers 99.57% take the
//!   fast path (`the_fast_path_takes_99_6_percent`): W4 in one Worker 0.428 → 0.39 ms per step, W1 3.8 → 3.3 ms.
//!   R and V for 1024 layers are this project's computation (the ZIGNOR equations solved by bisection in 40-digit
//!   arithmetic, mpmath; `ziggurat_constants_solve_the_layer_equations` checks them in f64).
//!
//! Each particle or clone pair gets `stream(seed, purpose, index)`, so results do not depend on how work is split across
//! threads or Workers.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// SplitMix64 finalizer (Steele, Lea, Flood 2014): a bijective 64-bit mixer used to derive stream keys.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Purposes of streams drawn from one seed, so that e.g. the training set and the generation noise never share
/// a stream even when their indices coincide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Drawing a training set or data samples.
    Data = 1,
    /// Noise of generation trajectories.
    Generation = 2,
    /// Noise of the clones after a split.
    Clone = 3,
    /// Random matrices (random basis of U, random Q, random directions, embeddings).
    Matrix = 4,
    /// Monte Carlo estimators (entropy estimator samples).
    Estimator = 5,
}

/// A reproducible stream of uniform and normal variates.
#[derive(Clone, Debug)]
pub struct Stream {
    rng: Xoshiro256PlusPlus,
}

/// Layers of the ziggurat (a power of two: the layer is the low bits of a word).
const ZIG_LAYERS: usize = 1024;
const ZIG_MASK: u64 = ZIG_LAYERS as u64 - 1;
/// Start of the tail, R, and the common area of the layers, V, for 1024 layers: with f(x) = e^{−x²/2}, the base layer
/// (a rectangle of height f(R) plus the tail) has area V = R f(R) + ∫_R^∞ f, and the recursion
/// x_{i+1} = f⁻¹(V/x_i + f(x_i)) from x_1 = R closes, V/x_1023 + f(x_1023) = 1, so every layer has area V (Doornik
/// 2005's equations; the values are this project's solution of them, see the module documentation).
const ZIG_R: f64 = 4.038_849_846_109_504;
const ZIG_V: f64 = 1.226_324_646_353_088e-3;

/// The ziggurat's layer edges x_i (x_0 = V/f(R) for the base layer with its tail, x_1 = R, …, x_1024 = 0).
struct Ziggurat {
    x: [f64; ZIG_LAYERS + 1],
    /// The fast test's pair of layer i, side by side (one cache line per draw): (x_i·2⁻⁵³, x_{i+1}).
    rect: [[f64; 2]; ZIG_LAYERS],
    /// The density at the edges, f(x_i) = e^{−x_i²/2} (f(x_1024) = 1), for the wedge test.
    f: [f64; ZIG_LAYERS + 1],
}

/// The tables, computed once (libm and IEEE operations only, so the same bits on every platform).
fn ziggurat() -> &'static Ziggurat {
    static TABLES: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut x = [0.0; ZIG_LAYERS + 1];
        let mut f = libm::exp(-0.5 * ZIG_R * ZIG_R);
        x[0] = ZIG_V / f;
        x[1] = ZIG_R;
        for i in 2..ZIG_LAYERS {
            x[i] = libm::sqrt(-2.0 * libm::log(ZIG_V / x[i - 1] + f));
            f = libm::exp(-0.5 * x[i] * x[i]);
        }
        let f = std::array::from_fn(|i| libm::exp(-0.5 * x[i] * x[i]));
        let rect = std::array::from_fn(|i| [x[i] * (1.0 / (1u64 << 53) as f64), x[i + 1]]);
        Ziggurat { x, rect, f }
    })
}

/// The stream for `(seed, purpose, index)`.
///
/// ```
/// use regimes_kernels::random::{stream, Purpose};
/// let a: Vec<f64> = { let mut s = stream(7, Purpose::Data, 3); (0..4).map(|_| s.normal()).collect() };
/// let b: Vec<f64> = { let mut s = stream(7, Purpose::Data, 3); (0..4).map(|_| s.normal()).collect() };
/// assert_eq!(a, b);
/// ```
pub fn stream(seed: u64, purpose: Purpose, index: u64) -> Stream {
    let key = mix64(mix64(seed ^ mix64(purpose as u64)).wrapping_add(index));
    Stream { rng: Xoshiro256PlusPlus::seed_from_u64(key) }
}

impl Stream {
    /// A uniform 64-bit integer.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniform variate in the open interval (0, 1), with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        // `as i64 as f64`: the 53-bit value converts exactly either way, and the signed conversion is one instruction
        // (the unsigned one is a branchy sequence on x86-64 and in wasm engines): the same bits, fewer instructions.
        (((self.next_u64() >> 11) as i64) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..n` (n ≥ 1), by Lemire's multiply-shift (bias below 2⁻⁶⁴·n, negligible here).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// A standard normal variate (ziggurat; identical on every platform).
    ///
    /// One 64-bit word gives the layer i (its low 10 bits) and a signed uniform u ∈ (−1, 1) (its high 53 bits, read as
    /// a signed integer); inside the layer's rectangle (|u·x_i| < x_{i+1}, Marsaglia and Tsang's form of the test,
    /// which reads one table) the variate is u·x_i, otherwise the wedge or the tail is tested
    /// ([`Stream::fill_normal`] draws a batch in another order).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        self.normal_from(ziggurat())
    }

    /// [`Stream::normal`] with the tables at hand.
    #[inline(always)]
    fn normal_from(&mut self, z: &Ziggurat) -> f64 {
        loop {
            let w = self.next_u64();
            let (x, i, inside) = candidate(z, w);
            if inside {
                return x;
            }
            if let Some(v) = self.settle(z, i, x) {
                return v;
            }
        }
    }

    /// The ziggurat's rare cases for the candidate x = u·x_i outside its layer's rectangle: `Some` variate when the
    /// wedge or tail test accepts, `None` when the candidate is rejected (the caller then starts afresh). The rare
    /// case gets a copy of the generator and hands back its successor, so the generator's address never escapes the
    /// hot loops and its state stays in registers (the same numbers, 5% faster in V8).
    #[inline(always)]
    fn settle(&mut self, z: &Ziggurat, i: usize, x: f64) -> Option<f64> {
        let (next, v) = self.clone().normal_slow(z, i, x);
        *self = next;
        v
    }

    /// The ziggurat's rare cases (0.43% of draws) for the candidate x = u·x_i: the base layer's tail beyond R, or the
    /// wedge of layer i.
    #[cold]
    #[inline(never)]
    fn normal_slow(mut self, z: &Ziggurat, i: usize, x: f64) -> (Stream, Option<f64>) {
        if i == 0 {
            // Marsaglia's tail method: t = ln(U₁)/R ≤ 0, accept when −2 ln U₂ ≥ t²; the variate is ±(R − t), with
            // the candidate's sign.
            loop {
                let t = libm::log(self.uniform()) / ZIG_R;
                let y = libm::log(self.uniform());
                if -2.0 * y >= t * t {
                    return (self, Some(if x < 0.0 { t - ZIG_R } else { ZIG_R - t }));
                }
            }
        }
        // The wedge: accept x with probability (f(x) − f(x_{i+1})) / (f(x_i) − f(x_{i+1})), f(x) = e^{−x²/2}, against
        // the tabulated f(x_i) (one exp per test, and most decided without it by `wedge_accepts`' squeezes).
        let y = z.f[i + 1] + self.uniform() * (z.f[i] - z.f[i + 1]);
        let accepted = wedge_accepts(z, i, x, y).then_some(x);
        (self, accepted)
    }

    /// Fills `out` (at most [`NORMAL_BATCH`] values) with standard normal variates in two passes: first one word per
    /// value, its candidate stored whether or not it falls inside its rectangle, with no branch on the test (a bit
    /// per value marks the outside ones); then, only if some fell outside, the batch's words are replayed from a
    /// copy of the generator and each outside value, in order, is settled by its wedge or tail test and, if that
    /// rejects it, by fresh draws ([`Stream::normal`]'s loop) after the batch's words. Every value is the first
    /// accepted candidate of its own sequence of independent words, so the values are independent standard normals;
    /// they equal those of successive [`Stream::normal`] calls until the first outside candidate.
    #[inline(always)]
    fn fill_batch(&mut self, z: &Ziggurat, out: &mut [f64]) {
        debug_assert!(!out.is_empty() && out.len() <= NORMAL_BATCH);
        let start = self.clone();
        // Bit len − 1 − j marks value j (a shift by one per value keeps the loop free of variable shifts).
        let mut outside = 0u64;
        for o in out.iter_mut() {
            let (x, _, inside) = candidate(z, self.next_u64());
            *o = x;
            outside = (outside << 1) | u64::from(!inside);
        }
        if outside != 0 {
            let mut replay = start;
            let last = out.len() - 1;
            // The replay stops at the last marked value (the lowest set bit): the words after it are not needed, and
            // a batch with a mark (24% of full batches) replays ~33 words on average instead of 64 (the same numbers;
            // in a prototype of W4's pattern 0.114 → 0.106 ms for 64 000 variates).
            let through = last - outside.trailing_zeros() as usize;
            for (j, o) in out[..=through].iter_mut().enumerate() {
                let w = replay.next_u64();
                if (outside >> (last - j)) & 1 == 1 {
                    let (x, i, _) = candidate(z, w);
                    *o = match self.settle(z, i, x) {
                        Some(v) => v,
                        None => self.normal_from(z),
                    };
                }
            }
        }
    }

    /// Fills `out` with standard normal variates, batch by batch of [`NORMAL_BATCH`] from its start (`fill_batch`'s
    /// order: so filling a slice at once or in pieces that are whole batches gives the same numbers).
    pub fn fill_normal(&mut self, out: &mut [f64]) {
        let z = ziggurat();
        // A local copy whose address never escapes (see `settle`), written back once.
        let mut s = self.clone();
        for batch in out.chunks_mut(NORMAL_BATCH) {
            s.fill_batch(z, batch);
        }
        *self = s;
    }

    /// `out[j] += t · c[j] + ξ_j` with ξ the variates [`Stream::fill_normal`] would give for `out`'s length: the same
    /// numbers as filling a buffer ξ first and adding after, bit for bit, with the buffer one batch long (the white
    /// step's noise, drawn straight into the particle's row).
    pub fn add_scaled_and_normal(&mut self, out: &mut [f64], t: f64, c: &[f64]) {
        let z = ziggurat();
        let mut s = self.clone();
        let mut xi = [0.0; NORMAL_BATCH];
        for (ob, cb) in out.chunks_mut(NORMAL_BATCH).zip(c.chunks(NORMAL_BATCH)) {
            let xi = &mut xi[..ob.len()];
            s.fill_batch(z, xi);
            for ((o, c), e) in ob.iter_mut().zip(cb).zip(xi.iter()) {
                *o += t * c + e;
            }
        }
        *self = s;
    }
}

/// The batch of [`Stream::fill_normal`]: its values are drawn 64 at a time, each batch's rare cases after its words.
pub const NORMAL_BATCH: usize = 64;

/// The ziggurat's candidate of the word w: (x = u·x_i, i, whether x is inside layer i's rectangle), with i the low 10
/// bits and u = (k + ½)·2⁻⁵² for k the high 53 bits read as a signed integer, k ∈ [−2⁵², 2⁵²): the 2⁵³ values of u
/// symmetric about 0 in (−1, 1). Computed as x = (2k + 1)·(x_i·2⁻⁵³), where 2k + 1 is the word shifted by 10 (bit 10
/// is no layer bit) with its low bit set: an exact integer below 2⁵³ in size, converted exactly (a signed conversion;
/// an unsigned one is a branchy sequence in wasm engines), times an exact power-of-two scaling of x_i, so x is the
/// exact product rounded once, the bits of u·x_i, with no float add or scaling in the loop.
#[inline(always)]
fn candidate(z: &Ziggurat, w: u64) -> (f64, usize, bool) {
    let i = (w & ZIG_MASK) as usize;
    let [scaled, next] = z.rect[i];
    let x = ((((w as i64) >> 10) | 1) as f64) * scaled;
    (x, i, x.abs() < next)
}

/// The wedge test of layer i (1 ≤ i < 1024) for the point (x, y): y < f(x) = e^{−x²/2}.
///
/// Squeezes from e^t ≥ 1 + t decide most points without the exp: f(x) ≥ f(x_i)(1 + (x_i² − x²)/2) and
/// f(x) ≤ f(x_{i+1}) / (1 + (x² − x_{i+1}²)/2). Their 10⁻¹² margins are far above the rounding of either side, so they
/// never decide differently from the exp test (`squeezes_decide_as_the_exp_test`): the stream is unchanged bit for bit.
#[inline]
fn wedge_accepts(z: &Ziggurat, i: usize, x: f64, y: f64) -> bool {
    let x2 = x * x;
    if y < z.f[i] * (1.0 + 0.5 * (z.x[i] * z.x[i] - x2)) * (1.0 - 1e-12) {
        return true;
    }
    if y > z.f[i + 1] / (1.0 + 0.5 * (x2 - z.x[i + 1] * z.x[i + 1])) * (1.0 + 1e-12) {
        return false;
    }
    y < libm::exp(-0.5 * x * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_index_and_purpose() {
        let a = stream(1, Purpose::Data, 0).next_u64();
        assert_ne!(a, stream(1, Purpose::Data, 1).next_u64());
        assert_ne!(a, stream(1, Purpose::Generation, 0).next_u64());
        assert_ne!(a, stream(2, Purpose::Data, 0).next_u64());
    }

    #[test]
    fn normal_distribution_matches_phi() {
        // Kolmogorov–Smirnov against Φ on n = 400000 variates: D_n < 1.95/√n has probability 0.999 under the null.
        // Also the tail beyond R (the ziggurat's base layer): P(|Z| > R) = 5.76e-4, 5 s.e. of a binomial count.
        let n = 400_000;
        let mut s = stream(3, Purpose::Estimator, 1);
        let mut xs: Vec<f64> = (0..n).map(|_| s.normal()).collect();
        xs.sort_by(f64::total_cmp);
        let phi = |x: f64| 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2);
        let d = xs
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let p = phi(x);
                (p - i as f64 / n as f64).abs().max(((i + 1) as f64 / n as f64 - p).abs())
            })
            .fold(0.0, f64::max);
        assert!(d < 1.95 / (n as f64).sqrt(), "KS distance {d}");
        let p_tail = 2.0 * phi(-ZIG_R);
        let tail = xs.iter().filter(|x| x.abs() > ZIG_R).count() as f64;
        let se = (n as f64 * p_tail).sqrt();
        assert!((tail - n as f64 * p_tail).abs() < 5.0 * se, "tail count {tail} vs {}", n as f64 * p_tail);
        let k4 = xs.iter().map(|x| x.powi(4)).sum::<f64>() / n as f64;
        // Var(Z⁴) = 105 − 9 = 96: s.e. of the mean √(96/n) = 0.0155; 5 s.e.
        assert!((k4 - 3.0).abs() < 5.0 * 0.0155, "fourth moment {k4}");
    }

    #[test]
    fn normal_histogram_matches_phi_in_fine_bins() {
        // 4·10⁶ variates in 240 bins of width 0.0375 over [−4.5, 4.5] plus the two tails: Pearson's χ² against Φ, with
        // 241 degrees of freedom (mean 241, s.d. 22), must stay below mean + 5 s.d.: ten times the KS test's sample,
        // relative resolution ~1% in each bin of the body. The count beyond the tail's start R (expected
        // 4·10⁶ · 5.37·10⁻⁵ = 215) must be within 5 s.e. (The wedges hold only 0.43% of the mass, so a wrong wedge
        // test barely moves the histogram; `squeezes_decide_as_the_exp_test` checks that test directly.)
        let n = 4_000_000usize;
        let (bins, lo, hi) = (240usize, -4.5, 4.5);
        let width = (hi - lo) / bins as f64;
        let mut counts = vec![0usize; bins + 2];
        let mut beyond_r = 0usize;
        // Drawn by `fill_normal` in rows of 100 (a whole batch and a part one), so the batch path and its rare cases
        // are what is tested here; `normal_distribution_matches_phi` tests `normal`.
        let mut s = stream(11, Purpose::Estimator, 3);
        let mut row = [0.0; 100];
        let xs = (0..n / 100).flat_map(|_| {
            s.fill_normal(&mut row);
            row
        });
        for x in xs {
            beyond_r += usize::from(x.abs() > ZIG_R);
            let k = if x < lo {
                0
            } else if x >= hi {
                bins + 1
            } else {
                (1 + ((x - lo) / width) as usize).min(bins)
            };
            counts[k] += 1;
        }
        let phi = |x: f64| 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2);
        let edge = |k: usize| lo + k as f64 * width;
        let chi2: f64 = (0..bins + 2)
            .map(|k| {
                let p = match k {
                    0 => phi(lo),
                    k if k == bins + 1 => phi(-hi),
                    k => phi(edge(k)) - phi(edge(k - 1)),
                };
                let e = n as f64 * p;
                (counts[k] as f64 - e).powi(2) / e
            })
            .sum();
        assert!(chi2 < 241.0 + 5.0 * 22.0, "χ² = {chi2} on 241 degrees of freedom");
        let expected = n as f64 * 2.0 * phi(-ZIG_R);
        assert!((beyond_r as f64 - expected).abs() < 5.0 * expected.sqrt(), "{beyond_r} beyond R, {expected} expected");
    }

    #[test]
    fn a_batch_is_normal_draws_until_its_first_outside_candidate_and_its_own_numbers_after() {
        let z = ziggurat();
        let mut settled_later = 0;
        for index in 0..400 {
            let mut batch = [0.0; NORMAL_BATCH];
            let mut a = stream(13, Purpose::Generation, index);
            a.fill_normal(&mut batch);
            // Successive `normal` calls agree up to the first candidate outside its rectangle.
            let mut b = stream(13, Purpose::Generation, index);
            let mut probe = b.clone();
            for (j, &v) in batch.iter().enumerate() {
                if !candidate(z, probe.next_u64()).2 {
                    settled_later += 1;
                    break;
                }
                assert_eq!(v.to_bits(), b.normal().to_bits(), "stream {index}, value {j}");
            }
            // Filling in whole batches equals filling at once; `add_scaled_and_normal` is the fill plus the update.
            let mut long = vec![0.0; 3 * NORMAL_BATCH + 5];
            stream(13, Purpose::Generation, index).fill_normal(&mut long);
            let mut pieces = vec![0.0; long.len()];
            let mut c = stream(13, Purpose::Generation, index);
            c.fill_normal(&mut pieces[..2 * NORMAL_BATCH]);
            c.fill_normal(&mut pieces[2 * NORMAL_BATCH..]);
            assert_eq!(long, pieces);
            let coef: Vec<f64> = (0..long.len()).map(|j| j as f64 * 0.01 - 1.0).collect();
            let mut out: Vec<f64> = (0..long.len()).map(|j| 0.5 - j as f64 * 0.003).collect();
            let want: Vec<f64> = out.iter().zip(&coef).zip(&long).map(|((o, c), e)| o + (0.7 * c + e)).collect();
            stream(13, Purpose::Generation, index).add_scaled_and_normal(&mut out, 0.7, &coef);
            assert_eq!(out, want);
        }
        // 1 − 0.99572⁶⁴ = 24% of batches have an outside candidate: the test must have met some.
        assert!(settled_later > 50, "{settled_later} batches with an outside candidate");

        // A value whose candidate fell outside is settled as `normal` settles it: its wedge or tail test, then fresh
        // draws if that rejects. So the settled values of batches have the law of `normal`'s values whose first word
        // fell outside (a mixture of wedge and tail points and fresh normals, not Φ itself). Two-sample KS on about
        // 22 000 of each: D < 1.95·√(2/m) at 0.999.
        let mut settled = Vec::new();
        let mut s = stream(17, Purpose::Estimator, 4);
        let mut batch = [0.0; NORMAL_BATCH];
        for _ in 0..80_000 {
            let mut probe = s.clone();
            s.fill_normal(&mut batch);
            settled.extend(batch.iter().filter(|_| !candidate(z, probe.next_u64()).2));
        }
        let mut single = Vec::new();
        let mut s = stream(19, Purpose::Estimator, 5);
        while single.len() < settled.len() {
            let outside = !candidate(z, s.clone().next_u64()).2;
            let v = s.normal();
            if outside {
                single.push(v);
            }
        }
        let m = settled.len();
        assert!(m > 18_000, "{m} settled values");
        settled.sort_by(f64::total_cmp);
        single.sort_by(f64::total_cmp);
        // D = sup |F_a − F_b| over the merged sample points.
        let (mut i, mut j, mut d) = (0, 0, 0.0f64);
        while i < m && j < m {
            if settled[i] <= single[j] {
                i += 1;
            } else {
                j += 1;
            }
            d = d.max((i as f64 - j as f64).abs() / m as f64);
        }
        assert!(d < 1.95 * (2.0 / m as f64).sqrt(), "two-sample KS distance {d} on {m} settled values each");
        // And they are far from Φ: the test can tell a wrong settling (e.g. returning fresh normals only) apart.
        let phi = |x: f64| 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2);
        let d_phi = settled.iter().enumerate().map(|(i, &x)| (phi(x) - i as f64 / m as f64).abs()).fold(0.0, f64::max);
        assert!(d_phi > 0.03, "settled values look like plain normals: D = {d_phi}");
    }

    #[test]
    fn squeezes_decide_as_the_exp_test() {
        // Points of every wedge, uniform in its rectangle part and concentrated near the curve y = f(x).
        let z = ziggurat();
        let mut s = stream(5, Purpose::Estimator, 2);
        let mut decided_by_exp = 0usize;
        let n = 400_000;
        for k in 0..n {
            let i = 1 + (k % (ZIG_LAYERS - 1));
            let x = z.x[i + 1] + s.uniform() * (z.x[i] - z.x[i + 1]);
            let f = libm::exp(-0.5 * x * x);
            let y = if k % 2 == 0 {
                z.f[i + 1] + s.uniform() * (z.f[i] - z.f[i + 1])
            } else {
                f * (1.0 + (s.uniform() - 0.5) * 1e-9)
            };
            assert_eq!(wedge_accepts(z, i, x, y), y < f, "layer {i}, x = {x}, y = {y}");
            let x2 = x * x;
            let lower = z.f[i] * (1.0 + 0.5 * (z.x[i] * z.x[i] - x2)) * (1.0 - 1e-12);
            let upper = z.f[i + 1] / (1.0 + 0.5 * (x2 - z.x[i + 1] * z.x[i + 1])) * (1.0 + 1e-12);
            decided_by_exp += usize::from(y >= lower && y <= upper);
        }
        // The squeezes must actually spare most exps for uniform points (the near-curve half always needs it).
        assert!(decided_by_exp < n * 6 / 10, "{decided_by_exp} of {n} needed the exp");
    }

    #[test]
    fn the_fast_path_takes_99_6_percent() {
        // A draw is settled by its rectangle test |u·x_i| < x_{i+1} with probability mean_i(x_{i+1}/x_i) (i and u
        // uniform): 0.995723 for 1024 layers (0.97244 for Doornik's 128); the rest go to `normal_slow`. Counted on
        // draws too.
        let z = ziggurat();
        let fast = (0..ZIG_LAYERS).map(|i| z.x[i + 1] / z.x[i]).sum::<f64>() / ZIG_LAYERS as f64;
        assert!((fast - 0.995723).abs() < 1e-6, "fast fraction {fast}");
        let mut s = stream(9, Purpose::Estimator, 0);
        let n = 1_000_000;
        let hits = (0..n)
            .filter(|_| {
                let w = s.next_u64();
                candidate(z, w).2
            })
            .count();
        let se = (fast * (1.0 - fast) / n as f64).sqrt();
        assert!((hits as f64 / n as f64 - fast).abs() < 5.0 * se, "{hits} of {n}");
    }

    #[test]
    fn ziggurat_constants_solve_the_layer_equations() {
        // The base layer's area: R f(R) + ∫_R^∞ e^{−x²/2} dx = R f(R) + √(π/2) erfc(R/√2) = V.
        let base = ZIG_R * libm::exp(-0.5 * ZIG_R * ZIG_R)
            + (std::f64::consts::PI / 2.0).sqrt() * libm::erfc(ZIG_R / std::f64::consts::SQRT_2);
        assert!((base / ZIG_V - 1.0).abs() < 1e-13, "base layer area {base} against V = {ZIG_V}");
        // The top layer, a rectangle of width x_1023 from f(x_1023) to 1, has area V too: the recursion closes.
        let z = ziggurat();
        let top = z.x[ZIG_LAYERS - 1] * (1.0 - z.f[ZIG_LAYERS - 1]);
        assert!((top / ZIG_V - 1.0).abs() < 1e-9, "top layer area {top} against V = {ZIG_V}");
    }

    #[test]
    fn the_candidate_is_u_times_x_i_bit_for_bit() {
        let z = ziggurat();
        let mut s = stream(21, Purpose::Estimator, 6);
        for _ in 0..200_000 {
            let w = s.next_u64();
            let i = (w & ZIG_MASK) as usize;
            let u = ((((w as i64) >> 11) as f64) + 0.5) * (1.0 / (1u64 << 52) as f64);
            let (x, j, inside) = candidate(z, w);
            assert_eq!((x.to_bits(), j, inside), ((u * z.x[i]).to_bits(), i, (u * z.x[i]).abs() < z.x[i + 1]));
        }
    }

    #[test]
    fn ziggurat_layers_close() {
        // The recursion must end with the top layer's edge near 0 (x_1023 = 0.13506 for 1024 layers) and x_1024 = 0.
        let z = ziggurat();
        let top = z.x[ZIG_LAYERS - 1];
        assert!((top - 0.135_063_558_6).abs() < 1e-8, "x_1023 = {top}");
        assert_eq!(z.x[ZIG_LAYERS], 0.0);
        assert!(z.x.windows(2).all(|w| w[0] > w[1]), "edges decrease");
    }

    #[test]
    fn normal_moments() {
        // Mean and variance of 200000 variates: standard errors 1/sqrt(n) = 0.0022 and sqrt(2/n) = 0.0032; 5 s.e.
        let mut s = stream(42, Purpose::Estimator, 0);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| s.normal()).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
        assert!(m.abs() < 5.0 * 0.0022, "mean {m}");
        assert!((v - 1.0).abs() < 5.0 * 0.0032, "variance {v}");
    }
}
