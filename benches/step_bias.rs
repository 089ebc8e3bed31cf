//! The cost of the step-size bias prediction that runs before a generation (`sampler::step_bias`), natively, at the
//! limits of `matrix_work`: the matrix recursion with Q_opt (U log-spaced, κ = 100; two classes, σ = 0.5),
//! d³ · steps at its limit. Run with `cargo bench --bench step_bias`; prints the median of 5 repeats in milliseconds
//! of `class_covariances` (the recursion) and of `step_warning` (the recursion, the fix's search and the words).

// Benches are native-only: Instant::now is banned in the core because it panics on wasm32, not here.
#![allow(clippy::disallowed_methods)]

mod common;

use common::median_ms;
use diffusion_regimes::config::{ScenarioConfig, ScoreKind};
use diffusion_regimes::sampler::grid::TimeGrid;
use diffusion_regimes::sampler::integrator::Integrator;
use diffusion_regimes::sampler::step_bias::{class_covariances, matrix_work, step_warning};

fn main() {
    let cases = [
        (64, 400, Integrator::Exponential, false),
        (64, 400, Integrator::EulerMaruyama, false),
        (128, 50, Integrator::Exponential, false),
        (128, 50, Integrator::EulerMaruyama, false),
        (32, 3200, Integrator::Exponential, false),
        (32, 3200, Integrator::EulerMaruyama, false),
        (64, 200, Integrator::Exponential, true),
        (64, 200, Integrator::EulerMaruyama, true),
    ];
    for (d, steps, integrator, refined) in cases {
        let json = format!(
            r#"{{"process": {{"d": {d}, "precision": {{"kind": "log_spaced", "kappa": 100}}, "drift": {{"design": "optimal"}}}},
                "data": {{"model": "two_class", "sigma": 0.5}}}}"#
        );
        let scenario = serde_json::from_str::<ScenarioConfig>(&json).expect("config").build().expect("scenario");
        let grid = if refined { TimeGrid::refined(4.0, 0.01, steps) } else { TimeGrid::uniform(4.0, 0.0, steps) }
            .expect("grid");
        assert!((d as f64).powi(3) * steps as f64 <= matrix_work(&grid));
        let recursion = median_ms(5, || {
            class_covariances(&scenario, ScoreKind::Analytic, integrator, &grid).expect("a prediction");
        });
        let warning = median_ms(5, || {
            step_warning(&scenario, ScoreKind::Analytic, integrator, &grid);
        });
        let kind = if refined { "refined" } else { "uniform" };
        println!(
            "d = {d}, {steps} {kind} steps, {integrator:?}: recursion {recursion:.1} ms, step_warning {warning:.1} ms"
        );
    }
}
