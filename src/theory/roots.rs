//! Root finding for transition criteria: sign changes on a scan grid, refined by Brent's method.
//!
//! Used by speciation (every root of s(t) − 1, SCIENCE.md §7) and collapse (the root of the excess entropy f(t),
//! SCIENCE.md §8). Edges: the functions here know nothing about diffusion; they take closures that may fail.

use crate::error::{Error, Result};

/// Iteration cap of [`brent`]. Brent's method needs at most about (log₂(width/tol))² steps in the worst case and
/// typically 10–20; 200 only guards against a closure that returns inconsistent values.
const MAX_ITER: usize = 200;

/// A root of f in [a, b] by Brent's method (Brent 1973, *Algorithms for minimization without derivatives*, ch. 4;
/// the `zeroin` of Forsythe, Malcolm & Moler 1977): inverse quadratic interpolation and secant steps, safeguarded by
/// bisection, so it never leaves the bracket and converges at least as fast as bisection.
///
/// `fa` and `fb` are f(a) and f(b) (already known to the callers, which scan first). The result x satisfies
/// |x − x*| ≤ 2ε|x| + xtol for a root x* of f in the bracket.
///
/// ```
/// use diffusion_regimes::theory::roots::brent;
/// let f = |x: f64| Ok(x * x - 2.0);
/// let r = brent(f, 0.0, 2.0, -2.0, 2.0, 1e-14).unwrap();
/// assert!((r - 2f64.sqrt()).abs() < 1e-13);
/// ```
///
/// # Errors
/// [`Error::Numerical`] if f(a) and f(b) have the same sign, a value is not finite, or the iteration cap is hit;
/// errors of `f` are passed through.
pub fn brent(mut f: impl FnMut(f64) -> Result<f64>, a: f64, b: f64, fa: f64, fb: f64, xtol: f64) -> Result<f64> {
    if !(a.is_finite() && b.is_finite() && fa.is_finite() && fb.is_finite()) {
        return Err(Error::numerical("root bracket", format!("non-finite bracket [{a}, {b}] with f = [{fa}, {fb}]")));
    }
    if fa == 0.0 {
        return Ok(a);
    }
    if fb == 0.0 {
        return Ok(b);
    }
    if (fa > 0.0) == (fb > 0.0) {
        return Err(Error::numerical("root bracket", format!("f({a}) = {fa} and f({b}) = {fb} have the same sign")));
    }
    let (mut a, mut b, mut fa, mut fb) = (a, b, fa, fb);
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut e = d;
    for _ in 0..MAX_ITER {
        if (fb > 0.0) == (fc > 0.0) {
            // The root is between a and b: make c the other end of the bracket.
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            // b is always the best estimate.
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5 * xtol;
        let half = 0.5 * (c - b);
        if half.abs() <= tol || fb == 0.0 {
            return Ok(b);
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                // Secant step.
                p = 2.0 * half * s;
                q = 1.0 - s;
            } else {
                // Inverse quadratic interpolation.
                let qq = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * half * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            // Accept the interpolation only if it stays well inside the bracket and shrinks fast enough.
            if 2.0 * p < (3.0 * half * q - (tol * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = half;
                e = d;
            }
        } else {
            d = half;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(half) };
        fb = f(b)?;
        if !fb.is_finite() {
            return Err(Error::numerical("root finding", format!("f({b}) = {fb}")));
        }
    }
    Err(Error::numerical("root finding", format!("Brent's method did not converge in {MAX_ITER} steps")))
}

/// Every root of f on a scanned grid: each sign change between consecutive grid values is refined by [`brent`]
/// (values exactly zero are roots themselves). Roots are returned ascending.
///
/// `ts` and `values` are the grid and f on it (computed by the caller, who may get them more cheaply than by calling
/// `f` point by point). The refinement re-evaluates f at the two ends of each bracket with `f` itself, so the result
/// is a root of `f` even if the scan values differ from `f` in the last digits; if the re-evaluated ends no longer
/// differ in sign, the root is within rounding of an end and the end with the smaller |f| is returned.
///
/// A root where f touches zero without changing sign is not detected (no scan can see it); a pair of roots closer
/// than the grid spacing is missed as a pair.
///
/// ```
/// use diffusion_regimes::theory::roots::roots_on_grid;
/// let ts: Vec<f64> = (0..=40).map(|k| k as f64 * 0.25).collect();
/// let vals: Vec<f64> = ts.iter().map(|t| t.sin()).collect();
/// let r = roots_on_grid(|t| Ok(t.sin()), &ts, &vals, 1e-12).unwrap();
/// assert_eq!(r.len(), 4); // 0, π, 2π, 3π
/// assert!((r[3] - 3.0 * std::f64::consts::PI).abs() < 1e-11);
/// ```
///
/// # Errors
/// [`Error::Numerical`] for a non-finite scan value; errors of `f` are passed through.
pub fn roots_on_grid(mut f: impl FnMut(f64) -> Result<f64>, ts: &[f64], values: &[f64], xtol: f64) -> Result<Vec<f64>> {
    assert_eq!(ts.len(), values.len(), "roots_on_grid: grid and values differ in length");
    if let Some(k) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::numerical("root scan", format!("value {} at t = {}", values[k], ts[k])));
    }
    let mut roots = Vec::new();
    for j in 0..ts.len() {
        if values[j] == 0.0 {
            roots.push(ts[j]);
            continue;
        }
        if j + 1 < ts.len() && values[j + 1] != 0.0 && (values[j] > 0.0) != (values[j + 1] > 0.0) {
            let (a, b) = (ts[j], ts[j + 1]);
            let (fa, fb) = (f(a)?, f(b)?);
            let r = if fa == 0.0 || fb == 0.0 || (fa > 0.0) != (fb > 0.0) {
                brent(&mut f, a, b, fa, fb, xtol)?
            } else if fa.abs() < fb.abs() {
                a
            } else {
                b
            };
            roots.push(r);
        }
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brent_converges_on_hard_functions() {
        // A steep function (x^9) whose root is badly conditioned: tolerance is on x, not on f.
        let r = brent(|x: f64| Ok(x.powi(9)), -1.0, 1.5, -1.0, 1.5f64.powi(9), 1e-12).unwrap();
        assert!(r.abs() < 1e-4, "{r}");
        // A smooth monotone function over a wide bracket in ln t, the collapse situation.
        let f = |u: f64| Ok(0.1 + 0.5 * (-(2.0 * u.exp())).exp_m1());
        let r =
            brent(f, (1e-4f64).ln(), 50f64.ln(), f((1e-4f64).ln()).unwrap(), f(50f64.ln()).unwrap(), 1e-13).unwrap();
        assert!((f(r).unwrap()).abs() < 1e-12);
    }

    #[test]
    fn brent_rejects_unbracketed() {
        assert!(brent(|x: f64| Ok(x * x + 1.0), -1.0, 1.0, 2.0, 2.0, 1e-10).is_err());
        assert!(brent(|x: f64| Ok(x), f64::NAN, 1.0, 2.0, 2.0, 1e-10).is_err());
    }
}
