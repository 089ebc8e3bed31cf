#![cfg(not(target_arch = "wasm32"))]
//! Integration tests of the theory against the closed forms and check values of SCIENCE.md §7–§8.

use diffusion_regimes::error::Error;
use diffusion_regimes::precision::Precision;
use diffusion_regimes::process::OuProcess;
use diffusion_regimes::random::{stream, Purpose};
use diffusion_regimes::theory::collapse::{collapse_time, collapse_time_biroli, mutual_information};
use diffusion_regimes::theory::grid::ScanRange;
use diffusion_regimes::theory::roots::brent;
use diffusion_regimes::theory::speciation::{
    criterion, mass_matrix_min_eigenvalue, s_diagonal, speciation, t_s_biroli, t_s_eigenvector, ClassModel,
};
use nalgebra::{DMatrix, DVector};

/// Plane rotation Q = q (e_f e_sᵀ − e_s e_fᵀ) in the plane of the slowest and fastest eigenvectors of U
/// (SCIENCE.md §3, design 4).
fn plane_rotation(p: &Precision, q: f64) -> DMatrix<f64> {
    let (es, ef) = (p.slowest(), p.fastest());
    (&ef * es.transpose() - &es * ef.transpose()) * q
}

/// A seeded antisymmetric matrix with i.i.d. normal upper triangle (SCIENCE.md §3, design 5, without rescaling).
fn random_antisymmetric(d: usize, seed: u64, scale: f64) -> DMatrix<f64> {
    let mut s = stream(seed, Purpose::Matrix, 1);
    let g = DMatrix::from_fn(d, d, |_, _| s.normal());
    (&g - g.transpose()) * scale
}

fn two_class(mu: DVector<f64>, c0: DMatrix<f64>) -> ClassModel {
    ClassModel::two_class(&mu, &c0).unwrap()
}

#[test]
fn biroli_speciation_time_is_half_ln_d_through_the_matrix_code() {
    // U = I, Q = 0, μ = ones (|μ|² = d), C₀ = I: t_S = ½ ln d (SCIENCE.md §7: d = 256 → 2.772589, d = 1024 → 3.465736).
    // The root is refined to 1e-10 in t; the check values are given to 6 decimals.
    for &(d, expected, range) in
        &[(256, 2.772589, ScanRange::default()), (1024, 3.465736, ScanRange::new(3.0, 4.0, 8).unwrap())]
    {
        // d = 1024 scans a narrow range: each direct transition costs ~0.7 s there, and the wide scan is tested at 256.
        let p = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
        let sp = speciation(&p, &two_class(DVector::from_element(d, 1.0), DMatrix::identity(d, d)), &range).unwrap();
        assert_eq!(sp.roots.len(), 1, "d={d}: {:?}", sp.roots);
        assert!((sp.t_s - expected).abs() < 1e-6, "d={d}: t_S = {}", sp.t_s);
        assert!((sp.t_s - t_s_biroli(d as f64, 1.0).unwrap()).abs() < 1e-9, "d={d}");
    }
}

