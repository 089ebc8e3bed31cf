//! Four f32 lanes ([`F4`], the vector type of the mixed-precision kernels, [`super::mixed`]) or two f64 lanes ([`F2`],
//! the f64 micro-kernel of [`super::dots`]) in one 128-bit register.
//!
//! One implementation per target, all with the same meaning lane by lane: wasm32 with `simd128` uses
//! `core::arch::wasm32` (`f32x4.mul`, `f32x4.add`), x86-64 uses SSE (part of the x86-64 baseline, so no run-time
//! detection), anything else plain arrays. Every lane operation is one IEEE-754 single-precision multiply or add,
//! correctly rounded, and there is deliberately no fused multiply–add: a·b + c is always rounded twice. So a kernel
//! written with [`F4`] gives the same bits natively and in the browser.

/// Four f32 lanes.
#[derive(Clone, Copy, Debug)]
pub struct F4(imp::V);

impl F4 {
    /// All lanes zero.
    #[inline(always)]
    pub fn zero() -> F4 {
        F4::splat(0.0)
    }

    /// All lanes x.
    #[inline(always)]
    pub fn splat(x: f32) -> F4 {
        F4(imp::splat(x))
    }

    /// The four values `s[0..4]`.
    #[inline(always)]
    pub fn load(s: &[f32; 4]) -> F4 {
        F4(imp::load(s))
    }

    /// `self + a·b`, lane by lane, with two roundings (multiply, then add).
    #[inline(always)]
    pub fn add_mul(self, a: F4, b: F4) -> F4 {
        F4(imp::add(self.0, imp::mul(a.0, b.0)))
    }

    /// The four lanes as an array.
    #[inline(always)]
    pub fn to_array(self) -> [f32; 4] {
        imp::store(self.0)
    }
}

/// Two f64 lanes.
#[derive(Clone, Copy, Debug)]
pub struct F2(imp2::V);

impl F2 {
    /// Both lanes zero.
    #[inline(always)]
    pub fn zero() -> F2 {
        F2(imp2::zero())
    }

    /// Both lanes x.
    #[inline(always)]
    pub fn splat(x: f64) -> F2 {
        F2(imp2::splat(x))
    }

    /// The two values `s[0..2]`.
    #[inline(always)]
    pub fn load(s: &[f64; 2]) -> F2 {
        F2(imp2::load(s))
    }

    /// `self + a·b`, lane by lane, with two roundings (multiply, then add).
    #[inline(always)]
    pub fn add_mul(self, a: F2, b: F2) -> F2 {
        F2(imp2::add(self.0, imp2::mul(a.0, b.0)))
    }

