//! Browser tests of the wasm boundary and canvas drawing (wasm-bindgen-test in headless Chromium).
//! Physics is tested natively; these check what only a browser can: the exports, JsError propagation, and that the
//! Rust plotting code really paints a DOM canvas.
#![cfg(target_arch = "wasm32")]

use diffusion_regimes::wasm;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CONFIG: &str = r#"{"process": {"d": 16}, "t_max": 3, "steps": 30, "particles": 20, "seed": 7}"#;

fn canvas(width: u32, height: u32) -> web_sys::HtmlCanvasElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let c: web_sys::HtmlCanvasElement = document.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(width);
    c.set_height(height);
    document.body().unwrap().append_child(&c).unwrap();
    c
}

/// Fraction of pixels that differ from the top-left (background) pixel.
fn painted_fraction(c: &web_sys::HtmlCanvasElement) -> f64 {
    let ctx: web_sys::CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let data = ctx.get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64).unwrap().data().0;
    let bg = &data[0..4];
    let n = data.len() / 4;
    (0..n).filter(|i| &data[4 * i..4 * i + 4] != bg).count() as f64 / n as f64
}

#[wasm_bindgen_test]
fn forward_run_draws_on_a_canvas() {
    let r = wasm::run_forward(CONFIG).unwrap();
    assert_eq!(r.times().len(), 31);
    assert_eq!(r.projections().len(), 20 * 31);
    let c = canvas(640, 360);
    wasm::draw_forward(c.clone(), r.times(), r.projections(), r.labels(), r.band_mean(), r.band_sd(), "dark", 1.0)
        .unwrap();
    let f = painted_fraction(&c);
    assert!(f > 0.05, "only {f} of the canvas was painted");
}

#[wasm_bindgen_test]
fn bad_input_is_a_js_error_naming_the_parameter() {
    let bad = CONFIG.replace("\"particles\": 20", "\"particles\": 0");
    let err = wasm::run_forward(&bad).err().expect("particles = 0 must be refused");
    let v: wasm_bindgen::JsValue = err.into();
    let msg = js_sys::Error::from(v).message().as_string().unwrap();
    assert!(msg.contains("particles") && msg.contains("[1, 2000]"), "{msg}");
    assert!(wasm::relaxation_report("{not json").is_err());
}

#[wasm_bindgen_test]
fn relaxation_report_in_the_browser_matches_the_test_vector() {
    let json = r#"{"process":{"d":2,"precision":{"kind":"diagonal","values":[1,4]},
        "drift":{"design":"optimal","weights":{"rule":"custom","values":[1,2]}}},"points":3,"t_max":1}"#;
    let out = wasm::relaxation_report(json).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!((v["gap"].as_f64().unwrap() - 2.5).abs() < 1e-12);
    assert!((v["q"][1].as_f64().unwrap() + 2.25).abs() < 1e-12);
}

#[wasm_bindgen_test]
fn svg_export_uses_the_same_drawing() {
    let r = wasm::run_forward(CONFIG).unwrap();
    let svg = wasm::svg_forward(r.times(), r.projections(), r.labels(), r.band_mean(), r.band_sd(), "light", 600, 300)
        .unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("forward time t"));
}

const RELAXATION: &str = r#"{"process":{"d":6,"precision":{"kind":"log_spaced","kappa":10},"drift":{"design":"optimal"}},
    "t_max":2,"points":20}"#;
const SWEEP: &str = r#"{"parameter":"γ","strengths":[0,1,2],"gaps":[0.3,1.2,1.1],"current":1}"#;

#[wasm_bindgen_test]
fn relaxation_view_draws_on_a_canvas_and_exports_svg() {
    let report = wasm::relaxation_report(RELAXATION).unwrap();
    let c = canvas(900, 320);
    wasm::draw_relaxation(c.clone(), &report, SWEEP, "light", 1.0).unwrap();
    let f = painted_fraction(&c);
    assert!(f > 0.05, "only {f} of the canvas was painted");
    let svg = wasm::svg_relaxation(&report, SWEEP, "dark", 900, 320).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Eigenvalues of A") && svg.contains("current design"));
}

