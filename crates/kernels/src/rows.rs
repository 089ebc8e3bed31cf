//! Row-wise updates of a batch of particles (particle-major buffers of rows of length d): the element loops of the
//! scores and integrators of the two-class models, kept here so that the size-optimized web build still compiles
//! them at full optimization (vectorized; see ARCHITECTURE.md, "The web build"). Each function does exactly the
//! arithmetic of the loop it replaced, in the same order, so the numbers are unchanged bit for bit, except
//! [`tanh_lanes`], which replaced `libm::tanh` by a branch-free polynomial within 2.2·10⁻¹⁶ of it (its own docs).

use crate::dot;

/// Biroli's two-class score, particle by particle: out = a·tanh(a μ·x) μ − Γ⁻¹ x (scalar Γ⁻¹ = `inv_gamma`;
/// SCIENCE.md §4, the symmetric two-class mixture with C₀ = I).
pub fn biroli_score(x: &[f64], mu: &[f64], a: f64, inv_gamma: f64, out: &mut [f64]) {
    let d = mu.len();
    for (xp, op) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
        let coef = a * libm::tanh(a * dot(mu, xp));
        for ((o, xi), mi) in op.iter_mut().zip(xp).zip(mu) {
            *o = coef * mi - inv_gamma * xi;
        }
    }
}

/// The two-class score from its shared-covariance form, given out = B x per particle on entry:
/// out = tanh(g·x) g − B x.
pub fn two_class_score_finish(x: &[f64], g: &[f64], out: &mut [f64]) {
    let d = g.len();
    for (xp, op) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
        let th = libm::tanh(dot(g, xp));
        for (o, gi) in op.iter_mut().zip(g) {
            *o = th * gi - *o;
        }
    }
}

/// next += t + tanh(g·x) k per particle (`t` the rows of the linear part already applied, `k` one row).
pub fn add_linear_and_tanh(next: &mut [f64], t: &[f64], x: &[f64], g: &[f64], k: &[f64]) {
    let d = g.len();
    for ((np, tp), xp) in next.chunks_exact_mut(d).zip(t.chunks_exact(d)).zip(x.chunks_exact(d)) {
        let th = libm::tanh(dot(g, xp));
        for ((o, t), k) in np.iter_mut().zip(tp).zip(k) {
            *o += t + th * k;
        }
    }
}

/// `out[p] = tanh(g·z_p)` for each particle row z_p, eight at a time by [`tanh_lanes`] (the one function here that does
/// not keep the bits of the loop it replaced: `libm::tanh` was a fifth of the white step's update; the update itself,
/// z' += tanh·c + ξ, is drawn with the noise, `Stream::add_scaled_and_normal`).
pub fn tanh_of_dots(z: &[f64], g: &[f64], out: &mut [f64]) {
    const B: usize = 8;
    let d = g.len();
    for (zb, ob) in z.chunks(B * d).zip(out.chunks_mut(B)) {
        let mut a = [0.0; B];
        crate::dots_with(zb, g, &mut a);
        let th = tanh_lanes(a);
        ob.copy_from_slice(&th[..ob.len()]);
    }
}

/// tanh of B values in lock-step, branch-free (so the compiler vectorizes it), with basic IEEE operations only (the
/// same bits on every platform), to an absolute error below 3·10⁻¹⁶, two units in the last place of values near 1 (`tanh_lanes_agrees_with_libm`).
///
/// tanh a = sign(a) (1 − e)/(1 + e) with e = e^{−2|a|} ∈ (0, 1]. e^x (x = −2|a|, clamped to −40, beyond which
/// tanh is 1 in f64) = 2^k e^r with k = round(x / ln 2), r = x − k ln 2 by Cody–Waite (|r| ≤ ln 2 / 2) and e^r by its
/// Taylor polynomial of degree 13 (remainder < (ln 2/2)¹⁴/14! < 5·10⁻¹⁸). Near a = 0, 1 − e cancels: the error is
/// then absolute, not relative, which is what the step needs (tanh multiplies a fixed vector added to the state).
/// A NaN stays NaN.
#[inline(always)]
pub fn tanh_lanes<const B: usize>(a: [f64; B]) -> [f64; B] {
    const LN2_HI: f64 = 0.693_147_180_369_123_8; // 0x3FE62E42FEE00000: ln 2 to 32 bits, so k·LN2_HI is exact.
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10; // ln 2 − LN2_HI.
    const ROUND: f64 = 6_755_399_441_055_744.0; // 1.5·2⁵²: adding and subtracting it rounds to an integer.
    let x: [f64; B] = std::array::from_fn(|j| {
        let x = -2.0 * a[j].abs();
        if x < -40.0 {
            -40.0
        } else {
            x
        }
    });
    let shifted: [f64; B] = std::array::from_fn(|j| x[j] * std::f64::consts::LOG2_E + ROUND);
    let r: [f64; B] = std::array::from_fn(|j| {
        let k = shifted[j] - ROUND;
        (x[j] - k * LN2_HI) - k * LN2_LO
    });
    // Horner: Σ_{j ≤ 13} r^j / j!.
    let mut p = [1.0 / 6_227_020_800.0; B];
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        for j in 0..B {
            p[j] = p[j] * r[j] + c;
        }
    }
    // 2^k for −58 ≤ k ≤ 0 from the low bits of `shifted` = 1.5·2⁵² + k (see `mixed::exp_weight`).
    std::array::from_fn(|j| {
        let e = p[j] * f64::from_bits(shifted[j].to_bits().wrapping_add(1023) << 52);
        ((1.0 - e) / (1.0 + e)).copysign(a[j])
    })
}