#[test]
fn criterion_is_one_at_t_s_for_isotropic_and_rotated_anisotropic_drifts() {
    // s(t_S) = 1 to 1e-9: t_S is accurate to 1e-10 and |ds/dt| ≤ 2 u_max s ≈ 20 here, so |s − 1| ≤ 2e-9 in the worst
    // case; in practice Brent lands much closer. The anisotropic case has a non-normal A (plane rotation q = 3).
    let d = 8;
    let cases = [OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap()), {
        let p = Precision::log_spaced(d, 100.0, None).unwrap();
        let q = plane_rotation(&p, 3.0);
        OuProcess::new(p, q).unwrap()
    }];
    for (k, p) in cases.iter().enumerate() {
        let mu = p.precision().fastest() * (d as f64).sqrt() + p.precision().slowest() * 0.5;
        let classes = two_class(mu.clone(), DMatrix::identity(d, d));
        let sp = speciation(p, &classes, &ScanRange::default()).unwrap();
        for &r in &sp.roots {
            let s = criterion(p, &classes, r).unwrap();
            assert!((s - 1.0).abs() < 1e-9, "case {k}: s({r}) = {s}");
            // λ_min(M̃(t_S)) = 0 (Lu–Tang's form of the criterion); M̃ has entries O(1), so 1e-8 absolute.
            let l = mass_matrix_min_eigenvalue(p, &mu, &DMatrix::identity(d, d), r).unwrap();
            assert!(l.abs() < 1e-8, "case {k}: λ_min = {l}");
        }
        // The sign of λ_min(M̃) is the opposite of the sign of s − 1 (inertia), checked away from the roots.
        for &t in &[0.05, 0.5 * sp.t_s, 2.0 * sp.t_s + 1.0] {
            let s = criterion(p, &classes, t).unwrap();
            let l = mass_matrix_min_eigenvalue(p, &mu, &DMatrix::identity(d, d), t).unwrap();
            assert!((s > 1.0) == (l < 0.0), "case {k}, t={t}: s = {s}, λ_min = {l}");
        }
    }
}

#[test]
fn diagonal_closed_form_of_s_and_t_s_matches_the_matrix_code() {
    // Diagonal U and C₀, Q = 0: s(t) = Σ μ_k² e^{−2u_k t}/(c_k e^{−2u_k t} + (1 − e^{−2u_k t})/u_k) (SCIENCE.md §7).
    let d = 6;
    let p = Precision::log_spaced(d, 100.0, None).unwrap();
    let u: Vec<f64> = p.eigenvalues().iter().copied().collect();
    let c: Vec<f64> = (0..d).map(|k| 0.3 + 0.2 * k as f64).collect();
    let mu: Vec<f64> = (0..d).map(|k| 2.0 + (k as f64 * 1.3).sin() * 3.0).collect();
    let proc_ = OuProcess::reversible(p);
    let classes = two_class(DVector::from_column_slice(&mu), DMatrix::from_diagonal(&DVector::from_column_slice(&c)));
    for &t in &[1e-4, 0.01, 0.3, 1.0, 4.0, 20.0] {
        let exact = s_diagonal(&u, &c, &mu, t).unwrap();
        let s = criterion(&proc_, &classes, t).unwrap();
        // Relative 1e-12: one transition and one Cholesky solve in f64.
        assert!((s / exact - 1.0).abs() < 1e-12, "t={t}: {s} vs {exact}");
    }
    // t_S against a root of the closed form (both to 1e-10 in t, hence 1e-9 agreement with margin).
    let f = |t: f64| Ok(s_diagonal(&u, &c, &mu, t).unwrap() - 1.0);
    let sp = speciation(&proc_, &classes, &ScanRange::default()).unwrap();
    assert_eq!(sp.roots.len(), 1, "{:?}", sp.roots);
    let exact = brent(f, 1e-3, 50.0, f(1e-3).unwrap(), f(50.0).unwrap(), 1e-13).unwrap();
    assert!((sp.t_s - exact).abs() < 1e-9, "{} vs {exact}", sp.t_s);

    // μ along one eigenvector (eigenvalue u), C₀ = σ² I: t_S = ln(1 + u(|μ|² − σ²))/(2u).
    for k in [0, 3, d - 1] {
        let uk = u[k];
        let mut m = DVector::zeros(d);
        m[k] = 5.0;
        let sp = speciation(&proc_, &two_class(m, DMatrix::identity(d, d) * 0.49), &ScanRange::default()).unwrap();
        let exact = t_s_eigenvector(uk, 25.0, 0.49).unwrap();
        assert!((sp.t_s - exact).abs() < 1e-9, "k={k}: {} vs {exact}", sp.t_s);
    }
}