#[wasm_bindgen_test]
fn relaxation_drawing_refuses_inconsistent_input_with_a_js_error() {
    let report = wasm::relaxation_report(RELAXATION).unwrap();
    let bad_sweep = r#"{"parameter":"q","strengths":[0,1],"gaps":[1]}"#;
    let err = wasm::svg_relaxation(&report, bad_sweep, "light", 400, 300).expect_err("refused");
    let msg = js_sys::Error::from(wasm_bindgen::JsValue::from(err)).message().as_string().unwrap();
    assert!(msg.contains("sweep"), "{msg}");
    assert!(wasm::svg_relaxation(&report, SWEEP, "sepia", 400, 300).is_err());
}

#[wasm_bindgen_test]
fn forward_drawing_returns_the_plot_frame_for_the_cursor() {
    let r = wasm::run_forward(CONFIG).unwrap();
    let c = canvas(640, 360);
    let frame = wasm::draw_forward(c, r.times(), r.projections(), r.labels(), r.band_mean(), r.band_sd(), "light", 2.0)
        .unwrap();
    assert_eq!(frame.len(), 6);
    let (left, right, top, bottom) = (frame[0], frame[1], frame[2], frame[3]);
    assert!(0.0 < left && left < right && right <= 640.0 && 0.0 <= top && top < bottom && bottom <= 360.0);
    assert_eq!((frame[4], frame[5]), (0.0, 3.0));
}

#[path = "common/golden.rs"]
mod golden;

#[wasm_bindgen_test]
fn goldens_reproduce_in_the_browser() {
    // The same committed outputs as tests/golden.rs, rerun through the library compiled to wasm32.
    let (lines, failures) = golden::check_all();
    for l in lines {
        wasm_bindgen_test::console_log!("{l}");
    }
    assert!(failures.is_empty(), "golden mismatch in the browser:\n{}", failures.join("\n"));
}

/// Strings a hostile page, URL or message can send where a config goes.
/// The Trajectories view's plan (projection plane and number of recorded times).
const PLAN: &str = r#"{"axes": {"kind": "class"}, "snapshots": 50}"#;

/// A valid small generation config.
const GENERATE: &str = r#"{"scenario": {"process": {"d": 8}}, "sampler": {"grid": {"t_max": 3, "t_min": 0,
    "steps": 30, "kind": "uniform"}, "particles": 10}, "seed": 1}"#;

/// A generation run far over the work budget: d = 4096 with Q_opt, 2000 particles, 2000 steps.
const OVER_BUDGET: &str = r#"{"scenario": {"process": {"d": 4096, "drift": {"design": "optimal"}}},
    "sampler": {"grid": {"t_max": 3, "t_min": 0, "steps": 2000, "kind": "uniform"}, "particles": 2000}, "seed": 1}"#;

const GARBAGE: [&str; 14] = [
    "",
    "{",
    "null",
    "[]",
    "42",
    "\"x\"",
    "{}",
    r#"{"schema": 99}"#,
    r#"{"process": {"d": 1e308}}"#,
    r#"{"process": {"d": -1}, "t_max": "NaN", "steps": 1, "particles": 1, "seed": 1}"#,
    r#"{"process": {"d": 4096, "drift": {"design": "optimal"}}, "t_max": 3, "steps": 2000, "particles": 2000, "seed": 1, "integrator": "exponential"}"#,
    r#"{"report": "<img src=x onerror=alert(1)>"}"#,
    "\u{0}\u{ffff}",
    r#"{"parameter":"q","strengths":[0,1e308],"gaps":[1,-1e308],"current":1}"#,
];

fn message(e: wasm_bindgen::JsError) -> String {
    js_sys::Error::from(wasm_bindgen::JsValue::from(e)).message().as_string().unwrap()
}

