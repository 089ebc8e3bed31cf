//! The determinism goldens (issue 8, item 4), shared by the native test (tests/golden.rs) and the browser test
//! (tests/web.rs): small fixed configs of every run kind whose outputs are committed under tests/golden/, rerun
//! through the public library API and compared number by number.
//!
//! Each golden is the JSON a `regimes` subcommand prints (`{"tool", "config", "result"}`); regenerate one with
//! `regimes <kind> --config <file>` (tests/golden/README.md), and only when a change of the numbers is intended.
//!
//! Tolerance: 1e-10 relative to the magnitude of the compared array (or of the number itself outside arrays), so a
//! coordinate that cancels to ~0 is not held to a relative error its own size cannot carry. Integers, strings, nulls
//! and the shape of the result must match exactly.

use diffusion_regimes::config::{from_json, DriftConfig, ForwardConfig, GenerateConfig, TheoryConfig};
use diffusion_regimes::generation;
use serde_json::Value;

/// Relative tolerance between platforms (and between runs: natively they are bit-identical).
pub const RELATIVE_TOLERANCE: f64 = 1e-10;

/// (file name, contents) of every golden.
pub const GOLDENS: [(&str, &str); 7] = [
    ("generate_analytic_identity.json", include_str!("../golden/generate_analytic_identity.json")),
    ("generate_empirical_identity.json", include_str!("../golden/generate_empirical_identity.json")),
    ("generate_analytic_qopt.json", include_str!("../golden/generate_analytic_qopt.json")),
    ("generate_empirical_qopt.json", include_str!("../golden/generate_empirical_qopt.json")),
    ("theory_qopt.json", include_str!("../golden/theory_qopt.json")),
    ("drift_qopt.json", include_str!("../golden/drift_qopt.json")),
    ("forward_qopt.json", include_str!("../golden/forward_qopt.json")),
];

fn value<T: serde::Serialize>(r: diffusion_regimes::error::Result<T>) -> Result<Value, String> {
    r.map_err(|e| e.to_string()).and_then(|v| serde_json::to_value(v).map_err(|e| e.to_string()))
}

/// Reruns the config of a golden (the run kind is the file name's first word).
pub fn rerun(name: &str, golden: &Value) -> Result<Value, String> {
    let config = golden["config"].to_string();
    match name.split('_').next() {
        Some("generate") => value(from_json::<GenerateConfig>(&config).and_then(|c| generation::run(&c))),
        Some("theory") => value(from_json::<TheoryConfig>(&config).and_then(|c| c.run())),
        Some("drift") => value(from_json::<DriftConfig>(&config).and_then(|c| c.run())),
        Some("forward") => value(from_json::<ForwardConfig>(&config).and_then(|c| c.run())),
        _ => Err(format!("unknown golden kind in {name}")),
    }
}

/// What a comparison found.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Numbers compared.
    pub numbers: usize,
    /// Numbers that differ in any bit.
    pub inexact: usize,
    /// Largest difference relative to the scale of its array.
    pub max_relative: f64,
    /// Differences beyond the tolerance, or in shape, type or exact fields (path: description).
    pub failures: Vec<String>,
}

/// Compares a rerun result with the golden's `result`.
pub fn compare(expected: &Value, actual: &Value) -> Comparison {
    let mut c = Comparison::default();
    walk(expected, actual, "result", None, &mut c);
    c
}

fn walk(e: &Value, a: &Value, path: &str, scale: Option<f64>, c: &mut Comparison) {
    match (e, a) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            c.numbers += 1;
            if x.to_bits() != y.to_bits() {
                c.inexact += 1;
            }
            let s = scale.unwrap_or(0.0).max(x.abs()).max(y.abs());
            let rel = if s > 0.0 { (x - y).abs() / s } else { 0.0 };
            c.max_relative = c.max_relative.max(rel);
            if rel.is_nan() || rel > RELATIVE_TOLERANCE {
                c.failures.push(format!("{path}: golden {x:e}, now {y:e} (relative {rel:e})"));
            }
        }
        (Value::Array(xs), Value::Array(ys)) if xs.len() == ys.len() => {
            let s = xs.iter().filter_map(Value::as_f64).fold(0.0f64, |m, v| m.max(v.abs()));
            for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
                walk(x, y, &format!("{path}[{i}]"), Some(s), c);
            }
        }
        (Value::Object(xs), Value::Object(ys)) => {
            if xs.len() != ys.len() {
                c.failures.push(format!("{path}: fields {:?} vs {:?}", xs.keys(), ys.keys()));
            }
            for (k, x) in xs {
                match ys.get(k) {
                    Some(y) => walk(x, y, &format!("{path}.{k}"), None, c),
                    None => c.failures.push(format!("{path}.{k}: missing")),
                }
            }
        }
        _ if e == a => {}
        _ => c.failures.push(format!("{path}: golden {e}, now {a}")),
    }
}

/// Checks every golden: one summary line per golden (for the test output), and the failures.
pub fn check_all() -> (Vec<String>, Vec<String>) {
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for (name, text) in GOLDENS {
        let golden: Value = serde_json::from_str(text).expect("goldens are JSON");
        let now = match rerun(name, &golden) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let c = compare(&golden["result"], &now);
        lines.push(format!(
            "golden {name}: {} numbers, {} not bit-identical, max relative difference {:e}",
            c.numbers, c.inexact, c.max_relative
        ));
        failures.extend(c.failures.iter().take(5).map(|f| format!("{name}: {f}")));
    }
    (lines, failures)
}
