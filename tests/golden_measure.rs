//! Issue 5 golden runs, native side: the measurements of tests/golden/measure_small.json (a cloning run with the
//! analytic score, one with the empirical score and the shortcut, and an entropy estimate with a general U) must give
//! the committed numbers to 1e-10 relative. tests/web.rs checks the same file in the browser, so native and wasm
//! cannot drift apart. The runs are split into several units here, the browser runs each as one unit: the engine's
//! results do not depend on the split.
#![cfg(not(target_arch = "wasm32"))]

use diffusion_regimes::config::{from_json, to_json, MeasureConfig};
use diffusion_regimes::measure::engine::{finish, run_unit, Measurement};

const GOLDEN: &str = include_str!("golden/measure_small.json");

/// Relative agreement to 1e-10, with an absolute floor of 1e-12 for values near 0.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-10 * a.abs().max(b.abs()) + 1e-12
}

#[test]
fn golden_measurements_match_the_committed_numbers() {
    let golden: serde_json::Value = serde_json::from_str(GOLDEN).unwrap();
    for run in golden["runs"].as_array().unwrap() {
        let name = run["name"].as_str().unwrap();
        let cfg: MeasureConfig = from_json(&run["config"].to_string()).unwrap();
        let m = Measurement::new(&cfg).unwrap();
        // Three units of unequal size.
        let total = m.total();
        let cuts = [0, total / 3, total / 3 + 7, total];
        let partials = cuts.windows(2).map(|w| run_unit(&m, w[0]..w[1]).unwrap()).collect();
        let result: serde_json::Value = serde_json::from_str(&to_json(&finish(&m, partials).unwrap())).unwrap();
        for (field, expect) in run["expect"].as_object().unwrap() {
            let got = result[field].as_array().unwrap_or_else(|| panic!("{name}: no array {field}"));
            let expect = expect.as_array().unwrap();
            assert_eq!(got.len(), expect.len(), "{name}.{field}");
            for (g, e) in got.iter().zip(expect) {
                assert!(close(g.as_f64().unwrap(), e.as_f64().unwrap()), "{name}.{field}: {g} vs {e}");
            }
        }
    }
}