    /// The two lanes as an array.
    #[inline(always)]
    pub fn to_array(self) -> [f64; 2] {
        imp2::store(self.0)
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp2 {
    use core::arch::wasm32::{f64x2_add, f64x2_mul, f64x2_splat, v128, v128_load, v128_store};

    pub type V = v128;

    #[inline(always)]
    pub fn zero() -> V {
        f64x2_splat(0.0)
    }
    #[inline(always)]
    pub fn splat(x: f64) -> V {
        f64x2_splat(x)
    }

    #[inline(always)]
    pub fn load(s: &[f64; 2]) -> V {
        // SAFETY: `s` is 16 readable bytes; wasm loads need no alignment.
        unsafe { v128_load(s.as_ptr() as *const v128) }
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        f64x2_add(a, b)
    }
    #[inline(always)]
    pub fn mul(a: V, b: V) -> V {
        f64x2_mul(a, b)
    }
    #[inline(always)]
    pub fn store(v: V) -> [f64; 2] {
        let mut out = [0.0f64; 2];
        // SAFETY: `out` is 16 writable bytes; wasm stores need no alignment.
        unsafe { v128_store(out.as_mut_ptr() as *mut v128, v) };
        out
    }
}

#[cfg(target_arch = "x86_64")]
mod imp2 {
    use std::arch::x86_64::{
        __m128d, _mm_add_pd, _mm_loadu_pd, _mm_mul_pd, _mm_set1_pd, _mm_setzero_pd, _mm_storeu_pd,
    };

    pub type V = __m128d;

    // SSE2 is part of the x86-64 baseline, so these intrinsics are always available.
    #[inline(always)]
    pub fn zero() -> V {
        unsafe { _mm_setzero_pd() }
    }
    #[inline(always)]
    pub fn splat(x: f64) -> V {
        unsafe { _mm_set1_pd(x) }
    }

    #[inline(always)]
    pub fn load(s: &[f64; 2]) -> V {
        // SAFETY: `s` is two readable f64; the load is unaligned.
        unsafe { _mm_loadu_pd(s.as_ptr()) }
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        unsafe { _mm_add_pd(a, b) }
    }
    #[inline(always)]
    pub fn mul(a: V, b: V) -> V {
        unsafe { _mm_mul_pd(a, b) }
    }
    #[inline(always)]
    pub fn store(v: V) -> [f64; 2] {
        let mut out = [0.0f64; 2];
        // SAFETY: `out` is two writable f64; the store is unaligned.
        unsafe { _mm_storeu_pd(out.as_mut_ptr(), v) };
        out
    }
}

#[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64")))]
mod imp2 {
    pub type V = [f64; 2];

    #[inline(always)]
    pub fn zero() -> V {
        [0.0; 2]
    }
    #[inline(always)]
    pub fn splat(x: f64) -> V {
        [x; 2]
    }

    #[inline(always)]
    pub fn load(s: &[f64; 2]) -> V {
        *s
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        [a[0] + b[0], a[1] + b[1]]
    }
    #[inline(always)]
    pub fn mul(a: V, b: V) -> V {
        [a[0] * b[0], a[1] * b[1]]
    }
    #[inline(always)]
    pub fn store(v: V) -> [f64; 2] {
        v
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

    pub type V = v128;

    #[inline(always)]
    pub fn splat(x: f32) -> V {
        f32x4_splat(x)
    }
    #[inline(always)]
    pub fn load(s: &[f32; 4]) -> V {
        // SAFETY: `s` is 16 readable bytes; wasm loads need no alignment.
        unsafe { v128_load(s.as_ptr() as *const v128) }
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        f32x4_add(a, b)
    }
    #[inline(always)]
    pub fn mul(a: V, b: V) -> V {
        f32x4_mul(a, b)
    }
    #[inline(always)]
    pub fn store(v: V) -> [f32; 4] {
        let mut out = [0.0f32; 4];
        // SAFETY: `out` is 16 writable bytes; wasm stores need no alignment.
        unsafe { v128_store(out.as_mut_ptr() as *mut v128, v) };
        out
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use std::arch::x86_64::{__m128, _mm_add_ps, _mm_loadu_ps, _mm_mul_ps, _mm_set1_ps, _mm_storeu_ps};

    pub type V = __m128;

    // SSE is part of the x86-64 baseline, so these intrinsics are always available.
    #[inline(always)]
    pub fn splat(x: f32) -> V {
        unsafe { _mm_set1_ps(x) }
    }
    #[inline(always)]
    pub fn load(s: &[f32; 4]) -> V {
        // SAFETY: `s` is four readable f32; the load is unaligned.
        unsafe { _mm_loadu_ps(s.as_ptr()) }
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        unsafe { _mm_add_ps(a, b) }
    }
    #[inline(always)]
    pub fn mul(a: V, b: V) -> V {
        unsafe { _mm_mul_ps(a, b) }
    }
    #[inline(always)]
    pub fn store(v: V) -> [f32; 4] {
        let mut out = [0.0f32; 4];
        // SAFETY: `out` is four writable f32; the store is unaligned.
        unsafe { _mm_storeu_ps(out.as_mut_ptr(), v) };
        out
    }
}

#[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64")))]
mod imp {
    pub type V = [f32; 4];

    #[inline(always)]
    pub fn splat(x: f32) -> V {
        [x; 4]
    }
    #[inline(always)]
    pub fn load(s: &[f32; 4]) -> V {
        *s
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]
    }
    #[inline(always)]
    pub fn mul(a: V, b: V) -> V {
        [a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]]
    }
    #[inline(always)]
    pub fn store(v: V) -> [f32; 4] {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::{F2, F4};

    #[test]
    fn add_mul_rounds_twice_like_scalar_code() {
        // 1 + ε/2 squared: the exact product 1 + ε + ε²/4 rounds to 1 + ε; a fused a·b + c would keep ε²/4.
        let a = 1.0f32 + f32::EPSILON / 2.0 + f32::EPSILON / 2.0;
        let x = [a, 3.0, -0.1, 1e-30];
        let y = [a, 1.0 / 3.0, 7.7, 1e-10];
        let c = [-1.0f32, -1.0, 0.5, 0.0];
        let v = F4::load(&c).add_mul(F4::load(&x), F4::load(&y)).to_array();
        for l in 0..4 {
            assert_eq!(v[l].to_bits(), (c[l] + x[l] * y[l]).to_bits(), "lane {l}");
        }
        assert_eq!(F4::splat(2.5).add_mul(F4::zero(), F4::splat(1.0)).to_array(), [2.5; 4]);
        // The same in f64: (1 + ε/2 + ε/2)² − 1 rounds the product first.
        let a = 1.0f64 + f64::EPSILON / 2.0 + f64::EPSILON / 2.0;
        let v = F2::load(&[-1.0, 0.5]).add_mul(F2::load(&[a, 1e-300]), F2::load(&[a, 1e-300])).to_array();
        assert_eq!(v[0].to_bits(), (-1.0 + a * a).to_bits());
        assert_eq!(v[1].to_bits(), (0.5f64 + 1e-300 * 1e-300).to_bits());
        assert_eq!(F2::zero().to_array(), [0.0; 2]);
    }
}
