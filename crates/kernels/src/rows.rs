//! Row-wise updates of a batch of particles (particle-major buffers of rows of length d): the element loops of the
//! scores and integrators of the two-class models, kept here so that the size-optimized web build still compiles
//! them at full optimization (vectorized; see ARCHITECTURE.md, "The web build"). Each function does exactly the
//! arithmetic of the loop it replaced, in the same order, so the numbers are unchanged bit for bit.

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

/// next += tanh(g·z) c + ξ per particle (the white-coordinate step: `c` one row, ξ the rows of noise).
pub fn add_tanh_and_noise(next: &mut [f64], z: &[f64], g: &[f64], c: &[f64], xi: &[f64]) {
    let d = g.len();
    for ((np, zp), xp) in next.chunks_exact_mut(d).zip(z.chunks_exact(d)).zip(xi.chunks_exact(d)) {
        let th = libm::tanh(dot(g, zp));
        for ((o, c), e) in np.iter_mut().zip(c).zip(xp) {
            *o += th * c + e;
        }
    }
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
        let mut acc = [1.0; 6];
        add_tanh_and_noise(&mut acc, &x, &mu, &[1.0, 0.0, -1.0], &[0.5; 6]);
        let th = (mu[0] * x[3] + mu[1] * x[4] + mu[2] * x[5]).tanh();
        assert!((acc[3] - (1.0 + th + 0.5)).abs() < 1e-14 && (acc[4] - 1.5).abs() < 1e-14);
        assert!((acc[5] - (1.0 - th + 0.5)).abs() < 1e-14);
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
