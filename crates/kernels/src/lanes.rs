//! Four f32 lanes in one 128-bit register: the vector type of the mixed-precision kernels ([`super::mixed`]).
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
    use super::F4;

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
    }
}
