#![cfg(not(target_arch = "wasm32"))]
//! Cross-check of the optimal design against an independent implementation (the NumPy peer's `q_optimal`,
//! ../shared/peers/peer_numpy.py, values printed once with numpy 2.4 / scipy 1.17 and copied here).
//! It uses `scipy.linalg.null_space` for the complements, a different basis from ours: agreement shows that Q_opt is
//! a function of U and λ alone, as SCIENCE.md §3 promises.

use diffusion_regimes::drift::{Design, Weights};
use diffusion_regimes::precision::Precision;

#[test]
fn optimal_q_matches_independent_numpy_construction_d16() {
    let u = Precision::log_spaced(16, 100.0, None).unwrap();
    let q = Design::Optimal { weights: Weights::Linear }.build(&u).unwrap();
    let expected_row0 = [0.0, -52.60790035355602, -0.07273007069346743, -16.965095410924143];
    let expected_row3 = [11.299817704825184, 1.1816021023877137, -0.11373756947242532];
    for (k, e) in expected_row0.iter().enumerate() {
        assert!((q[(0, k)] - e).abs() < 1e-9 * 52.6, "Q[0,{k}] = {} vs {e}", q[(0, k)]);
    }
    for (k, e) in expected_row3.iter().enumerate() {
        assert!((q[(3, 7 + k)] - e).abs() < 1e-9 * 52.6, "Q[3,{}] = {} vs {e}", 7 + k, q[(3, 7 + k)]);
    }
}
