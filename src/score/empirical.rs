//! The exact empirical score (SCIENCE.md §5): the score of the n-component mixture p_t = (1/n) Σ_i N(E_t a_i, Σ_t) of
//! noised training points, which an ideal network trained on them would learn (it memorizes):
//! ∇ ln p_t(x) = Σ_t⁻¹ (Σ_i w_i E_t a_i − x),  w = softmax_i(−½ (x − E_t a_i)ᵀ Σ_t⁻¹ (x − E_t a_i)).
//!
//! No particles × n × d array is ever built. Per step, once for all particles (general U): L Lᵀ = Σ_t, whitened
//! particles y = L⁻¹x and points b_i = L⁻¹E_t a_i (O(n d²)), so that the Mahalanobis distance is |y − b_i|² =
//! |y|² − 2 y·b_i + |b_i|²; then one fused tiled pass ([`crate::kernels::attend`]) computes the dot products y·b_i,
//! an online softmax and Σ_i w_i b_i, and the score is L⁻ᵀ(Σ_i w_i b_i − y).
//!
//! Isotropic fast path (U = c·I, Q = 0, including Biroli's U = I): Σ_t = s_t I and E_t = e^{−ct} I, so the logits are
//! (e^{−ct}/s_t) x·a_i − (e^{−2ct}/2s_t)|a_i|² on the raw points and the per-step preparation is two scalars: no d²
//! and no n·d work per step.
//!
//! The same pass reports the nearest and second-nearest rescaled training point E_t a_i in the Σ_t metric
//! (SCIENCE.md §9.3, §9.5); their two squared distances are then recomputed directly as |y − b_i|² in f64, so they
//! carry no cancellation from |y|² − 2y·b_i + |b_i|².
//!
//! Precision ([`KernelPrecision`]): by default the pass is mixed-precision ([`crate::kernels::mixed`]: dot products
//! and Σ w b in f32, softmax in f64; the keys are rounded to f32 once per training set, or once per step when
//! whitened), about twice as fast as the all-f64 pass ([`crate::kernels::attend`]), which stays available as
//! [`KernelPrecision::Double`]. `tests/mixed_precision.rs` shows the generated samples and the nearest-neighbour
//! statistics of the two agree within Monte Carlo error (SCIENCE.md: f32 inside a kernel only with such a test).

use nalgebra::DVector;

use crate::data::training_set::TrainingSet;
use crate::error::{check_open_closed, Error, Result};
use crate::isotropic::Isotropic;
use crate::kernels::mixed::{attend_mixed, round_keys, transpose_tiles_f32, MixedScratch};
use crate::kernels::{attend, dot, dots, solve_lower, solve_upper, tiled_len, transpose_tiles, TopTwo, TILE_K, TILE_P};
use crate::linalg::cholesky;
use crate::process::OuProcess;
use crate::random::Stream;
use crate::score::mixture::rows_of;

/// The arithmetic of the fused softmax pass (defined with the kernels, shared with the white two-class step).
pub use crate::kernels::KernelPrecision;
use crate::score::Score;

/// The nearest training point of one particle in the Σ_t metric, with the squared distances
/// (x − E_t a_i)ᵀ Σ_t⁻¹ (x − E_t a_i) to the nearest and the second nearest point.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Nearest {
    /// Index i of the nearest training point.
    pub index: usize,
    /// Squared Σ_t-distance to it.
    pub d2: f64,
    /// Squared Σ_t-distance to the second nearest point (+∞ with a single training point).
    pub d2_second: f64,
}

/// The exact empirical score of a training set under a forward process.
#[derive(Clone, Debug)]
pub struct EmpiricalScore {
    process: OuProcess,
    data: TrainingSet,
    iso: Option<Isotropic>,
    precision: KernelPrecision,
    /// |a_i|² (isotropic path keys' squared norms, fixed).
    data_sq: Vec<f64>,
    t: Option<f64>,
    // Isotropic path: e^{−ct} and s_t.
    decay: f64,
    var: f64,
    // General path: L (rows), Lᵀ (rows), whitened points b_i (n×d) and |b_i|².
    l: Vec<f64>,
    lt: Vec<f64>,
    keys: Vec<f64>,
    key_sq: Vec<f64>,
    // The kernel's copies of the keys (a_i on the isotropic path, b_i on the general one): tile-transposed f64
    // (`Double`), or row-major and tile-transposed f32 (`Mixed`).
    keys_t: Vec<f64>,
    keys32: Vec<f32>,
    keys_t32: Vec<f32>,
    // Workspace for one tile of particles.
    y: Vec<f64>,
    acc: Vec<f64>,
    top: Vec<TopTwo>,
    dot_buf: Vec<f64>,
    mixed: MixedScratch,
}

