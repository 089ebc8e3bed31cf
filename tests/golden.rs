//! Determinism goldens, natively (issue 8, item 4): fixed configs of generation (analytic and empirical score, U = I
//! and an anisotropic U with Q_opt), theory, relaxation and noising reproduce the committed outputs of
//! tests/golden/ to 1e-10 relative (natively: bit for bit). The same files are checked in the browser by tests/web.rs.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/golden.rs"]
mod golden;

#[test]
fn goldens_reproduce_natively() {
    let (lines, failures) = golden::check_all();
    for l in lines {
        println!("{l}");
    }
    assert!(failures.is_empty(), "golden mismatch:\n{}", failures.join("\n"));
}

#[test]
fn a_perturbed_golden_is_caught() {
    // The comparison must be able to fail: one sample moved by 1e-9 of (1 + its size), away from zero so the two parts
    // cannot cancel (x·(1 + 1e-9) + 1e-9 nearly did for a sample near −1), is beyond the tolerance of 1e-10 of the
    // array's scale (a few units here).
    let (name, text) = golden::GOLDENS[2];
    let g: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut now = golden::rerun(name, &g).unwrap();
    let x = now["samples"][3].as_f64().unwrap();
    now["samples"][3] = serde_json::json!(x + 1e-9 * (1.0 + x.abs()).copysign(x));
    let c = golden::compare(&g["result"], &now);
    assert_eq!(c.failures.len(), 1, "{:?}", c.failures);
    now["classes"][0] = serde_json::json!(7);
    assert_eq!(golden::compare(&g["result"], &now).failures.len(), 2);
}