/// next = (n z + k s) + c x, element by element: the step `next ← N z + K s + L x` with scalar coefficients in one
/// pass (the same operations in the same order as `next = n z; next += k s; next += c x`).
pub fn scalar_step(n: f64, z: &[f64], k: f64, s: &[f64], c: f64, x: &[f64], next: &mut [f64]) {
    for (((o, zi), si), xi) in next.iter_mut().zip(z).zip(s).zip(x) {
        *o = n * zi + k * si + c * xi;
    }
}

/// out = c x, element by element.
pub fn scale_into(c: f64, x: &[f64], out: &mut [f64]) {
    out.iter_mut().zip(x).for_each(|(o, xi)| *o = c * xi);
}

/// acc += c x, element by element.
pub fn add_scaled(c: f64, x: &[f64], acc: &mut [f64]) {
    acc.iter_mut().zip(x).for_each(|(a, xi)| *a += c * xi);
}

/// acc += t, element by element.
pub fn add(t: &[f64], acc: &mut [f64]) {
    acc.iter_mut().zip(t).for_each(|(a, t)| *a += t);
}

/// Flips `v` so that its component of largest magnitude is positive (ties: the first index): the eigenvector sign
/// rule of SCIENCE.md §3 (`diffusion_regimes::precision::fix_sign`).
pub fn fix_sign(v: &mut [f64]) {
    let mut best = 0;
    for k in 1..v.len() {
        if v[k].abs() > v[best].abs() {
            best = k;
        }
    }
    if v.get(best).is_some_and(|&b| b < 0.0) {
        v.iter_mut().for_each(|x| *x = -*x);
    }
}

/// M ← (M + Mᵀ)/2 for a square n × n matrix stored densely (either order).
pub fn symmetrize(m: &mut [f64], n: usize) {
    assert_eq!(m.len(), n * n, "symmetrize: an n × n matrix");
    for i in 0..n {
        for j in (i + 1)..n {
            let s = 0.5 * (m[i * n + j] + m[j * n + i]);
            m[i * n + j] = s;
            m[j * n + i] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanh_lanes_agrees_with_libm() {
        // Absolute error against libm::tanh over ±40 on a fine grid, around 0, and the special values.
        let mut worst = 0.0f64;
        let mut a = Vec::new();
        for i in -400_000..=400_000 {
            a.push(i as f64 * 1e-4);
        }
        for e in -300..=0 {
            a.push(10f64.powi(e));
            a.push(-(10f64.powi(e)) * 1.7);
        }
        for chunk in a.chunks(8) {
            let mut v = [0.0; 8];
            v[..chunk.len()].copy_from_slice(chunk);
            let t = tanh_lanes(v);
            for (x, y) in chunk.iter().zip(t) {
                worst = worst.max((y - libm::tanh(*x)).abs());
                assert!(y.abs() <= 1.0 && (y == 0.0 || y.signum() == x.signum()), "tanh({x}) = {y}");
            }
        }
        assert!(worst < 3e-16, "largest absolute error {worst:e}"); // measured 2.2e-16: two ulps below 1
        let s = tanh_lanes([0.0, -0.0, 1e3, -1e3, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 19.0]);
        assert_eq!(&s[..6], &[0.0, -0.0, 1.0, -1.0, 1.0, -1.0]);
        assert!(s[6].is_nan(), "tanh(NaN) = {}", s[6]);
        assert!((s[7] - libm::tanh(19.0)).abs() < 3e-16, "tanh(19) = {}", s[7]);
        // The test can fail: a Taylor polynomial two degrees shorter is off by ~1e-14.
        assert!((tanh_lanes([0.3])[0] - libm::tanh(0.3)).abs() < 3e-16);
    }

    #[test]
    fn rows_match_their_formulas() {
        let d = 3;
        let x = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75];
        let mu = [1.0, 2.0, -1.0];
        let mut out = [0.0; 6];
        biroli_score(&x, &mu, 0.7, 1.3, &mut out);
        for p in 0..2 {
            let xp = &x[p * d..(p + 1) * d];
            let m = 0.7 * (0.7 * (mu[0] * xp[0] + mu[1] * xp[1] + mu[2] * xp[2])).tanh();
            for i in 0..d {
                assert!((out[p * d + i] - (m * mu[i] - 1.3 * xp[i])).abs() < 1e-14);
            }
        }
        let mut th = [0.0; 2];
        tanh_of_dots(&x, &mu, &mut th);
        for p in 0..2 {
            let xp = &x[p * d..(p + 1) * d];
            assert!((th[p] - (mu[0] * xp[0] + mu[1] * xp[1] + mu[2] * xp[2]).tanh()).abs() < 1e-15);
        }
        let mut acc = [0.0; 3];
        add_scaled(2.0, &mu, &mut acc);
        add(&mu, &mut acc);
        assert_eq!(acc, [3.0, 6.0, -3.0]);
        let mut o = [0.0; 3];
        scale_into(-1.0, &mu, &mut o);
        assert_eq!(o, [-1.0, -2.0, 1.0]);
        let mut step = [0.0; 3];
        scalar_step(0.5, &[1.0, 2.0, 3.0], 2.0, &mu, -1.0, &[1.0, 1.0, 1.0], &mut step);
        assert_eq!(step, [1.5, 4.0, -1.5]);
        let mut v = [0.5, -2.0, 2.0];
        fix_sign(&mut v);
        assert_eq!(v, [-0.5, 2.0, -2.0]);
        let mut m = [1.0, 2.0, 4.0, 3.0];
        symmetrize(&mut m, 2);
        assert_eq!(m, [1.0, 3.0, 3.0, 3.0]);
    }
}