#[test]
fn no_speciation_is_an_error_not_a_number() {
    // |μ|² ≤ σ²: s(t) ≤ 1 everywhere (SCIENCE.md §7), so there is no root to report.
    let d = 4;
    let p = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
    let e = speciation(&p, &two_class(DVector::from_element(d, 0.4), DMatrix::identity(d, d)), &ScanRange::default())
        .unwrap_err();
    assert!(matches!(e, Error::NoTransition { ref what, .. } if what == "speciation"), "{e}");
    assert!(t_s_biroli(0.5, 1.0).is_err());
    // Wrong dimension and a bad time are parameter errors.
    assert!(matches!(
        criterion(&p, &two_class(DVector::from_element(3, 1.0), DMatrix::identity(3, 3)), 1.0),
        Err(Error::Param { .. })
    ));
    assert!(criterion(&p, &two_class(DVector::from_element(d, 1.0), DMatrix::identity(d, d)), f64::NAN).is_err());
}

#[test]
fn k_class_criterion_reduces_to_s_for_two_symmetric_classes() {
    // Means ±μ with weights ½: B = μμᵀ, so λ_max(Γ^{−1/2} B_t Γ^{−1/2}) = s(t) (relative 1e-12, one eigensolve).
    let d = 5;
    let p = Precision::log_spaced(d, 10.0, Some(2)).unwrap();
    let q = plane_rotation(&p, 1.5);
    let proc_ = OuProcess::new(p, q).unwrap();
    let mu = DVector::from_fn(d, |k, _| 1.0 + k as f64);
    let c0 = DMatrix::identity(d, d) * 0.7;
    let k2 = ClassModel::k_class(&[mu.clone(), -&mu], &[0.5, 0.5], &c0).unwrap();
    let two = two_class(mu, c0);
    for &t in &[0.01, 0.5, 2.0] {
        let (a, b) = (criterion(&proc_, &k2, t).unwrap(), criterion(&proc_, &two, t).unwrap());
        assert!((a / b - 1.0).abs() < 1e-12, "t={t}: {a} vs {b}");
    }
    // Three classes along orthogonal axes speciate; the criterion decreases to 0 at large t.
    let means: Vec<DVector<f64>> = (0..3).map(|c| DVector::from_fn(d, |k, _| if k == c { 6.0 } else { 0.0 })).collect();
    let k3 = ClassModel::k_class(&means, &[0.2, 0.3, 0.5], &DMatrix::identity(d, d)).unwrap();
    let sp = speciation(&proc_, &k3, &ScanRange::default()).unwrap();
    assert!((criterion(&proc_, &k3, sp.t_s).unwrap() - 1.0).abs() < 1e-9);
    assert!(ClassModel::k_class(&means, &[0.2, 0.3, 0.6], &DMatrix::identity(d, d)).is_err());
}

#[test]
fn collapse_information_and_time_match_biroli() {
    // U = I, C = σ² I: I_t = (d/2) ln(1 + σ² e^{−2t}/Δ_t) and t_C = ½ ln(1 + σ²/(n^{2/d} − 1)) (SCIENCE.md §8).
    let d = 256;
    let p = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
    let c = DMatrix::identity(d, d);
    for &t in &[1e-6f64, 0.05, 1.3, 6.0] {
        let delta = -(-2.0 * t).exp_m1();
        let exact = 0.5 * d as f64 * ((-2.0 * t).exp() / delta).ln_1p();
        let i = mutual_information(&p, &c, t).unwrap();
        // A difference of two log-determinants: relative 1e-12 while I_t is O(1) or more, absolute ~1e-14 once I_t is
        // small (t = 6: I_t ≈ 8e-4 from ln det values that cancel); the collapse criterion needs I_t/d absolutely.
        assert!((i - exact).abs() < 1e-12 * exact.max(1.0), "t={t}: {i} vs {exact}");
    }
    let tc = collapse_time(&p, &c, 20000, &ScanRange::default()).unwrap();
    // Check value of SCIENCE.md §8 to its 6 decimals, and the closed form to the root tolerance.
    assert!((tc - 1.298790).abs() < 1e-6, "{tc}");
    assert!((tc - collapse_time_biroli(1.0, 20000, d).unwrap()).abs() < 1e-10);
    for &(d, v) in &[(1024, 1.977547), (4096, 2.667074)] {
        assert!((collapse_time_biroli(1.0, 20000, d).unwrap() - v).abs() < 1e-6, "d={d}");
    }
}

