//! Eigenvalue problems for `f64` matrices. nalgebra's symmetric eigen-decomposition and real Schur form, instantiated
//! in this crate so the size-optimized web build compiles them at opt-level 3 (they are generic: a generic function
//! is compiled in the crate that names its type; same code, so the same bits as calling nalgebra directly). The
//! eigenvalues of a general matrix come from an eigenvalue-only double-shift iteration of our own
//! ([`hessenberg_eigenvalues`], EISPACK's `hqr`) after nalgebra's Hessenberg reduction: nalgebra's `Schur` also
//! updates the converged part of the quasi-triangular form, which eigenvalues alone do not need.

use nalgebra::{DMatrix, Dyn, Schur, SymmetricEigen};

/// The eigen-decomposition of a symmetric matrix (`SymmetricEigen::new`).
pub fn symmetric_eigen(m: DMatrix<f64>) -> SymmetricEigen<f64, Dyn> {
    SymmetricEigen::new(m)
}

/// The eigenvalues only of a symmetric matrix (`SymmetricEigen`'s iteration without accumulating eigenvectors: the
/// same eigenvalues, several times faster at large d).
pub fn symmetric_eigenvalues(m: DMatrix<f64>) -> nalgebra::DVector<f64> {
    m.symmetric_eigenvalues()
}

/// The eigenvalues of a general real matrix: nalgebra's Hessenberg reduction, then [`hessenberg_eigenvalues`]. In the
/// order of the quasi-triangular form, top to bottom; a complex pair as λ = a + ib (b > 0), then λ̄. Should the
/// iteration not converge (no matrix of this project's tests and fuzzers does, nor the cyclic permutations and
/// Jordan blocks on which nalgebra's own iteration cycles), nalgebra's Schur form is tried with a limit, then NaN.
pub fn complex_eigenvalues(m: DMatrix<f64>) -> Vec<nalgebra::Complex<f64>> {
    let n = m.nrows();
    if n == 0 {
        return Vec::new();
    }
    // Scaled to entries of magnitude ≤ 1 (as nalgebra's Schur form is), so squares of entries cannot overflow.
    let scale = m.amax();
    if !(scale > 0.0 && scale.is_finite()) {
        return schur_eigenvalues(m);
    }
    let h = nalgebra::linalg::Hessenberg::new(&m / scale).unpack_h();
    // Row-major copy: the double-shift sweep updates three rows across the active columns (contiguous here).
    let mut a: Vec<f64> = (0..n * n).map(|k| h[(k / n, k % n)]).collect();
    match hessenberg_eigenvalues(&mut a, n) {
        Ok(ev) => ev.into_iter().map(|z| z * scale).collect(),
        Err(_) => schur_eigenvalues(m),
    }
}

/// The eigenvalues from nalgebra's Schur form with at most 100·n sweeps (its iteration has no exceptional shifts and
/// can cycle forever, e.g. on a cyclic permutation matrix); NaN if it does not converge.
fn schur_eigenvalues(m: DMatrix<f64>) -> Vec<nalgebra::Complex<f64>> {
    let n = m.nrows();
    match Schur::try_new(m, f64::EPSILON, 100 * n) {
        Some(s) => s.complex_eigenvalues().iter().copied().collect(),
        None => vec![nalgebra::Complex::new(f64::NAN, f64::NAN); n],
    }
}

/// Sweeps of the double-shift iteration allowed per eigenvalue before [`hessenberg_eigenvalues`] gives up (EISPACK
/// and Numerical Recipes allow 30; exceptional shifts every 10).
pub const MAX_SWEEPS_PER_EIGENVALUE: usize = 60;

