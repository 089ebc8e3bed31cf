//! Tests of the performance work of issue 7: fast paths must compute what the plain paths compute.
#![cfg(not(target_arch = "wasm32"))]

use diffusion_regimes::data::mixture::{MeanDirection, Mixture};
use diffusion_regimes::drift::{optimal, Weights};
use diffusion_regimes::error::Result;
use diffusion_regimes::precision::Precision;
use diffusion_regimes::process::OuProcess;
use diffusion_regimes::random::Stream;
use diffusion_regimes::sampler::generate::{Generator, Start};
use diffusion_regimes::sampler::grid::TimeGrid;
use diffusion_regimes::sampler::integrator::Integrator;
use diffusion_regimes::score::mixture::{MixturePath, MixtureScore};
use diffusion_regimes::score::Score;

/// The mixture score with its two-class form hidden, so the generator takes the unfused step.
struct Unfused(MixtureScore);

impl Score for Unfused {
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn prepare(&mut self, t: f64) -> Result<()> {
        self.0.prepare(t)
    }
    fn prepared_time(&self) -> Option<f64> {
        self.0.prepared_time()
    }
    fn evaluate(&mut self, x: &[f64], out: &mut [f64]) {
        self.0.evaluate(x, out)
    }
    fn sample_marginal(&mut self, t: f64, rngs: &mut [Stream], x: &mut [f64]) -> Result<()> {
        self.0.sample_marginal(t, rngs, x)
    }
}

/// Issue 7, fused two-class step: folding −Γ_t⁻¹ into the integrator's linear coefficient regroups sums only, so the
/// trajectories of the fused and the unfused step agree to rounding (1e-10 relative over a whole run), for each
/// integrator, on W4's kind of process (anisotropic U, optimal Q).
#[test]
fn fused_two_class_step_matches_the_unfused_step() {
    let d = 12;
    let u = Precision::log_spaced(d, 100.0, None).unwrap();
    let q = optimal(&u, &Weights::Linear).unwrap();
    let p = OuProcess::new(u, q).unwrap();
    let data = Mixture::two_class_isotropic(d, 1.0, 1.0, MeanDirection::Fastest, Some(p.precision())).unwrap();
    for integrator in [Integrator::Exponential, Integrator::EulerMaruyama, Integrator::FlowExponential] {
        let grid = TimeGrid::uniform(4.0, 0.0, 400).unwrap();
        let score = MixtureScore::new(&p, &data).unwrap();
        assert_eq!(score.path(), MixturePath::TwoClassShared);
        let mut fused = Generator::new(&p, score.clone(), grid.clone(), integrator).unwrap();
        let mut plain = Generator::new(&p, Unfused(score), grid, integrator).unwrap();
        let a = fused.generate(50, 0, 9, Start::Stationary).unwrap();
        let b = plain.generate(50, 0, 9, Start::Stationary).unwrap();
        let scale = b.positions().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let err = a.positions().iter().zip(b.positions()).fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
        assert!(err <= 1e-10 * scale, "{integrator:?}: max difference {err:e} (scale {scale})");
    }
}

/// Issue 7, pool determinism: a workload split into particle ranges (as the Worker pool and the native threads split
/// it), concatenated in order, is bit-identical to the whole run: each particle's noise stream follows its global
/// index and the kernels treat particles independently. Checked on W4 (fused two-class step, tiled products) and on
/// the cloning workload (fork and clones) over a few steps / to the end.
#[test]
fn workload_ranges_concatenate_to_the_whole_run() {
    use diffusion_regimes::workloads::{Workload, WorkloadId};
    for (id, steps) in [(WorkloadId::W4, 5), (WorkloadId::W2, 2), (WorkloadId::Cloning, usize::MAX)] {
        let mut whole = Workload::setup(id).unwrap();
        whole.run(steps).unwrap();
        let mut joined = Vec::new();
        let mut joined_clones = Vec::new();
        for (first, count) in [(0, 333), (333, 1), (334, 666)] {
            let mut w = Workload::setup_range(id, first, count).unwrap();
            w.run(steps).unwrap();
            joined.extend_from_slice(w.state().positions());
            if let Some(c) = w.clones() {
                joined_clones.extend_from_slice(c.positions());
            }
        }
        assert_eq!(joined, whole.state().positions(), "{id:?}");
        if let Some(c) = whole.clones() {
            assert_eq!(joined_clones, c.positions(), "{id:?} clones");
        }
    }
}