impl EmpiricalScore {
    /// The score of `data` under `process`, on the isotropic fast path when U = c·I and Q = 0.
    ///
    /// ```
    /// use diffusion_regimes::{data::training_set::TrainingSet, precision::Precision, process::OuProcess};
    /// use diffusion_regimes::score::{empirical::EmpiricalScore, Score};
    /// let p = OuProcess::reversible(Precision::scaled_identity(1, 1.0).unwrap());
    /// // One training point a = 2: p_t = N(2e^{−t}, Δ_t), score (2e^{−t} − x)/Δ_t.
    /// let ts = TrainingSet::from_points(1, vec![2.0], vec![0]).unwrap();
    /// let mut s = EmpiricalScore::new(&p, &ts).unwrap();
    /// s.prepare(1.0).unwrap();
    /// let mut out = [0.0];
    /// s.evaluate(&[0.0], &mut out);
    /// let expect = 2.0 * (-1f64).exp() / (1.0 - (-2f64).exp());
    /// assert!((out[0] - expect).abs() < 1e-14);
    /// ```
    ///
    /// # Errors
    /// [`Error::Param`] when the process and the data have different dimensions.
    pub fn new(process: &OuProcess, data: &TrainingSet) -> Result<Self> {
        Self::with_fast_path(process, data, true)
    }

    /// As [`EmpiricalScore::new`]; `fast = false` forces the general whitened path (to test the fast path).
    ///
    /// # Errors
    /// As [`EmpiricalScore::new`].
    pub fn with_fast_path(process: &OuProcess, data: &TrainingSet, fast: bool) -> Result<Self> {
        Self::with_options(process, data, fast, KernelPrecision::default())
    }

    /// As [`EmpiricalScore::with_fast_path`], with the arithmetic of the kernel pass.
    ///
    /// # Errors
    /// As [`EmpiricalScore::new`].
    pub fn with_options(
        process: &OuProcess,
        data: &TrainingSet,
        fast: bool,
        precision: KernelPrecision,
    ) -> Result<Self> {
        let d = data.dim();
        if process.dim() != d {
            return Err(Error::param("process dimension", process.dim(), format!("the data dimension {d}")));
        }
        let iso = if fast { Isotropic::of(process) } else { None };
        let n = data.len();
        let general = iso.is_none();
        let (double, mixed) = (precision == KernelPrecision::Double, precision == KernelPrecision::Mixed);
        let mut score = EmpiricalScore {
            process: process.clone(),
            data_sq: data.points().chunks_exact(d).map(|a| dot(a, a)).collect(),
            data: data.clone(),
            iso,
            precision,
            t: None,
            decay: 0.0,
            var: 0.0,
            l: Vec::new(),
            lt: Vec::new(),
            keys: if general { vec![0.0; n * d] } else { Vec::new() },
            key_sq: if general { vec![0.0; n] } else { Vec::new() },
            keys_t: if double { vec![0.0; tiled_len(n, d)] } else { Vec::new() },
            keys32: if mixed { vec![0.0; n * d] } else { Vec::new() },
            keys_t32: if mixed { vec![0.0; tiled_len(n, d)] } else { Vec::new() },
            y: vec![0.0; TILE_P * d],
            acc: vec![0.0; TILE_P * d],
            top: vec![TopTwo::default(); TILE_P],
            dot_buf: if double { vec![0.0; TILE_P * TILE_K] } else { Vec::new() },
            mixed: MixedScratch::new(if mixed { d } else { 0 }),
        };
        if !general {
            // The isotropic path's keys are the raw points: one copy for the whole run.
            let points = score.data.points().to_vec();
            score.copy_keys(&points);
        }
        Ok(score)
    }