/// The eigenvalues of an upper Hessenberg matrix (row-major `a`, n × n, overwritten) by the implicit double-shift QR
/// iteration of Francis, eigenvalues only: EISPACK's `hqr` (Martin, Peters & Wilkinson, Numer. Math. 14, 1970; as in
/// Numerical Recipes §11.6). Each sweep updates only the unreduced block being worked on, rows l..=nn and columns
/// l..=nn, where a Schur form (nalgebra's `Schur`) also updates the rows above and the columns to the right: at
/// d = 512, 0.1 s instead of 0.55 s natively. Deflation when |h_{l,l−1}| is below the rounding of |h_{l−1,l−1}| +
/// |h_{ll}|; exceptional shifts after 10, 20, … sweeps without one.
///
/// # Errors
/// The index of the eigenvalue that did not converge within [`MAX_SWEEPS_PER_EIGENVALUE`] sweeps.
pub fn hessenberg_eigenvalues(a: &mut [f64], n: usize) -> Result<Vec<nalgebra::Complex<f64>>, usize> {
    use nalgebra::Complex;
    assert_eq!(a.len(), n * n);
    let at = |i: usize, j: usize| i * n + j;
    let mut out = vec![Complex::new(0.0, 0.0); n];
    let mut anorm = 0.0;
    for i in 0..n {
        for j in i.saturating_sub(1)..n {
            anorm += a[at(i, j)].abs();
        }
    }
    // The shifts' accumulated exceptional part.
    let mut t = 0.0;
    // nn: the last row of the unreduced block; the eigenvalues below it are found.
    let mut nn = n as isize - 1;
    while nn >= 0 {
        let mut its = 0;
        loop {
            let u = nn as usize;
            // l: the first row of the unreduced block ending at u (a negligible subdiagonal entry above it is set to 0).
            let mut l = u;
            while l >= 1 {
                let mut s = a[at(l - 1, l - 1)].abs() + a[at(l, l)].abs();
                if s == 0.0 {
                    s = anorm;
                }
                if a[at(l, l - 1)].abs() + s == s {
                    a[at(l, l - 1)] = 0.0;
                    break;
                }
                l -= 1;
            }
            let mut x = a[at(u, u)];
            if l == u {
                // A 1 × 1 block.
                out[u] = Complex::new(x + t, 0.0);
                nn -= 1;
                break;
            }
            let mut y = a[at(u - 1, u - 1)];
            let mut w = a[at(u, u - 1)] * a[at(u - 1, u)];
            if l == u - 1 {
                // A 2 × 2 block: a real pair or a complex conjugate pair.
                let p = 0.5 * (y - x);
                let q = p * p + w;
                let z = q.abs().sqrt();
                x += t;
                if q >= 0.0 {
                    let z = p + z.copysign(p);
                    out[u - 1] = Complex::new(x + z, 0.0);
                    out[u] = Complex::new(if z != 0.0 { x - w / z } else { x + z }, 0.0);
                } else {
                    out[u - 1] = Complex::new(x + p, z);
                    out[u] = Complex::new(x + p, -z);
                }
                nn -= 2;
                break;
            }
            if its == MAX_SWEEPS_PER_EIGENVALUE {
                return Err(u);
            }
            if its > 0 && its % 10 == 0 {
                // Exceptional shift.
                t += x;
                for i in 0..=u {
                    a[at(i, i)] -= x;
                }
                let s = a[at(u, u - 1)].abs() + a[at(u - 1, u - 2)].abs();
                x = 0.75 * s;
                y = x;
                w = -0.4375 * s * s;
            }
            its += 1;
            // The shifts are the eigenvalues of the trailing 2 × 2 block (x, y, w); start the sweep at the row m
            // where two consecutive subdiagonal entries are small enough.
            let (mut p, mut q, mut r);
            let mut m = u - 2;
            loop {
                let z = a[at(m, m)];
                let rr = x - z;
                let ss = y - z;
                p = (rr * ss - w) / a[at(m + 1, m)] + a[at(m, m + 1)];
                q = a[at(m + 1, m + 1)] - z - rr - ss;
                r = a[at(m + 2, m + 1)];
                let s = p.abs() + q.abs() + r.abs();
                p /= s;
                q /= s;
                r /= s;
                if m == l {
                    break;
                }
                let uu = a[at(m, m - 1)].abs() * (q.abs() + r.abs());
                let vv = p.abs() * (a[at(m - 1, m - 1)].abs() + z.abs() + a[at(m + 1, m + 1)].abs());
                if uu + vv == vv {
                    break;
                }
                m -= 1;
            }
            for i in m + 2..=u {
                a[at(i, i - 2)] = 0.0;
                if i != m + 2 {
                    a[at(i, i - 3)] = 0.0;
                }
            }
            // The double-shift sweep: a 3-element Householder reflection per k chases the bulge down the block.
            for k in m..u {
                let last = k == u - 1;
                if k != m {
                    p = a[at(k, k - 1)];
                    q = a[at(k + 1, k - 1)];
                    r = if last { 0.0 } else { a[at(k + 2, k - 1)] };
                    x = p.abs() + q.abs() + r.abs();
                    if x != 0.0 {
                        p /= x;
                        q /= x;
                        r /= x;
                    }
                }
                let s = (p * p + q * q + r * r).sqrt().copysign(p);
                if s == 0.0 {
                    continue;
                }
                if k == m {
                    if l != m {
                        a[at(k, k - 1)] = -a[at(k, k - 1)];
                    }
                } else {
                    a[at(k, k - 1)] = -s * x;
                }
                p += s;
                x = p / s;
                y = q / s;
                let z = r / s;
                q /= p;
                r /= p;
                // Rows k..k+2, columns k..=u.
                let (r0, r1, r2) = (at(k, 0), at(k + 1, 0), if last { 0 } else { at(k + 2, 0) });
                for j in k..=u {
                    let mut pp = a[r0 + j] + q * a[r1 + j];
                    if !last {
                        pp += r * a[r2 + j];
                        a[r2 + j] -= pp * z;
                    }
                    a[r1 + j] -= pp * y;
                    a[r0 + j] -= pp * x;
                }
                // Columns k..k+2, rows l..=min(u, k+3).
                for i in l..=u.min(k + 3) {
                    let row = at(i, 0);
                    let mut pp = x * a[row + k] + y * a[row + k + 1];
                    if !last {
                        pp += z * a[row + k + 2];
                        a[row + k + 2] -= pp * r;
                    }
                    a[row + k + 1] -= pp * q;
                    a[row + k] -= pp;
                }
            }
        }
    }
    Ok(out)
}