#[wasm_bindgen_test]
fn every_string_export_refuses_garbage_with_a_js_error() {
    // A panic here would poison the instance (and fail the test): every export must answer with a JsError whose
    // message is readable.
    let report = wasm::relaxation_report(RELAXATION).unwrap();
    let mut refused = 0;
    for g in GARBAGE {
        let results = [
            wasm::run_forward(g).map(|_| ()).map_err(message),
            wasm::relaxation_report(g).map(|_| ()).map_err(message),
            wasm::GenerationRun::new(g, PLAN).map(|_| ()).map_err(message),
            wasm::GenerationRun::new(GENERATE, g).map(|_| ()).map_err(message),
            wasm::estimate_run("generate", g).map(|_| ()).map_err(message),
            wasm::estimate_run("theory", g).map(|_| ()).map_err(message),
            wasm::estimate_run(g, CONFIG).map(|_| ()).map_err(message),
            wasm::svg_relaxation(g, SWEEP, "light", 300, 200).map(|_| ()).map_err(message),
            wasm::svg_relaxation(&report, g, "light", 300, 200).map(|_| ()).map_err(message),
            wasm::svg_relaxation(&report, SWEEP, g, 300, 200).map(|_| ()).map_err(message),
        ];
        for r in results {
            let msg = r.expect_err("garbage must be refused");
            assert!(!msg.is_empty(), "empty message for {g:?}");
            refused += 1;
        }
    }
    wasm_bindgen_test::console_log!("{refused} garbage inputs refused with a JsError");
    // Hostile typed arrays for the drawing exports: mismatched lengths, huge values, inverted time axes.
    assert!(wasm::svg_forward(vec![0.0, 1.0], vec![1.0], vec![1], vec![0.0, 0.0], vec![1.0, 1.0], "light", 300, 200)
        .is_err());
    assert!(wasm::svg_forward(vec![0.0, 1e308], vec![1.0, 1.0], vec![1], vec![0.0; 2], vec![1.0; 2], "dark", 300, 200)
        .is_err());
    assert!(wasm::svg_trajectories(vec![0.0, 1.0], vec![1.0, 1.0], vec![0], 2, "{}", "x", "light", 300, 200).is_err());
    assert!(wasm::svg_trajectories(vec![1.0, 0.0], vec![f64::INFINITY, 1.0], vec![0], 2, "{}", "x", "light", 300, 200)
        .is_err());
    // A class count below the classes drawn (0, or class 1 among 1).
    for (classes, k) in [(vec![0], 0), (vec![1], 1)] {
        assert!(
            wasm::svg_trajectories(vec![1.0, 0.0], vec![1.0, 1.0], classes, k, "{}", "x", "light", 300, 200).is_err()
        );
    }
    // The budget refuses a Trajectories run the page could otherwise spend minutes on (d = 4096 with Q_opt).
    let msg = message(wasm::GenerationRun::new(OVER_BUDGET, PLAN).err().unwrap());
    assert!(msg.contains("budget"), "{msg}");
}

#[wasm_bindgen_test]
fn estimate_export_reports_memory_and_time() {
    let e: serde_json::Value = serde_json::from_str(&wasm::estimate_run("forward", CONFIG).unwrap()).unwrap();
    assert!(e["memory_bytes"].as_f64().unwrap() > 0.0 && e["within_budget"] == true && e["large"] == false, "{e}");
    assert!(e["refusal"].is_null() && e["seconds"].as_f64().unwrap() > 0.0, "{e}");
    // Over budget: the estimate carries the refusal the run would get, naming the budget.
    let e: serde_json::Value = serde_json::from_str(&wasm::estimate_run("generate", OVER_BUDGET).unwrap()).unwrap();
    let refusal = e["refusal"].as_str().unwrap();
    assert!(e["within_budget"] == false && refusal.contains("over the memory budget of 1024 MiB"), "{e}");
    assert_eq!(refusal, message(wasm::GenerationRun::new(OVER_BUDGET, PLAN).err().unwrap()));
}