#[test]
fn collapse_time_is_q_invariant_for_isotropic_u() {
    // U = c·I: e^{−At} = e^{−ct} R_t with R_t orthogonal, so SNR(t) is an orthogonal conjugate of the Q = 0 one and
    // I_t, t_C do not depend on Q (SCIENCE.md §1). Both roots are found to 1e-13 relative in t, from f values that
    // differ by rounding only: agreement to 1e-12.
    let d = 10;
    let c_scale = 1.7;
    let cov = {
        let mut s = stream(9, Purpose::Matrix, 2);
        let g = DMatrix::from_fn(d, d, |_, _| s.normal());
        &g * g.transpose() / d as f64 + DMatrix::identity(d, d) * 0.1
    };
    let rev = OuProcess::reversible(Precision::scaled_identity(d, c_scale).unwrap());
    let rot = OuProcess::new(Precision::scaled_identity(d, c_scale).unwrap(), random_antisymmetric(d, 4, 1.3)).unwrap();
    let (a, b) = (
        collapse_time(&rev, &cov, 5000, &ScanRange::default()).unwrap(),
        collapse_time(&rot, &cov, 5000, &ScanRange::default()).unwrap(),
    );
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

#[test]
fn collapse_of_a_subspace_matches_the_linear_manifold_formula() {
    // C = V Vᵀ with V a d×p orthonormal basis, U = I: I_t/d = (β/2) ln(1/Δ_t), β = p/d (GVM; SCIENCE.md §8), so
    // t_C = ½ ln(1 + 1/(e^{2α/β} − 1)). Singular C is allowed: Σ_t + E C Eᵀ is definite for t > 0.
    let (d, p) = (20, 8);
    let v = diffusion_regimes::precision::random_orthogonal(d, 3).columns(0, p).into_owned();
    let c = &v * v.transpose();
    let proc_ = OuProcess::reversible(Precision::scaled_identity(d, 1.0).unwrap());
    let n = 400;
    let tc = collapse_time(&proc_, &c, n, &ScanRange::default()).unwrap();
    let (alpha, beta) = ((n as f64).ln() / d as f64, p as f64 / d as f64);
    let exact = 0.5 * (1.0 / (2.0 * alpha / beta).exp_m1()).ln_1p();
    assert!((tc - exact).abs() < 1e-10, "{tc} vs {exact}");
}

#[test]
fn s_decreases_along_every_drift_so_two_class_speciation_has_one_root() {
    // SCIENCE.md §7 allows several roots of s(t) − 1 for non-normal A. For two classes with a shared C₀ (and the
    // k-class criterion, a maximum of such s) they cannot occur: with dm/dt = −A m and dΓ/dt = −AΓ − ΓAᵀ + 2I,
    //   ds/dt = −2 mᵀAᵀΓ⁻¹m + mᵀΓ⁻¹(AΓ + ΓAᵀ − 2I)Γ⁻¹m = −2 |Γ_t⁻¹ m_t|²,
    // because the two cross terms are the same scalar. This checks that identity by a central difference for a
    // strongly non-normal drift (κ = 100, rotation q = 20 far beyond the 2D optimum q* = 4.95), and that the scan
    // finds exactly one root. The search for a multi-root case therefore ends here (see the speciation module docs).
    let p = Precision::diagonal(&[0.1, 10.0]).unwrap();
    let proc_ = OuProcess::new(p, DMatrix::from_row_slice(2, 2, &[0.0, -20.0, 20.0, 0.0])).unwrap();
    let mu = DVector::from_vec(vec![0.3, 4.0]);
    let c0 = DMatrix::identity(2, 2) * 0.05;
    let classes = two_class(mu.clone(), c0.clone());
    for &t in &[0.01, 0.1, 0.37, 1.0, 3.0] {
        let h = 1e-5 * t;
        let ds =
            (criterion(&proc_, &classes, t + h).unwrap() - criterion(&proc_, &classes, t - h).unwrap()) / (2.0 * h);
        let tr = proc_.transition(t);
        let gamma = &tr.propagator * &c0 * tr.propagator.transpose() + &tr.noise_cov;
        let g_m = gamma.cholesky().unwrap().solve(&(&tr.propagator * &mu));
        let rhs = -2.0 * g_m.norm_squared();
        // Central-difference truncation is O(h²) relative (1e-10) and rounding ε·s/h is about 1e-10 relative here:
        // 1e-6 leaves room for the curvature of s at the fast time scale 1/u_max.
        assert!((ds / rhs - 1.0).abs() < 1e-6, "t={t}: {ds} vs {rhs}");
    }
    let sp = speciation(&proc_, &classes, &ScanRange::default()).unwrap();
    assert_eq!(sp.roots.len(), 1);
    // Strictly decreasing down to s ≈ 1e-200 (t = 50 with rate 2τ ≈ 10), so no ties from underflow.
    assert!(sp.scan_value.windows(2).all(|w| w[1] < w[0]), "s(t) must decrease on the scan grid");
}

#[test]
fn evaluate_curves_match_direct_evaluations_for_mixture_and_training_covariances() {
    use diffusion_regimes::theory::cloning::cloning_probability;
    use diffusion_regimes::theory::collapse::excess_entropy;
    use diffusion_regimes::theory::sweep::{evaluate, TheoryInput, TheoryOptions};
    // The curves come from moments propagated along the grid (and, for a mixture's own C, the determinant lemma);
    // they must equal direct evaluations at the same times. Tolerance 1e-10: grid propagation is accurate to ~1e-13
    // relative (marginals.rs) and f, s are O(1)–O(10²).
    let d = 6;
    let p = Precision::log_spaced(d, 100.0, Some(8)).unwrap();
    let q = plane_rotation(&p, 2.0);
    let proc_ = OuProcess::new(p, q).unwrap();
    let mu = DVector::from_fn(d, |k, _| 1.5 - 0.4 * k as f64);
    let c0 = DMatrix::identity(d, d) * 0.3;
    let classes = two_class(mu.clone(), c0.clone());
    let mixture = TheoryInput::two_class(proc_.clone(), &mu, &c0, 500).unwrap();
    let other_c = classes.total_cov() + DMatrix::identity(d, d) * 0.2;
    let training = TheoryInput::new(proc_.clone(), classes.clone(), other_c.clone(), 500).unwrap();
    for (input, c) in [(&mixture, classes.total_cov()), (&training, other_c)] {
        let r = evaluate(input, &TheoryOptions::default()).unwrap();
        assert!(r.t_s.is_some() && r.t_c.is_some(), "{:?}", r.messages);
        for j in (0..r.curve_t.len()).step_by(23) {
            let t = r.curve_t[j];
            let f = excess_entropy(&proc_, &c, 500, t).unwrap();
            assert!((r.curve_f[j] - f).abs() < 1e-10, "t={t}: f {} vs {f}", r.curve_f[j]);
            let s = criterion(&proc_, &classes, t).unwrap();
            assert!((r.curve_s[j] - s).abs() < 1e-10 * s.max(1.0), "t={t}: s {} vs {s}", r.curve_s[j]);
            let phi = cloning_probability(s).unwrap();
            assert!((r.curve_phi.as_ref().unwrap()[j] - phi).abs() < 1e-10);
        }
    }
}
