#![cfg(not(target_arch = "wasm32"))]
//! The step loop allocates nothing after warm-up (HOUSE_STYLE performance, issue: sampler). A counting global
//! allocator wraps the system one and counts only the allocations of the thread that is measuring (the generator runs
//! on the caller's thread): the test harness's own thread may allocate at any moment (it did, 1 run in 200, when it
//! was counted too). This file is its own test binary and holds a single test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use diffusion_regimes::data::mixture::{MeanDirection, Mixture};
use diffusion_regimes::drift::{optimal, Weights};
use diffusion_regimes::precision::Precision;
use diffusion_regimes::process::OuProcess;
use diffusion_regimes::sampler::generate::{Generator, Start};
use diffusion_regimes::sampler::grid::TimeGrid;
use diffusion_regimes::sampler::integrator::Integrator;
use diffusion_regimes::sampler::whitened::KernelPrecision;
use diffusion_regimes::score::empirical::EmpiricalScore;
use diffusion_regimes::score::mixture::MixtureScore;
use diffusion_regimes::score::Score;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread's allocations are counted (const-initialized: reading it never allocates).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwards the caller's layout to the system allocator unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was returned by `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as `dealloc` and `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `steps` steps after a one-step warm-up.
fn allocations_of_steps<S: Score>(g: &mut Generator<S>, particles: usize, steps: usize) -> usize {
    let mut state = g.start(particles, 0, 1, Start::Stationary, None).unwrap();
    g.run_chunk(&mut state, 1, usize::MAX).unwrap();
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    COUNTED.with(|c| c.set(true));
    let p = g.run_chunk(&mut state, steps, usize::MAX);
    COUNTED.with(|c| c.set(false));
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    let p = p.unwrap();
    assert_eq!(p.step, steps + 1, "the counted chunk ran all its steps");
    after - before
}

#[test]
fn step_loop_allocates_nothing_after_warm_up() {
    let d = 16;
    let iso = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
    let data = Mixture::two_class_isotropic(d, 1.0, 1.0, MeanDirection::Ones, None).unwrap();
    let ts = data.sample(200, 3).unwrap();
    // Analytic (Biroli) score, uniform grid, Euler–Maruyama and exponential.
    for integrator in [Integrator::EulerMaruyama, Integrator::Exponential, Integrator::FlowExponential] {
        let mut g = Generator::new(
            &iso,
            MixtureScore::new(&iso, &data).unwrap(),
            TimeGrid::uniform(5.0, 0.0, 40).unwrap(),
            integrator,
        )
        .unwrap();
        assert_eq!(allocations_of_steps(&mut g, 37, 30), 0, "analytic score, {integrator:?}");
    }
    // Empirical score (isotropic path), refined grid: per-step coefficients are scalars, still no allocation.
    let mut g = Generator::new(
        &iso,
        EmpiricalScore::new(&iso, &ts).unwrap(),
        TimeGrid::refined(5.0, 1e-3, 40).unwrap(),
        Integrator::EulerMaruyama,
    )
    .unwrap();
    assert_eq!(allocations_of_steps(&mut g, 37, 30), 0, "empirical score");

    // General U (anisotropic U, optimal Q), two-class score, exponential integrator (workload W4's path): E_t comes
    // from the allocation-free propagator cache, Γ_t and its Cholesky factor and inverse are updated in place
    // (issue 7: "no step allocates in the hot loop").
    let u = Precision::log_spaced(d, 10.0, None).unwrap();
    let q = optimal(&u, &Weights::Linear).unwrap();
    let aniso = OuProcess::new(u, q).unwrap();
    let data = Mixture::two_class_isotropic(d, 1.0, 1.0, MeanDirection::Fastest, Some(aniso.precision())).unwrap();
    for integrator in [Integrator::Exponential, Integrator::EulerMaruyama, Integrator::FlowExponential] {
        let mut g = Generator::new(
            &aniso,
            MixtureScore::new(&aniso, &data).unwrap(),
            TimeGrid::uniform(5.0, 0.0, 100).unwrap(),
            integrator,
        )
        .unwrap();
        assert_eq!(allocations_of_steps(&mut g, 37, 90), 0, "general U, two-class score, {integrator:?}");
    }
    // The same in white coordinates (W4's and every generation run's path for a general U), with the f32 product (the
    // default) and the f64 one: N, N⁻¹, P, R and z are made in the warm-up step, then G is updated in place.
    let mut finals = Vec::new();
    for precision in [KernelPrecision::Mixed, KernelPrecision::Double] {
        let mut g = Generator::new(
            &aniso,
            MixtureScore::new(&aniso, &data).unwrap(),
            TimeGrid::uniform(5.0, 0.0, 100).unwrap(),
            Integrator::Exponential,
        )
        .unwrap();
        g.whiten();
        g.set_white_precision(precision);
        assert_eq!(allocations_of_steps(&mut g, 37, 90), 0, "general U in white coordinates, {precision:?}");
        finals.push(g.generate(37, 0, 1, Start::Stationary).unwrap().positions().to_vec());
    }
    // The white path really ran: only there does the precision change the numbers.
    assert_ne!(finals[0], finals[1], "the white path did not run");
}