/// The real Schur form A = Z T Zᵀ (`Schur::try_new`), `None` if it did not converge in `max_niter` iterations
/// (0: no limit).
pub fn schur(m: DMatrix<f64>, eps: f64, max_niter: usize) -> Option<Schur<f64, Dyn>> {
    Schur::try_new(m, eps, max_niter)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted by real part then imaginary part.
    fn sorted(mut v: Vec<nalgebra::Complex<f64>>) -> Vec<nalgebra::Complex<f64>> {
        v.sort_by(|a, b| a.re.total_cmp(&b.re).then(a.im.total_cmp(&b.im)));
        v
    }

    /// A seeded matrix with entries uniform in (−1, 1).
    fn seeded(n: usize, seed: u64) -> DMatrix<f64> {
        let mut rng = crate::random::stream(seed, crate::random::Purpose::Matrix, 0);
        DMatrix::from_fn(n, n, |_, _| 2.0 * rng.uniform() - 1.0)
    }

    #[test]
    fn hessenberg_iteration_agrees_with_the_schur_form() {
        // Random (complex pairs and real eigenvalues), a triangular matrix (all real, already deflated), a rotation
        // block matrix (pure imaginary pairs), a companion matrix (non-normal), a matrix with a zero row and 1 × 1.
        let mut cases: Vec<DMatrix<f64>> = (1..8).map(|n| seeded(n, n as u64)).collect();
        cases.extend([seeded(40, 7), seeded(150, 8)]);
        cases.push(DMatrix::from_fn(30, 30, |i, j| if i <= j { (i + 2 * j) as f64 + 1.0 } else { 0.0 }));
        cases.push(DMatrix::from_fn(20, 20, |i, j| match (i % 2, j) {
            (0, j) if j == i + 1 => -((i + 1) as f64),
            (1, j) if j + 1 == i => i as f64,
            _ => 0.0,
        }));
        cases.push(DMatrix::from_fn(12, 12, |i, j| {
            if i == 0 {
                -1.0 / (j + 1) as f64
            } else if j + 1 == i {
                1.0
            } else {
                0.0
            }
        }));
        let mut zero_row = seeded(9, 3);
        zero_row.row_mut(4).fill(0.0);
        cases.push(zero_row);
        cases.push(DMatrix::zeros(5, 5));
        // Entries near the ends of the exponent range (their squares would overflow or underflow unscaled), against
        // nalgebra's eigenvalues of the matrix at scale 1, scaled (its own overflow at 1e200: NaN imaginary parts).
        let mut scaled: Vec<(DMatrix<f64>, f64)> = cases.into_iter().map(|m| (m, 1.0)).collect();
        scaled.push((seeded(10, 4), 1e200));
        scaled.push((seeded(10, 5), 1e-200));
        for (unit, factor) in scaled {
            let m = &unit * factor;
            let n = m.nrows();
            // (‖·‖_F would underflow for the 1e-200 matrix.)
            let scale = m.amax() * n as f64;
            let ours = sorted(complex_eigenvalues(m.clone()));
            let theirs = sorted(unit.complex_eigenvalues().iter().map(|z| z * factor).collect());
            assert_eq!(ours.len(), n);
            // Every eigenvalue of ours is close to one of nalgebra's (the companion matrix's are the most sensitive).
            for z in &ours {
                let err = theirs.iter().map(|w| (z - w).norm()).fold(f64::INFINITY, f64::min);
                assert!(err <= 1e-9 * scale, "n = {n}: {z} is {err:e} from nalgebra's nearest");
            }
            // Pairs come as λ, λ̄ with Im λ > 0 first, and the trace is kept.
            let trace: f64 = ours.iter().map(|z| z.re).sum();
            assert!((trace - m.trace()).abs() <= 1e-11 * scale * n as f64, "n = {n}: trace {trace} vs {}", m.trace());
            assert!(ours.iter().all(|z| z.re.is_finite() && z.im.is_finite()), "n = {n}: {ours:?}");
        }
        let unordered = complex_eigenvalues(seeded(40, 7));
        for (k, z) in unordered.iter().enumerate() {
            if z.im > 0.0 {
                assert_eq!(unordered[k + 1], z.conj());
            }
        }
    }

    #[test]
    fn hard_cases_converge() {
        // Classic failures of the double-shift iteration without exceptional shifts (nalgebra's cycles forever on
        // some of them): cyclic permutations (eigenvalues the n-th roots of unity), Jordan blocks, rank one.
        for n in [3usize, 4, 10, 33, 64] {
            let cyclic = DMatrix::from_fn(n, n, |i, j| if (i + 1) % n == j { 1.0 } else { 0.0 });
            for z in complex_eigenvalues(cyclic.clone()).iter().chain(&complex_eigenvalues(cyclic.transpose())) {
                assert!((z.norm() - 1.0).abs() < 1e-12, "cyclic {n}: |λ| = {}", z.norm());
            }
            let jordan = DMatrix::from_fn(n, n, |i, j| {
                if i == j {
                    2.0
                } else if j == i + 1 {
                    1.0
                } else {
                    0.0
                }
            });
            // A Jordan block's eigenvalue is ill-conditioned (perturbations of ε move it by ε^{1/n}) but is found
            // exactly here, the matrix being already triangular.
            assert!(complex_eigenvalues(jordan).iter().all(|z| *z == nalgebra::Complex::new(2.0, 0.0)), "jordan {n}");
            let ones = complex_eigenvalues(DMatrix::from_element(n, n, 1.0));
            let top = ones.iter().map(|z| z.re).fold(f64::NEG_INFINITY, f64::max);
            assert!((top - n as f64).abs() < 1e-12 * n as f64, "ones {n}: {top}");
            assert!(ones.iter().filter(|z| z.norm() < 1e-12 * n as f64).count() == n - 1, "ones {n}: {ones:?}");
        }
    }

    #[test]
    fn eigenvalues_and_schur_of_a_small_matrix() {
        let m = DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 2.0]);
        let mut ev: Vec<f64> = symmetric_eigen(m.clone()).eigenvalues.iter().copied().collect();
        ev.sort_by(f64::total_cmp);
        assert!((ev[0] - 1.0).abs() < 1e-14 && (ev[1] - 3.0).abs() < 1e-14);
        let (z, t) = schur(m.clone(), f64::EPSILON, 0).unwrap().unpack();
        assert!((&z * t * z.transpose() - m).norm() < 1e-14);
    }
}
