//! The per-time loops of the theory's modal form (`diffusion_regimes::theory::modal`, whose module docs derive the
//! formulas): filling the real covariance W⁻¹X_tW⁻ᵀ and the signal W⁻¹E_tD from the eigenbasis quantities, and the
//! log-determinant of a Cholesky factor. Kept in this crate so that the size-optimized web build still compiles them
//! at full optimization (ARCHITECTURE.md, "The web build"); the arithmetic is unchanged, so are the bits.

use num_complex::Complex;

type C64 = Complex<f64>;

/// A diagonal block of the real Schur form: one real eigenvalue, or a conjugate pair (λ at `start`, λ̄ at `start+1`).
#[derive(Clone, Copy, Debug)]
pub struct Block {
    /// First index of the block.
    pub start: usize,
    /// Whether the block holds a conjugate pair (two indices).
    pub pair: bool,
}

/// The time-t covariance in the eigenbasis, split into real and imaginary parts (row-major d × d): K = V⁻¹XV⁻ᴴ and
/// K − F (F the stationary covariance in the eigenbasis).
#[derive(Clone, Copy, Debug)]
pub struct SplitCov<'a> {
    /// Re K.
    pub k_re: &'a [f64],
    /// Im K.
    pub k_im: &'a [f64],
    /// Re (K − F).
    pub diff_re: &'a [f64],
    /// Im (K − F).
    pub diff_im: &'a [f64],
}

/// The upper triangle of W⁻¹X_tW⁻ᵀ (row-major d × d) into `m`, with entries
/// (V⁻¹X_tV⁻ᴴ)_kl = K_kl + b_kl (K_kl − F_kl), b_kl = (a_k + ā_l) + a_k ā_l (`a` the factors a_k = expm1(−λ_k t),
/// `abar` = ā split into real and imaginary parts), turned real by the block transform T (pairs: w = √2 Re v,
/// √2 Im v). Each block row's complex entries are computed in one element-wise pass over split arrays (vectorized),
/// with the complex arithmetic written out in num-complex's order, into the scratch rows `g`.
pub fn fill_cov(
    d: usize,
    blocks: &[Block],
    a: &[C64],
    x: SplitCov<'_>,
    (abar_re, abar_im): (&[f64], &[f64]),
    (g_re, g_im): (&mut [f64], &mut [f64]),
    m: &mut [f64],
) {
    let s2 = std::f64::consts::SQRT_2;
    for (bi, bk) in blocks.iter().enumerate() {
        let k = bk.start;
        let ak = a[k];
        let row = k * d..(k + 1) * d;
        let (kr, ki) = (&x.k_re[row.clone()][k..], &x.k_im[row.clone()][k..]);
        let (dr, di) = (&x.diff_re[row.clone()][k..], &x.diff_im[row][k..]);
        let (cr, ci) = (&abar_re[k..], &abar_im[k..]);
        let (gr, gi) = (&mut g_re[k..], &mut g_im[k..]);
        let n = d - k;
        let (kr, ki, dr, di, cr, ci, gr, gi) =
            (&kr[..n], &ki[..n], &dr[..n], &di[..n], &cr[..n], &ci[..n], &mut gr[..n], &mut gi[..n]);
        for j in 0..n {
            // b = (a_k + ā_l) + a_k ā_l, then g = K + b (K − F), as num-complex evaluates them.
            let br = (ak.re + cr[j]) + (ak.re * cr[j] - ak.im * ci[j]);
            let bim = (ak.im + ci[j]) + (ak.re * ci[j] + ak.im * cr[j]);
            gr[j] = kr[j] + (br * dr[j] - bim * di[j]);
            gi[j] = ki[j] + (br * di[j] + bim * dr[j]);
        }
        let (gr, gi) = (&*g_re, &*g_im);
        for bl in &blocks[bi..] {
            let l = bl.start;
            let (g_re, g_im) = (gr[l], gi[l]);
            match (bk.pair, bl.pair) {
                (false, false) => m[k * d + l] = g_re,
                (false, true) => {
                    m[k * d + l] = s2 * g_re;
                    m[k * d + l + 1] = s2 * g_im;
                }
                (true, false) => {
                    m[k * d + l] = s2 * g_re;
                    m[(k + 1) * d + l] = -s2 * g_im;
                }
                (true, true) => {
                    let (h_re, h_im) = (gr[l + 1], gi[l + 1]);
                    m[k * d + l] = g_re + h_re;
                    m[k * d + l + 1] = g_im - h_im;
                    m[(k + 1) * d + l] = -(g_im + h_im);
                    m[(k + 1) * d + l + 1] = g_re - h_re;
                }
            }
        }
    }
}

/// W⁻¹E_tD = T e^{−Λt} ν (row-major d × r) into `y`, from the factors e_k = e^{−λ_k t} and ν = V⁻¹D (row-major).
pub fn fill_signal(r: usize, blocks: &[Block], e: &[C64], nu: &[C64], y: &mut [f64]) {
    let s2 = std::f64::consts::SQRT_2;
    for b in blocks {
        let k = b.start;
        let ek = e[k];
        for c in 0..r {
            let v = ek * nu[k * r + c];
            if b.pair {
                y[k * r + c] = s2 * v.re;
                y[(k + 1) * r + c] = -s2 * v.im;
            } else {
                y[k * r + c] = v.re;
            }
        }
    }
}

/// ln det(UᵀU) = 2 Σ_k ln u_kk of an upper Cholesky factor stored row-major in `u` (d × d).
pub fn ln_det_upper(u: &[f64], d: usize) -> f64 {
    2.0 * (0..d).map(|k| libm::log(u[k * d + k])).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_block_and_a_pair() {
        // d = 3: one real eigenvalue, then a pair. With a = 0 (t = 0) the entries are K itself, made real by T.
        let blocks = [Block { start: 0, pair: false }, Block { start: 1, pair: true }];
        let z = C64::new(0.0, 0.0);
        let k_re: Vec<f64> = (0..9).map(|i| i as f64).collect();
        let k_im: Vec<f64> = (0..9).map(|i| 0.5 * i as f64).collect();
        let x = SplitCov { k_re: &k_re, k_im: &k_im, diff_re: &[0.0; 9], diff_im: &[0.0; 9] };
        let (mut g_re, mut g_im, mut m) = (vec![0.0; 3], vec![0.0; 3], vec![0.0; 9]);
        fill_cov(3, &blocks, &[z; 3], x, (&[0.0; 3], &[0.0; 3]), (&mut g_re, &mut g_im), &mut m);
        let s2 = std::f64::consts::SQRT_2;
        assert_eq!(m[0], 0.0);
        assert_eq!((m[1], m[2]), (s2 * 1.0, s2 * 0.5));
        assert_eq!((m[4], m[5], m[8]), (4.0 + 5.0, 2.0 - 2.5, 4.0 - 5.0));
        let mut y = vec![0.0; 3];
        let nu = [C64::new(1.0, 0.0), C64::new(2.0, 1.0), C64::new(0.0, 0.0)];
        fill_signal(1, &blocks, &[C64::new(0.5, 0.0); 3], &nu, &mut y);
        assert_eq!(y, vec![0.5, s2 * 1.0, -s2 * 0.5]);
        assert!((ln_det_upper(&[2.0, 9.0, 0.0, 3.0], 2) - 2.0 * (6.0f64).ln()).abs() < 1e-15);
    }
}