    /// The arithmetic of the kernel pass.
    pub fn precision(&self) -> KernelPrecision {
        self.precision
    }

    /// Makes the kernel's copies of the keys (layout and precision of [`KernelPrecision`]).
    fn copy_keys(&mut self, keys: &[f64]) {
        let d = self.data.dim();
        match self.precision {
            KernelPrecision::Double => transpose_tiles(keys, d, &mut self.keys_t),
            KernelPrecision::Mixed => {
                round_keys(keys, &mut self.keys32);
                transpose_tiles_f32(keys, d, &mut self.keys_t32);
            }
        }
    }

    /// Whether the isotropic fast path is in use.
    pub fn is_isotropic(&self) -> bool {
        self.iso.is_some()
    }

    /// The training set.
    pub fn data(&self) -> &TrainingSet {
        &self.data
    }

    /// Evaluates the score like [`Score::evaluate`] and, when `nearest` is given (one entry per particle), the nearest
    /// training point of each particle in the Σ_t metric, from the same pass.
    pub fn evaluate_with_nearest(&mut self, x: &[f64], out: &mut [f64], mut nearest: Option<&mut [Nearest]>) {
        assert!(self.t.is_some(), "EmpiricalScore::evaluate before prepare");
        let d = self.data.dim();
        assert!(x.len() % d == 0 && out.len() == x.len(), "evaluate: particle-major buffers of equal length");
        if let Some(nr) = nearest.as_deref() {
            assert_eq!(nr.len() * d, x.len(), "evaluate_with_nearest: one entry per particle");
        }
        for (b, (xb, ob)) in x.chunks(TILE_P * d).zip(out.chunks_mut(TILE_P * d)).enumerate() {
            let np = xb.len() / d;
            if let Some((e, s)) = self.iso.map(|_| (self.decay, self.var)) {
                // Logits (e^{−ct}/s_t) x·a_i − (e^{−2ct}/2s_t)|a_i|² on the raw points.
                self.attend(xb, np, e / s, e * e / (2.0 * s));
                let (acc, top) = (&self.acc[..np * d], &self.top[..np]);
                for (xp, (op, ap)) in xb.chunks_exact(d).zip(ob.chunks_exact_mut(d).zip(acc.chunks_exact(d))) {
                    for ((o, xi), ai) in op.iter_mut().zip(xp).zip(ap) {
                        *o = (e * ai - xi) / s;
                    }
                }
                if let Some(nr) = nearest.as_deref_mut() {
                    // |x − e a_i|² / s_t, directly.
                    let dist = |xp: &[f64], i: usize| {
                        xp.iter().zip(self.data.point(i)).map(|(xj, aj)| sq(xj - e * aj)).sum::<f64>() / s
                    };
                    for (p, xp) in xb.chunks_exact(d).enumerate() {
                        nr[b * TILE_P + p] = to_nearest(top[p], |i| dist(xp, i));
                    }
                }
            } else {
                let mut y = std::mem::take(&mut self.y);
                for (xp, yp) in xb.chunks_exact(d).zip(y.chunks_exact_mut(d)) {
                    solve_lower(&self.l, xp, yp);
                }
                self.attend(&y[..np * d], np, 1.0, 0.5);
                let (acc, top) = (&self.acc[..np * d], &self.top[..np]);
                for (p, ((yp, ap), op)) in
                    y[..np * d].chunks_exact_mut(d).zip(acc.chunks_exact(d)).zip(ob.chunks_exact_mut(d)).enumerate()
                {
                    if let Some(nr) = nearest.as_deref_mut() {
                        // |y − b_i|², directly.
                        let keys = &self.keys;
                        let dist = |i: usize| {
                            yp.iter().zip(&keys[i * d..(i + 1) * d]).map(|(yj, bj)| sq(yj - bj)).sum::<f64>()
                        };
                        nr[b * TILE_P + p] = to_nearest(top[p], dist);
                    }
                    // Reuse y's row for Σ w b − y, then back-substitute: score = L⁻ᵀ(Σ w b − y).
                    for (yi, ai) in yp.iter_mut().zip(ap) {
                        *yi = ai - *yi;
                    }
                    solve_upper(&self.lt, yp, op);
                }
                self.y = y;
            }
        }
    }