/// Issue 5 golden runs, browser side: the same file and tolerance as tests/golden_measure.rs (native). Each run goes
/// through the Worker's path: one `MeasureJob` over the whole index space, stepped in small chunks.
#[wasm_bindgen_test]
fn golden_measurements_match_native_numbers() {
    let golden: serde_json::Value = serde_json::from_str(include_str!("golden/measure_small.json")).unwrap();
    for run in golden["runs"].as_array().unwrap() {
        let name = run["name"].as_str().unwrap();
        let config = run["config"].to_string();
        let total = wasm::MeasureJob::total(&config).unwrap();
        let mut job = wasm::MeasureJob::new(&config, 0, total).unwrap();
        let mut last = 0.0;
        while !job.is_done() {
            let f = job.step(5000.0).unwrap();
            assert!((last..=1.0).contains(&f), "{name}: progress {f} after {last}");
            last = f;
        }
        let out = job.finish().unwrap();
        let result: serde_json::Value = serde_json::from_str(&out.summary_json()).unwrap();
        for (field, expect) in run["expect"].as_object().unwrap() {
            let got = result[field].as_array().unwrap();
            for (g, e) in got.iter().zip(expect.as_array().unwrap()) {
                let (g, e) = (g.as_f64().unwrap(), e.as_f64().unwrap());
                assert!((g - e).abs() <= 1e-10 * g.abs().max(e.abs()) + 1e-12, "{name}.{field}: {g} vs {e}");
            }
        }
        // The typed-array getters carry the same numbers.
        if name == "cloning" {
            let expect: Vec<u32> =
                run["expect"]["same_class"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
            assert_eq!(out.same_class(), expect);
            assert_eq!(out.phi().len(), 3);
        }
    }
}

#[wasm_bindgen_test]
fn measure_over_budget_is_a_js_error_naming_the_budget() {
    let cfg = r#"{"scenario": {"process": {"d": 512}}, "sampler": {"grid": {"t_max": 5, "t_min": 0, "steps": 100,
        "kind": "uniform"}, "particles": 100000}, "experiment": {"kind": "cloning", "split_times": [1]}, "seed": 1}"#;
    let err = wasm::MeasureJob::new(cfg, 0, 100).err().expect("refused");
    let v: wasm_bindgen::JsValue = err.into();
    let msg = js_sys::Error::from(v).message().as_string().unwrap();
    assert!(msg.contains("memory budget"), "{msg}");
}

#[wasm_bindgen_test]
fn simd_rounding_to_f32_gives_the_bits_of_a_cast() {
    // `round_keys` converts four values per store on wasm (f32x4.demote_f64x2_zero); it must give `as f32`'s bits,
    // ties, subnormals, overflow and signed zeros included (NaN stays NaN), and in the tail past the last group of four.
    let halfway = 1.0 + f64::from(f32::EPSILON) / 2.0;
    let mut keys = vec![
        0.0,
        -0.0,
        1.0,
        -1.5,
        halfway,
        -halfway,
        1.0 + 3.0 * f64::from(f32::EPSILON) / 2.0,
        f64::from(f32::MAX) * 1.5,
        -1e300,
        1e-45,
        f64::from(f32::MIN_POSITIVE) / 3.0,
        f64::INFINITY,
        f64::NAN,
        std::f64::consts::PI,
    ];
    keys.extend((0..1001).map(|i| ((i as f64) * 0.754_877_666).sin() * 10f64.powi(i % 40 - 20)));
    for len in [0, 1, 3, 4, 5, 14, keys.len()] {
        let mut out = vec![7.0f32; len];
        diffusion_regimes::kernels::mixed::round_keys(&keys[..len], &mut out);
        for (o, k) in out.iter().zip(&keys) {
            if k.is_nan() {
                // A NaN's payload is not specified by wasm's conversions; it must stay a NaN.
                assert!(o.is_nan());
            } else {
                assert_eq!(o.to_bits(), (*k as f32).to_bits(), "{k:e}");
            }
        }
    }
}
