//! Adaptive Simpson quadrature and the cloning integral of the theory (`diffusion_regimes::theory::cloning`, SCIENCE.md
//! §7, which documents the formula F(s) = 1 − ½ E_z[sech²(s + √s z)]). Here, rather than in the theory module, so the
//! size-optimized web build compiles them at opt-level 3: a theory curve evaluates 200 such integrals of ~1000
//! samples each. Same code and order of operations as before the move, so the same bits.

/// Recursion cap of [`adaptive_simpson`]: 2⁻⁴⁰ of a panel is far below any feature the theory integrates.
pub const MAX_DEPTH: u32 = 40;

/// ∫_a^b g(x) dx by adaptive Simpson quadrature (Lyness 1969) with Richardson correction, starting from `panels`
/// equal panels so that a feature narrower than the interval is not missed by the first samples. The tolerance
/// `tol` is absolute and is split between panels in proportion to their width.
///
/// ```
/// use regimes_kernels::quadrature::adaptive_simpson;
/// let v = adaptive_simpson(|x| (-x * x).exp(), -10.0, 10.0, 16, 1e-13).unwrap();
/// assert!((v - std::f64::consts::PI.sqrt()).abs() < 1e-12);
/// ```
///
/// # Errors
/// A message for an invalid interval or a non-finite integrand value.
pub fn adaptive_simpson(mut g: impl FnMut(f64) -> f64, a: f64, b: f64, panels: usize, tol: f64) -> Result<f64, String> {
    if !(a.is_finite() && b.is_finite() && a < b && panels >= 1) {
        return Err(format!("invalid interval [{a}, {b}]"));
    }
    let h = (b - a) / panels as f64;
    let mut total = 0.0;
    for k in 0..panels {
        let (lo, hi) = (a + k as f64 * h, a + (k + 1) as f64 * h);
        let (flo, fmid, fhi) = (g(lo), g(0.5 * (lo + hi)), g(hi));
        let whole = (hi - lo) / 6.0 * (flo + 4.0 * fmid + fhi);
        total += simpson_step(&mut g, lo, hi, flo, fmid, fhi, whole, tol / panels as f64, MAX_DEPTH);
    }
    if total.is_finite() {
        Ok(total)
    } else {
        Err("non-finite integrand".into())
    }
}

#[allow(clippy::too_many_arguments)] // The recursion carries the panel's three samples to avoid re-evaluating them.
fn simpson_step(
    g: &mut impl FnMut(f64) -> f64,
    a: f64,
    b: f64,
    fa: f64,
    fm: f64,
    fb: f64,
    whole: f64,
    tol: f64,
    depth: u32,
) -> f64 {
    let m = 0.5 * (a + b);
    let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
    let (flm, frm) = (g(lm), g(rm));
    let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
    let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    let diff = left + right - whole;
    if depth == 0 || diff.abs() <= 15.0 * tol || !diff.is_finite() {
        return left + right + diff / 15.0;
    }
    simpson_step(g, a, m, fa, flm, fm, left, 0.5 * tol, depth - 1)
        + simpson_step(g, m, b, fm, frm, fb, right, 0.5 * tol, depth - 1)
}

/// The standard normal density e^{−z²/2}/√(2π).
pub fn normal_density(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// sech²(x) = 4e^{−2|x|}/(1 + e^{−2|x|})², written with e^{−2|x|} so that it never overflows.
pub fn sech2(x: f64) -> f64 {
    let e = (-2.0 * x.abs()).exp();
    4.0 * e / ((1.0 + e) * (1.0 + e))
}

/// A table of the normal density at the dyadic nodes z = −z_max + j/scale, NaN where not yet computed; see
/// [`sech2_expectation`].
#[derive(Debug)]
pub struct DensityTable<'a> {
    /// The values, NaN until computed.
    pub values: &'a mut [f64],
    /// The left end, −z_max.
    pub z_max: f64,
    /// Nodes per unit of z.
    pub scale: f64,
}

/// E_z[sech²(s + √s z)], z ~ N(0, 1) (s > 0 finite), by [`adaptive_simpson`] on [−z_max, z_max] from `panels`
/// panels to `tol` absolute; with a `table`, the density at a node of the table is computed once and then read.
///
/// # Errors
/// As [`adaptive_simpson`].
pub fn sech2_expectation(
    s: f64,
    z_max: f64,
    panels: usize,
    tol: f64,
    table: Option<DensityTable<'_>>,
) -> Result<f64, String> {
    let rs = s.sqrt();
    match table {
        None => adaptive_simpson(|z| normal_density(z) * sech2(s + rs * z), -z_max, z_max, panels, tol),
        Some(t) => {
            let n = t.values.len() as f64;
            let mut density = |z: f64| {
                // (z + z_max)·scale is exact for the dyadic nodes; an index is used only when it is an integer in
                // range.
                let u = (z + t.z_max) * t.scale;
                if u >= 0.0 && u < n && u == u.floor() {
                    let slot = &mut t.values[u as usize];
                    if slot.is_nan() {
                        *slot = normal_density(z);
                    }
                    *slot
                } else {
                    normal_density(z)
                }
            };
            adaptive_simpson(|z| density(z) * sech2(s + rs * z), -z_max, z_max, panels, tol)
        }
    }
}