    /// The fused softmax pass over the current keys for the `np` queries `q` (at most one tile), into `acc` and `top`.
    fn attend(&mut self, q: &[f64], np: usize, alpha: f64, beta: f64) {
        let d = self.data.dim();
        let (keys, key_sq) =
            if self.iso.is_some() { (self.data.points(), &self.data_sq) } else { (&self.keys[..], &self.key_sq) };
        let (acc, top) = (&mut self.acc[..np * d], &mut self.top[..np]);
        match self.precision {
            KernelPrecision::Double => {
                attend(q, keys, &self.keys_t, key_sq, d, alpha, beta, acc, top, &mut self.dot_buf);
            }
            KernelPrecision::Mixed => {
                attend_mixed(q, &self.keys32, &self.keys_t32, key_sq, d, alpha, beta, acc, top, &mut self.mixed);
            }
        }
    }
}

fn sq(v: f64) -> f64 {
    v * v
}

/// The nearest point from the pass's two largest logits, with both squared distances recomputed by `dist` (index →
/// distance); if rounding in the logits ordered a near-tie the wrong way, the distances put it right.
fn to_nearest(top: TopTwo, dist: impl Fn(usize) -> f64) -> Nearest {
    let d2 = dist(top.index);
    if top.second == f64::NEG_INFINITY {
        return Nearest { index: top.index, d2, d2_second: f64::INFINITY };
    }
    let d2_second = dist(top.second_index);
    if d2_second < d2 {
        Nearest { index: top.second_index, d2: d2_second, d2_second: d2 }
    } else {
        Nearest { index: top.index, d2, d2_second }
    }
}

impl Score for EmpiricalScore {
    fn dim(&self) -> usize {
        self.data.dim()
    }

    /// # Errors
    /// [`Error::Param`] for t ≤ 0 (Σ₀ = 0: the empirical law is a sum of point masses); [`Error::NotSpd`] if Σ_t
    /// cannot be factored.
    fn prepare(&mut self, t: f64) -> Result<()> {
        check_open_closed("t", t, 0.0, f64::MAX)?;
        if self.t == Some(t) {
            return Ok(());
        }
        self.t = None;
        let d = self.data.dim();
        if let Some(iso) = self.iso {
            self.decay = iso.decay(t);
            self.var = iso.noise_var(t);
        } else {
            let tr = self.process.transition(t);
            let chol = cholesky(&tr.noise_cov, "Σ_t")?;
            let l = chol.l();
            let whiten = l.solve_lower_triangular(&tr.propagator).expect("Cholesky factor has a positive diagonal");
            dots(self.data.points(), &rows_of(&whiten), d, &mut self.keys, d);
            for (sq, b) in self.key_sq.iter_mut().zip(self.keys.chunks_exact(d)) {
                *sq = dot(b, b);
            }
            let keys = std::mem::take(&mut self.keys);
            self.copy_keys(&keys);
            self.keys = keys;
            self.l = rows_of(&l);
            self.lt = l.as_slice().to_vec();
        }
        self.t = Some(t);
        Ok(())
    }

    fn prepared_time(&self) -> Option<f64> {
        self.t
    }

    fn evaluate(&mut self, x: &[f64], out: &mut [f64]) {
        self.evaluate_with_nearest(x, out, None);
    }

    /// A uniformly chosen training point noised to time t: E_t a_i + L z (SCIENCE.md §9.1's shortcut).
    fn sample_marginal(&mut self, t: f64, rngs: &mut [Stream], x: &mut [f64]) -> Result<()> {
        check_open_closed("t", t, 0.0, f64::MAX)?;
        let d = self.data.dim();
        assert_eq!(x.len(), rngs.len() * d, "sample_marginal: one row per stream");
        let n = self.data.len() as u64;
        let tr = self.process.transition(t);
        let l = cholesky(&tr.noise_cov, "Σ_t")?.l();
        for (rng, row) in rngs.iter_mut().zip(x.chunks_exact_mut(d)) {
            let i = rng.below(n) as usize;
            let z = DVector::from_fn(d, |_, _| rng.normal());
            let a = DVector::from_column_slice(self.data.point(i));
            row.copy_from_slice((&tr.propagator * a + &l * z).as_slice());
        }
        Ok(())
    }
}
