//! One-dimensional minimization: Brent's golden-section/parabolic method, used for the replica-symmetric variational
//! problems of the manifold theory (the minimum over the overlap m in SCIENCE.md §8).
//!
//! Edges: knows nothing about diffusion; minimizes a closure that may fail.

use crate::error::{Error, Result};

/// Iteration cap of [`brent_min`]: golden-section alone shrinks the interval by 0.618 per step, so 200 steps reach
/// any tolerance above 10⁻⁴⁰ of the width.
const MAX_ITER: usize = 200;

/// A local minimum of f on [a, b] by Brent's method (Brent 1973, *Algorithms for minimization without derivatives*,
/// ch. 5, `localmin`): parabolic interpolation safeguarded by golden-section steps. Returns (x, f(x)).
/// The end points themselves are not evaluated; callers that allow a minimum at an end compare it separately.
///
/// ```
/// use diffusion_regimes::theory::minimize::brent_min;
/// let (x, fx) = brent_min(|x: f64| Ok((x - 0.3).powi(2) + 1.0), 0.0, 1.0, 1e-10).unwrap();
/// assert!((x - 0.3).abs() < 1e-8 && (fx - 1.0).abs() < 1e-15);
/// ```
///
/// # Errors
/// [`Error::Numerical`] for a non-finite value or bracket; errors of `f` are passed through.
pub fn brent_min(mut f: impl FnMut(f64) -> Result<f64>, a: f64, b: f64, xtol: f64) -> Result<(f64, f64)> {
    if !(a.is_finite() && b.is_finite() && a < b) {
        return Err(Error::numerical("minimization", format!("invalid interval [{a}, {b}]")));
    }
    // (3 − √5)/2: the golden-section fraction.
    let cgold = 0.5 * (3.0 - 5f64.sqrt());
    let (mut a, mut b) = (a, b);
    let mut x = a + cgold * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = f(x)?;
    let (mut fw, mut fv) = (fx, fx);
    let mut d: f64 = 0.0;
    let mut e: f64 = 0.0;
    for _ in 0..MAX_ITER {
        if !fx.is_finite() {
            return Err(Error::numerical("minimization", format!("f({x}) = {fx}")));
        }
        let xm = 0.5 * (a + b);
        let tol1 = f64::EPSILON.sqrt() * 1e-4 * x.abs() + xtol / 3.0;
        let tol2 = 2.0 * tol1;
        if (x - xm).abs() <= tol2 - 0.5 * (b - a) {
            return Ok((x, fx));
        }
        let mut golden = true;
        if e.abs() > tol1 {
            // Fit a parabola through x, w, v.
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            let etemp = e;
            if p.abs() < (0.5 * q * etemp).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = tol1.copysign(xm - x);
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= xm { a - x } else { b - x };
            d = cgold * e;
        }
        let u = if d.abs() >= tol1 { x + d } else { x + tol1.copysign(d) };
        let fu = f(u)?;
        if !fu.is_finite() {
            return Err(Error::numerical("minimization", format!("f({u}) = {fu}")));
        }
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if fu <= fv || v == x || v == w {
                v = u;
                fv = fu;
            }
        }
    }
    Err(Error::numerical("minimization", format!("Brent's method did not converge in {MAX_ITER} steps")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_minimum_of_non_quadratic() {
        // m − 1 − ln m + ½ ln(1 + 3m): the shape of the replica objective; stationary point solves a quadratic.
        let f = |m: f64| Ok(0.25 * (m - 1.0 - m.ln()) + 0.5 * (3.0 * m).ln_1p());
        // 0.25(1 − 1/m) + 1.5/(1 + 3m) = 0  ⇔  3m² + 4m − 1 = 0 (multiplied by 4m(1 + 3m)).
        let exact = (-4.0 + 28f64.sqrt()) / 6.0;
        let (x, _) = brent_min(f, 1e-9, 1.0, 1e-12).unwrap();
        assert!((x - exact).abs() < 1e-8, "{x} vs {exact}");
    }
}
