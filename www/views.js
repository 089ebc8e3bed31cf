// The views: what each one asks the worker for, how it draws (always the Rust plotting code, on a canvas or the SVG
// backend), and its data exports. A view object:
//   key, title, canvasHeight(cssWidth)  sizing of its canvas
//   theory                              true: recomputed as controls move; false: waits for an explicit Run
//   request(state)                      -> {kind, config} for the worker (throws a readable Error if not possible)
//   draw(canvas, data, theme, ratio)    -> the plot frame (for overlays) or null
//   svg(data, theme, w, h)              -> SVG string
//   table(data)                         -> {columns, rows} for CSV
//   readout(data)                       -> [{key, label, value, integer?, text?, replaces?}] numbers for the readout
//                                       (replaces: the key of a theory item with the same number, shown once)
//   note(data)                          (optional) -> text said above the plot ('' for none; default: data.warning)
//   usesTheory                          true: its data is the theory evaluation of the current controls (shared)
//   hasCursor, cursorRedraw             a time cursor; cursorRedraw: the plot itself changes with it (no overlay)
//   measure(state, ctx)                 (measured views) -> [{name, config}]: the MeasureConfigs its Run sends to the
//                                       worker's "measure" job, in order; ctx = {theory, sweep} (the theory answers)
//   measuredReadout(m)                  readout items of a measurement m = {parts: {name: summary}, configs, stale}
// Measured views also take m as the last argument of draw, svg and table (null: theory only, nothing faked).
import * as core from './pkg/diffusion_regimes.js';
import {
  PARAM_BY_KEY, SWEEPS, generateConfig, processConfig, scenarioConfig, sweepCurrent, sweepValues, theoryConfig, twoClassConfig,
  twoDigits,
} from './params.js';

/** F(1): the level φ crosses at t_S (SCIENCE.md §7; src/theory/cloning.rs). Only used to label the readout. */
const F_AT_ONE = 0.7752;

/** Grid end time used by measurements that find nearest training points (they need t > 0: the Σ_t metric). */
const MIN_END_TIME = 1e-3;

/** Times recorded by a generation run for the Trajectories and Particles views. */
const SNAPSHOTS = 200;

/** Points of the gap-against-strength curve (one relaxation report each). */
const SWEEP_POINTS = 25;

/** Points of the ‖E_t‖₂ curve: one matrix exponential and one SVD each, so fewer in high dimension. */
function normCurvePoints(d) {
  if (d <= 32) return 200;
  if (d <= 128) return 80;
  return 30;
}

function linspace(a, b, n) {
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** Largest |γ|, |q| and ‖Q‖_F the core accepts (src/drift.rs): the gap curve's sweep stops there. */
const DRIFT_MAX = 1000;

/** The family of designs swept for the gap curve, and where the current design sits on it. */
function sweepSpec(s) {
  switch (s.drift) {
    case 'plane': {
      const top = Math.min(DRIFT_MAX, Math.max(4, 2 * Math.abs(s.q)));
      return { parameter: 'q (plane rotation strength)', key: 'q', design: { design: 'plane' },
        strengths: linspace(0, top, SWEEP_POINTS), current: s.q };
    }
    case 'random': {
      const top = Math.min(DRIFT_MAX, Math.max(10, 2 * s.qnorm));
      return { parameter: '‖Q‖_F (random design)', key: 'norm', design: { design: 'random', seed: s.qseed },
        strengths: linspace(0, top, SWEEP_POINTS), current: s.qnorm };
    }
    case 'scaled': {
      const top = Math.min(DRIFT_MAX, Math.max(2, 2 * Math.abs(s.gamma)));
      return { parameter: 'γ (Q = γ·Q_opt)', key: 'gamma', design: { design: 'scaled' },
        strengths: linspace(0, top, SWEEP_POINTS), current: s.gamma };
    }
    default:
      // Q = 0 and Q_opt are the points γ = 0 and γ = 1 of the scaled family.
      return { parameter: 'γ (Q = γ·Q_opt)', key: 'gamma', design: { design: 'scaled' },
        strengths: linspace(0, 2, SWEEP_POINTS), current: s.drift === 'optimal' ? 1 : 0 };
  }
}

export const forward = {
  key: 'forward',
  title: 'Forward process',
  theory: false,
  hasCursor: true,
  canvasHeight: (w) => Math.max(260, Math.round((w * 420) / 800)),
  request(s) {
    if (s.model !== 'two_class') throw new FixableError('The forward view shows the two-class model: choose "two classes ±μ" as the data model.', TWO_CLASSES);
    return {
      kind: 'forward',
      config: { schema: core.schema_version(), process: processConfig(s), data: twoClassConfig(s), t_max: s.T,
        steps: s.steps, particles: s.particles, seed: s.seed },
    };
  },
  draw(canvas, r, theme, ratio) {
    return core.draw_forward(canvas, r.times, r.projections, r.labels, r.band_mean, r.band_sd, theme, ratio);
  },
  svg(r, theme, w, h) {
    return core.svg_forward(r.times, r.projections, r.labels, r.band_mean, r.band_sd, theme, w, h);
  },
  table(r) {
    const n = r.times.length;
    const particles = r.labels.length;
    const columns = ['t', 'class_plus_mean', 'sd'];
    for (let p = 0; p < particles; p += 1) columns.push(`path_${p}_class_${r.labels[p] > 0 ? 'plus' : 'minus'}`);
    const rows = [];
    for (let k = 0; k < n; k += 1) {
      const row = [r.times[k], r.band_mean[k], r.band_sd[k]];
      for (let p = 0; p < particles; p += 1) row.push(r.projections[p * n + k]);
      rows.push(row);
    }
    return { columns, rows };
  },
  readout(r) {
    return [
      { key: 'paths', label: 'Simulated paths', value: r.labels.length, integer: true },
      { key: 'T', label: 'Final time T', value: r.times[r.times.length - 1] },
    ];
  },
};

/** The request of a generation run (Trajectories and Particles share it). */
function generateRequest(s) {
  const schema = core.schema_version();
  const axes = s.axes === 'coordinates' ? { kind: 'coordinates', x: s.cx - 1, y: s.cy - 1 } : { kind: 'class' };
  return {
    kind: 'generate',
    config: {
      generate: generateConfig(s, schema),
      plan: { axes, snapshots: Math.min(SNAPSHOTS, s.steps + 1) },
      theory: theoryConfig(s, schema),
    },
  };
}

/** The transition marks of a theory answer (the worker's `theory_report`), for the plots. */
export function marksOf(answer) {
  const r = answer && answer.result && answer.result.report;
  if (!r) return { roots: [], t_s: null, t_c: null };
  return { roots: r.speciation_roots, t_s: r.t_s, t_c: r.t_c };
}

/** Readout items of a generation run. */
function runReadout(r) {
  const n = r.classes.length;
  const k = r.classCount;
  const items = [{ key: 'generated', label: 'Generated samples', value: n, integer: true }];
  if (k === 1) {
    items.push({ key: 'class_plus_fraction', label: 'Fraction ending in class +1', text: 'no classes (m̃ = 0)' });
  } else if (k === 2) {
    let plus = 0;
    for (const c of r.classes) if (c === 0) plus += 1;
    items.push({ key: 'class_plus_fraction', label: 'Fraction ending in class +1 ± s.e.', text: pm(plus / n, binomialSe(plus, n)) });
  }
  if (r.ratio.length) {
    let m = 0;
    for (const q of r.ratio) if (q < 1 / 3) m += 1;
    const end = r.times.length ? ` at t = ${formatTime(r.times[r.times.length - 1])}` : ' at the end';
    items.push({ key: 'memorized', label: `Memorized${end} (d₁/d₂ < 1/3), measured ± s.e.`, text: pm(m / r.ratio.length, binomialSe(m, r.ratio.length)) });
  }
  return items;
}

/** CSV of a run: one row per recorded time, one column per particle (class axis), or the cloud at one time. */
function pathsTable(r) {
  const n = r.times.length;
  const particles = r.classes.length;
  const columns = ['t'];
  // The classes named as in the plot's legend (src/plot/trajectories.rs `class_name`): two classes are +1 and −1
  // ("plus", "minus"), more are numbered from 1; with one (m̃ = 0: the class means coincide) there is no class.
  const k = r.classCount;
  const name = (c) => (k === 1 ? 'none' : k === 2 ? (c === 0 ? 'plus' : 'minus') : String(c + 1));
  for (let p = 0; p < particles; p += 1) columns.push(`path_${p}_class_${name(r.classes[p])}`);
  const rows = [];
  for (let k = 0; k < n; k += 1) {
    const row = [r.times[k]];
    for (let p = 0; p < particles; p += 1) row.push(r.axis1[p * n + k]);
    rows.push(row);
  }
  return { columns, rows };
}

export const trajectories = {
  key: 'trajectories',
  title: 'Trajectories',
  theory: false,
  hasCursor: true,
  canvasHeight: (w) => Math.max(260, Math.round((w * 420) / 800)),
  request: generateRequest,
  draw(canvas, r, theme, ratio) {
    return core.draw_trajectories(canvas, r.times, r.axis1, r.classes, r.classCount, JSON.stringify(r.marks), r.axisNames[0], theme, ratio);
  },
  svg(r, theme, w, h) {
    return core.svg_trajectories(r.times, r.axis1, r.classes, r.classCount, JSON.stringify(r.marks), r.axisNames[0], theme, w, h);
  },
  table: pathsTable,
  readout: runReadout,
};

/** Index of the recorded time nearest to forward time t. */
function snapshotIndex(r, t) {
  let best = 0;
  for (let k = 1; k < r.times.length; k += 1) if (Math.abs(r.times[k] - t) < Math.abs(r.times[best] - t)) best = k;
  return best;
}

/** Axis limits over every recorded time and the training points (fixed while the cursor moves). */
function cloudLimits(r) {
  if (r.limits) return r.limits;
  let [xl, xh, yl, yh] = [Infinity, -Infinity, Infinity, -Infinity];
  const add = (x, y) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    xl = Math.min(xl, x); xh = Math.max(xh, x); yl = Math.min(yl, y); yh = Math.max(yh, y);
  };
  for (let i = 0; i < r.axis1.length; i += 1) add(r.axis1[i], r.axis2[i]);
  for (let i = 0; i + 1 < r.training.length; i += 2) add(r.training[i], r.training[i + 1]);
  if (!(xh > xl)) [xl, xh] = [xl - 1, xl + 1];
  if (!(yh > yl)) [yl, yh] = [yl - 1, yl + 1];
  const px = 0.05 * (xh - xl);
  const py = 0.05 * (yh - yl);
  r.limits = [xl - px, xh + px, yl - py, yh + py];
  return r.limits;
}

/** The Particles figure at forward time t. */
function particlesFigure(r, t) {
  const n = r.times.length;
  const k = snapshotIndex(r, t);
  const particles = r.classes.length;
  const x = new Array(particles);
  const y = new Array(particles);
  for (let p = 0; p < particles; p += 1) {
    x[p] = r.axis1[p * n + k];
    y[p] = r.axis2[p * n + k];
  }
  const tx = [];
  const ty = [];
  for (let i = 0; i + 1 < r.training.length; i += 2) { tx.push(r.training[i]); ty.push(r.training[i + 1]); }
  const captured = [];
  for (let i = 0; i + 1 < r.captured.length; i += 2) {
    captured.push(Number.isFinite(r.captured[i]) ? [r.captured[i], r.captured[i + 1]] : null);
  }
  // Capture links after collapse: below the theory's t_C where the theory applies (d ≥ 16: the criterion is a
  // large-d statement, SCIENCE.md §8), and at the end of the run in any dimension.
  const tc = r.marks.t_c;
  const last = k === n - 1;
  const show = last || (r.d >= 16 && Number.isFinite(tc) && r.times[k] < tc);
  return {
    t: r.times[k], x, y, classes: Array.from(r.classes), k: r.classCount,
    training_x: tx, training_y: ty, captured, show_captured: show, limits: cloudLimits(r), axis_names: r.axisNames,
  };
}

export const particles = {
  key: 'particles',
  title: 'Particles',
  theory: false,
  hasCursor: true,
  cursorRedraw: true,
  canvasHeight: (w) => Math.max(280, Math.min(Math.round(w * 0.75), 640)),
  request: generateRequest,
  /** The cursor runs over the recorded times, T first; it starts at the end (the generated samples). */
  cursorRange: (r) => [r.times[0], r.times[r.times.length - 1]],
  cursorStart: (r) => r.times[r.times.length - 1],
  draw(canvas, r, theme, ratio, t) {
    core.draw_particles(canvas, JSON.stringify(particlesFigure(r, t ?? r.times[r.times.length - 1])), theme, ratio);
    return null;
  },
  svg(r, theme, w, h, t) {
    return core.svg_particles(JSON.stringify(particlesFigure(r, t ?? r.times[r.times.length - 1])), theme, w, h);
  },
  table(r, t) {
    const f = particlesFigure(r, t ?? r.times[r.times.length - 1]);
    const rows = f.x.map((x, p) => ['particle', f.t, x, f.y[p], f.classes[p], f.captured[p] ? f.captured[p][0] : '', f.captured[p] ? f.captured[p][1] : '']);
    for (let i = 0; i < f.training_x.length; i += 1) rows.push(['training', '', f.training_x[i], f.training_y[i], '', '', '']);
    return { columns: ['kind', 't', 'x', 'y', 'class', 'nearest_x', 'nearest_y'], rows };
  },
  readout: runReadout,
};

/** Readout items of a theory answer (the current controls' theory). */
export function theoryReadout(a) {
  const items = [];
  const r = a.result.report;
  if (r) {
    items.push({ key: 't_s', label: 'Speciation time t_S (largest root)', value: r.t_s ?? 'none in range' });
    items.push({ key: 'roots', label: 'All speciation roots', text: r.speciation_roots.length ? r.speciation_roots.map((x) => x.toFixed(4)).join(', ') : 'none' });
    items.push({ key: 't_c', label: 'Collapse time t_C', value: r.t_c ?? 'none in range' });
    if (Number.isFinite(r.t_s) && Number.isFinite(r.t_c)) items.push({ key: 'gap_ts_tc', label: 't_S − t_C', value: r.t_s - r.t_c });
  }
  if (a.biroli_t_c != null) items.push({ key: 't_c_biroli', label: "Biroli's closed form ½ ln(1 + σ²/(n^(2/d) − 1))", value: a.biroli_t_c });
  if (a.result.manifold_t_c != null) items.push({ key: 't_c_manifold', label: "GVM's manifold t_C", value: a.result.manifold_t_c });
  if (r) {
    items.push({ key: 'alpha', label: 'α = ln n / d', value: r.alpha });
    items.push({ key: 'spectral_gap', label: 'Spectral gap g = min Re λ(A)', value: r.spectral_gap });
    items.push({ key: 'trace_bound', label: 'Bound τ = Tr U / d', value: r.trace_bound });
    items.push({ key: 'u_min_theory', label: 'u_min', value: r.u_min });
  }
  const notes = [...(r ? r.messages : []), ...a.result.messages];
  if (notes.length) items.push({ key: 'theory_notes', label: 'Theory notes', text: notes.join(' ') });
  return items;
}

/** Throws the theory's reason when the matrix theory is absent (a nonlinear manifold). */
function reportOf(a) {
  const r = a.result.report;
  if (!r) throw new Error(`No matrix theory for this model: ${a.result.messages.join(' ')}`);
  return r;
}

// --- Measurements (SCIENCE.md §9): the MeasureConfigs of a Run, and how their results join the theory figures ---

/** `n` log-spaced numbers from a to b (a, b > 0). */
function logspace(a, b, n) {
  return Array.from({ length: n }, (_, i) => a * (b / a) ** (i / (n - 1)));
}

/** Rounds to 6 significant digits (readable configs; the split times are moved to grid times anyway). */
function round6(x) {
  return Number(x.toPrecision(6));
}

/** The sampler of a measurement: the Simulation controls, `particles` Monte Carlo samples. */
function measureSampler(s, particles, { score = s.score, positiveEnd = false } = {}) {
  const tmin = positiveEnd ? Math.max(s.tmin, MIN_END_TIME) : s.tmin;
  return { score, integrator: s.integrator, grid: { t_max: s.T, t_min: tmin, steps: s.steps, kind: s.grid }, particles, start: s.start };
}

function measureConfig(s, sampler, experiment) {
  return { schema: core.schema_version(), scenario: scenarioConfig(s), sampler, experiment, seed: s.seed };
}

/** A measurement that waits for its theory (still being computed): the Run bar says so instead of an error. */
export class TheoryPending extends Error {}

/** An error that a change of controls resolves: main.js shows `fix` ({label, values}) as a button beside it. */
export class FixableError extends Error {
  constructor(text, fix) {
    super(text);
    this.fix = fix;
  }
}

/** The fix of the views that show the two-class model only. */
const TWO_CLASSES = { label: 'Use two classes ±μ', values: { model: 'two_class' } };

/** Why a measurement cannot be placed without the theory: it failed (its message), or it is still being computed. */
function theoryMissing(ctx) {
  return ctx.theoryError
    ? new Error(`The theory of these controls is unavailable, and the measurement is placed with it: ${ctx.theoryError}`)
    : new TheoryPending('The theory of these controls is still being computed: Run again in a moment.');
}

/** The theory's t_S of the current controls, or a readable error. */
function theoryTs(ctx) {
  if (!ctx.theory) throw theoryMissing(ctx);
  const t = marksOf(ctx.theory).t_s;
  if (!Number.isFinite(t)) throw new Error('The theory has no t_S for these controls, so there is nothing to place the split times around.');
  return t;
}

/**
 * The fix that raises the final time T to at least `need` (rounded up to two significant digits), or null when T's
 * range does not reach it.
 */
function raiseT(need) {
  const T = twoDigits(need, 'up');
  return T <= PARAM_BY_KEY.get('T').max ? { label: `Use T = ${T}`, values: { T } } : null;
}

/** Split times of the Speciation Run: `n` log-spaced times from 0.4 t_S to min(2.5 t_S, T), bracketing t_S. */
export function speciationSplits(s, tS) {
  const lo = Math.max(0.4 * tS, s.tmin + (2 * (s.T - s.tmin)) / s.steps);
  const hi = Math.min(2.5 * tS, s.T);
  if (!(hi > 1.2 * tS && lo < 0.85 * tS)) {
    const need = 1.3 * tS;
    throw new FixableError(`The split times must bracket t_S = ${tS.toFixed(4)} inside (t_min, T]: raise the final time T (now ${s.T}) to at least ${need.toFixed(2)}.`, raiseT(need));
  }
  return logspace(lo, hi, s.mtimes).map(round6);
}

/** A Measured series of the plots ({t, value, se}) keeping only finite values. */
function series(t, value, se) {
  const out = { t: [], value: [], se: [] };
  for (let i = 0; i < t.length; i += 1) {
    if (Number.isFinite(t[i]) && Number.isFinite(value[i])) {
      out.t.push(t[i]);
      out.value.push(value[i]);
      out.se.push(Number.isFinite(se[i]) ? se[i] : 0);
    }
  }
  return out;
}

/** The words a menu shows for one of its values (the readout names a setting as its control does). */
function optionText(key, value) {
  return PARAM_BY_KEY.get(key).options.find(([v]) => v === value)?.[1] ?? value;
}

/** The binomial standard error of a fraction k / n, √(p(1 − p)/n). */
function binomialSe(k, n) {
  const p = k / n;
  return Math.sqrt((p * (1 - p)) / n);
}

/** A forward time as the readout prints it: up to 4 significant digits, no trailing zeros (0.001, 4, 0.25). */
function formatTime(t) {
  return String(Number(t.toPrecision(4)));
}

/** "x ± se" with 4 decimals, or the reason there is no number. */
function pm(x, se, none = 'not measured') {
  if (!Number.isFinite(x)) return none;
  return Number.isFinite(se) ? `${x.toFixed(4)} ± ${se.toFixed(4)}` : x.toFixed(4);
}

function staleNote(m) {
  return m.stale ? ' (stale: settings changed since the Run)' : '';
}

function speciationFigure(a, m) {
  const r = reportOf(a);
  if (!r.curve_phi) throw new FixableError('The cloning probability φ = F(s) is the two-class law (SCIENCE.md §7): choose two classes, or see the Collapse view.', TWO_CLASSES);
  const c = m && m.parts.cloning;
  return { curve_t: r.curve_t, curve_phi: r.curve_phi, marks: marksOf(a), measured: c ? series(c.grid_times, c.phi, c.phi_se) : null };
}

function collapseFigure(a, m) {
  const r = reportOf(a);
  const e = m && m.parts.entropy;
  const nn = m && m.parts.nearest_neighbour;
  return {
    curve_t: r.curve_t, curve_f: r.curve_f, alpha: r.alpha, marks: marksOf(a),
    measured: e ? series(e.times, e.crit, e.crit_se) : null,
    t_c_samples: nn ? nn.t_hat.filter(Number.isFinite) : null,
    memorized: nn ? nn.memorization.fraction : null,
  };
}

function theoryRequest(s) {
  return { kind: 'theory', config: theoryConfig(s, core.schema_version()) };
}

export const speciation = {
  key: 'speciation',
  title: 'Speciation',
  theory: true,
  usesTheory: true,
  hasCursor: false,
  canvasHeight: (w) => Math.max(320, Math.round((w * 420) / 800)),
  request: theoryRequest,
  /** The cloning experiment (§9.1) at split times bracketing the theory's t_S. */
  measure(s, ctx) {
    if (s.model !== 'two_class') throw new FixableError('The cloning law φ = F(s) is measured for two classes: choose "two classes ±μ".', TWO_CLASSES);
    const split_times = speciationSplits(s, theoryTs(ctx));
    const sampler = measureSampler(s, s.mpart, { positiveEnd: s.score === 'empirical' });
    return [{ name: 'cloning', config: measureConfig(s, sampler, { kind: 'cloning', split_times, method: s.mmethod }) }];
  },
  draw(canvas, a, theme, ratio, _t, m) {
    return core.draw_speciation(canvas, JSON.stringify(speciationFigure(a, m)), theme, ratio);
  },
  svg(a, theme, w, h, _t, m) {
    return core.svg_speciation(JSON.stringify(speciationFigure(a, m)), theme, w, h);
  },
  /** Theory rows (t, s, φ), then one row per measured split time (t = the grid time of the split). */
  table(a, _t, m) {
    const r = reportOf(a);
    const columns = ['t', 's', 'phi', 'phi_measured', 'phi_measured_se', 'same_class', 'pairs', 'split_time_requested'];
    const rows = r.curve_t.map((t, i) => [t, r.curve_s[i], r.curve_phi ? r.curve_phi[i] : '', '', '', '', '', '']);
    const c = m && m.parts.cloning;
    if (c) {
      c.grid_times.forEach((t, i) => rows.push([t, '', c.theory_phi ? c.theory_phi[i] : '', c.phi[i], c.phi_se[i], c.same_class[i], c.pairs, c.split_times[i]]));
    }
    return { columns, rows };
  },
  readout: theoryReadout,
  measuredReadout(m) {
    const c = m.parts.cloning;
    const x = c.measured_t_s;
    const note = staleNote(m);
    return [
      { key: 'm_t_s', label: `Measured t_S (φ̂ crosses F(1) = ${F_AT_ONE}) ± s.e.${note}`,
        text: x ? pm(x.t, x.se) : 'not bracketed by the split times (φ̂ does not cross F(1) between them)' },
      { key: 'm_pairs', label: `Clone pairs per split time (${optionText('mmethod', c.method)})${note}`, value: c.pairs, integer: true },
      { key: 'm_splits', label: 'Split times measured', value: c.grid_times.length, integer: true },
      { key: 'm_phi_se', label: 'Largest s.e. of φ̂ (binomial)', value: Math.max(...c.phi_se) },
    ];
  },
};

export const collapse = {
  key: 'collapse',
  title: 'Collapse',
  theory: true,
  usesTheory: true,
  hasCursor: false,
  // Taller than the others: after a Run the t̂_C histogram takes the lower 30 %.
  canvasHeight: (w) => Math.max(360, Math.round((w * 460) / 800)),
  request: theoryRequest,
  /**
   * The entropy estimator crit(t) (§9.2) at times log-spaced around the theory's t_C, then (mtraj > 0) generation
   * with the empirical score for the nearest-neighbour t̂_C of each trajectory and the memorization fraction
   * (§9.3, §9.5). Both use the empirical score of the n training points, whatever the Score control says.
   */
  measure(s, ctx) {
    if (!ctx.theory) throw theoryMissing(ctx);
    const tc = marksOf(ctx.theory).t_c;
    const times = Number.isFinite(tc) ? logspace(0.3 * tc, 3 * tc, s.mtimes) : logspace(0.05, Math.max(s.T, 0.1), s.mtimes);
    const out = [{ name: 'entropy',
      config: measureConfig(s, measureSampler(s, s.mpart, { score: 'empirical' }), { kind: 'entropy', times: times.map(round6) }) }];
    if (s.mtraj > 0) {
      const sampler = measureSampler(s, s.mtraj, { score: 'empirical', positiveEnd: true });
      if (sampler.start === 'exact') sampler.start = 'stationary'; // an exact start needs the analytic score
      out.push({ name: 'nearest_neighbour', config: measureConfig(s, sampler, { kind: 'nearest_neighbour' }) });
    }
    return out;
  },
  draw(canvas, a, theme, ratio, _t, m) {
    return core.draw_collapse(canvas, JSON.stringify(collapseFigure(a, m)), theme, ratio);
  },
  svg(a, theme, w, h, _t, m) {
    return core.svg_collapse(JSON.stringify(collapseFigure(a, m)), theme, w, h);
  },
  /** Theory rows (t, f, f/α), then the measured crit(t) rows, then one row per trajectory's t̂_C and d₁/d₂. */
  table(a, _t, m) {
    const r = reportOf(a);
    const columns = ['series', 't', 'f', 'f_over_alpha', 'crit_measured', 'crit_measured_se', 'crit_over_alpha', 'crit_over_alpha_se',
      't_hat_c', 'ratio_d1_d2'];
    const rows = r.curve_t.map((t, i) => ['theory', t, r.curve_f[i], r.curve_f[i] / r.alpha, '', '', '', '', '', '']);
    const e = m && m.parts.entropy;
    if (e) {
      e.times.forEach((t, i) => rows.push(['entropy', t, e.theory_f ? e.theory_f[i] : '', e.theory_f ? e.theory_f[i] / e.alpha : '',
        e.crit[i], e.crit_se[i], e.crit[i] / e.alpha, e.crit_se[i] / e.alpha, '', '']));
    }
    const nn = m && m.parts.nearest_neighbour;
    if (nn) nn.t_hat.forEach((t, i) => rows.push(['trajectory', '', '', '', '', '', '', '', t, nn.memorization.ratio[i]]));
    return { columns, rows };
  },
  readout: theoryReadout,
  measuredReadout(m) {
    const note = staleNote(m);
    const items = [];
    const e = m.parts.entropy;
    if (e) items.push({ key: 'm_entropy', label: `Entropy estimator: samples per time, times${note}`, text: `${e.samples} samples at ${e.times.length} times (largest s.e. of crit/α ${formatSe(Math.max(...e.crit_se) / e.alpha)})` });
    const nn = m.parts.nearest_neighbour;
    if (nn) {
      const k = nn.t_hat.length;
      items.push({ key: 'm_t_c_median', label: `Measured t̂_C, median of ${k} trajectories${note}`, value: nn.t_hat_median });
      items.push({ key: 'm_t_c_mean', label: 'Measured t̂_C, mean ± s.e.', text: pm(nn.t_hat_mean, nn.t_hat_se) });
      const f = nn.memorization;
      items.push({ key: 'm_memorized', label: `Memorized at t = ${f.t_end} (d₁/d₂ < 1/3), measured ± s.e.`, text: pm(f.fraction, f.fraction_se) });
    }
    return items;
  },
};

function formatSe(x) {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

function transitionsFigure(r, m) {
  const t = r.result.theory;
  const spec = SWEEPS[r.sweep];
  const w = m && m.parts.sweep;
  const num = (xs) => xs.map((x) => (x === null ? NaN : x));
  return {
    parameter: spec.label, values: t.values, t_s: t.t_s, roots: t.speciation_roots, t_c: t.t_c,
    manifold_t_c: r.result.manifold_t_c, current: r.current, log_x: spec.log,
    measured_t_s: w ? series(w.values, num(w.measured_t_s), num(w.measured_t_s_se)) : null,
    measured_t_c: w ? series(w.values, num(w.measured_t_c), num(w.measured_t_c_se)) : null,
  };
}

/** `k` indices spread evenly over 0..n−1 (first and last included). */
function spread(n, k) {
  const out = [];
  for (let i = 0; i < k; i += 1) {
    const j = Math.round((i * (n - 1)) / Math.max(1, k - 1));
    if (!out.includes(j)) out.push(j);
  }
  return out;
}

export const transitions = {
  key: 'transitions',
  title: 'Transition times',
  theory: true,
  hasCursor: false,
  canvasHeight: (w) => Math.max(260, Math.round((w * 420) / 800)),
  request(s) {
    return {
      kind: 'sweep',
      config: {
        sweep: { schema: core.schema_version(), scenario: scenarioConfig(s), parameter: s.sweep, values: sweepValues(s) },
        current: sweepCurrent(s),
      },
    };
  },
  /**
   * A measured sweep at `mvalues` of the theory sweep's values (spread over the range; for t_S only values with a
   * theory t_S, which places the split times): t_S by cloning at split factors from 0.5 to at most 2 (kept below T),
   * t_C as the mean nearest-neighbour t̂_C with the empirical score.
   */
  measure(s, ctx) {
    const r = ctx.sweep;
    if (!r || r.sweep !== s.sweep) throw new TheoryPending('The theory sweep is still being computed: Run again when its lines are drawn.');
    const t = r.result.theory;
    const measure = s.mquant === 'both' ? ['t_s', 't_c'] : [s.mquant];
    const wantTs = measure.includes('t_s');
    const candidates = t.values.map((_, i) => i).filter((i) => !wantTs || Number.isFinite(t.t_s[i]));
    if (!candidates.length) throw new Error('No swept value has a theory t_S to place the split times around.');
    const idx = spread(candidates.length, Math.min(s.mvalues, candidates.length)).map((j) => candidates[j]);
    const values = idx.map((i) => t.values[i]);
    const experiment = { kind: 'sweep', parameter: s.sweep, values, measure, method: s.mmethod };
    if (wantTs) {
      const top = Math.max(...idx.map((i) => t.t_s[i]));
      const fmax = Math.min(2, (0.999 * s.T) / top);
      if (!(fmax >= 1.25)) {
        const need = 1.3 * top;
        throw new FixableError(`The split times run from 0.5 to 2 × t_S (at least to 1.25 × t_S) and must stay below the final time T (now ${s.T}): at the ${values.length} measured values the largest theory t_S is ${top.toFixed(4)}, so raise T to at least ${need.toFixed(2)}.`, raiseT(need));
      }
      experiment.split_factors = logspace(0.5, fmax, s.mtimes).map(round6);
    }
    const particles = s.mquant === 't_c' ? Math.max(1, s.mtraj) : s.mpart;
    const sampler = measureSampler(s, particles, { score: wantTs ? s.score : 'empirical', positiveEnd: measure.includes('t_c') || s.score === 'empirical' });
    return [{ name: 'sweep', config: measureConfig(s, sampler, experiment) }];
  },
  draw(canvas, r, theme, ratio, _t, m) {
    core.draw_transitions(canvas, JSON.stringify(transitionsFigure(r, m)), theme, ratio);
    return null;
  },
  svg(r, theme, w, h, _t, m) {
    return core.svg_transitions(JSON.stringify(transitionsFigure(r, m)), theme, w, h);
  },
  /** Theory rows (one per swept value), then one row per measured value. */
  table(r, _t, m) {
    const t = r.result.theory;
    const rows = t.values.map((v, i) => ['theory', v, t.t_s[i] ?? '', t.t_c[i] ?? '', r.result.manifold_t_c[i] ?? '',
      t.speciation_roots[i].join(' '), t.spectral_gap[i] ?? '', '', '', '', '']);
    const w = m && m.parts.sweep;
    if (w) {
      w.values.forEach((v, i) => rows.push(['measured', v, w.theory_t_s[i] ?? '', w.theory_t_c[i] ?? '', '', '', '',
        w.measured_t_s[i] ?? '', w.measured_t_s_se[i] ?? '', w.measured_t_c[i] ?? '', w.measured_t_c_se[i] ?? '']));
    }
    return { columns: ['series', r.sweep, 't_s', 't_c', 'manifold_t_c', 'all_speciation_roots', 'spectral_gap',
      't_s_measured', 't_s_measured_se', 't_c_measured', 't_c_measured_se'], rows };
  },
  /** Said above the plot: swept values the core refused or that have no transition (else a sweep over values the
   * parameter cannot take draws empty axes without a word). */
  note(r) {
    const t = r.result.theory;
    const blank = t.values.map((_, i) => i).filter((i) => t.t_s[i] == null && t.t_c[i] == null);
    if (!blank.length) return ''; // a missing t_S alone (m̃ = 0: no classes) is physics, said in the readout
    const first = t.messages.find((m) => m.index === blank[0]);
    return `${blank.length} of ${t.values.length} swept values have neither t_S nor t_C${blank.length === t.values.length
      ? ', so the plot is empty' : ''}${first ? `; first: ${first.message}` : ''}.`;
  },
  readout(r) {
    const t = r.result.theory;
    const items = [{ key: 'sweep_points', label: `Sweep points (${SWEEPS[r.sweep].label})`, value: t.values.length, integer: true }];
    if (t.messages.length) items.push({ key: 'sweep_notes', label: 'Sweep notes', text: `${t.messages.length} value(s) without a transition or refused; first: ${t.messages[0].message}` });
    return items;
  },
  measuredReadout(m) {
    const w = m.parts.sweep;
    const note = staleNote(m);
    const name = SWEEPS[w.parameter] ? w.parameter : 'value';
    const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));
    const items = [];
    const list = (xs, ses) => w.values.map((v, i) => `${name} = ${fmt(v)}: ${pm(xs[i] ?? NaN, ses[i] ?? NaN, '—')}`).join('; ');
    if (w.measured_t_s.some((x) => x !== null)) items.push({ key: 'm_sweep_t_s', label: `Measured t_S ± s.e.${note}`, text: list(w.measured_t_s, w.measured_t_s_se) });
    if (w.measured_t_c.some((x) => x !== null)) items.push({ key: 'm_sweep_t_c', label: `Measured t̂_C (mean) ± s.e.${note}`, text: list(w.measured_t_c, w.measured_t_c_se) });
    if (!items.length) items.push({ key: 'm_sweep_none', label: `Measured transition times${note}`, text: 'none measured' });
    if (w.messages.length) items.push({ key: 'm_sweep_notes', label: 'Measurement notes', text: w.messages.map((x) => `${name} = ${fmt(x.value)}: ${x.message}`).join(' ') });
    return items;
  },
};

export const relaxation = {
  key: 'relaxation',
  title: 'Relaxation',
  theory: true,
  hasCursor: false,
  canvasHeight: (w) => (w >= 640 ? Math.max(300, Math.round(w / 2.6)) : 3 * Math.max(240, Math.round(w * 0.72))),
  request(s) {
    const process = processConfig(s);
    return {
      kind: 'relaxation',
      config: {
        report: { schema: core.schema_version(), process, t_max: 5, points: normCurvePoints(s.d) },
        sweep: sweepSpec(s),
      },
    };
  },
  draw(canvas, r, theme, ratio) {
    core.draw_relaxation(canvas, JSON.stringify(r.report), JSON.stringify(r.sweep), theme, ratio);
    return null;
  },
  svg(r, theme, w, h) {
    return core.svg_relaxation(JSON.stringify(r.report), JSON.stringify(r.sweep), theme, w, h);
  },
  table(r) {
    const rows = [
      ['gap', '', r.report.gap],
      ['bound_tau', '', r.report.bound],
      ['u_min', '', r.report.u_min],
      ['a_norm', '', r.report.a_norm],
    ];
    for (let i = 0; i < r.report.eig_re.length; i += 1) rows.push(['eigenvalue', r.report.eig_re[i], r.report.eig_im[i]]);
    for (let i = 0; i < r.report.times.length; i += 1) {
      rows.push(['propagator_norm', r.report.times[i], r.report.propagator_norm[i]]);
    }
    for (let i = 0; i < r.sweep.strengths.length; i += 1) rows.push(['gap_sweep', r.sweep.strengths[i], r.sweep.gaps[i]]);
    return { columns: ['series', 'x', 'y'], rows };
  },
  readout(r) {
    const { gap, bound, u_min: umin, a_norm: anorm } = r.report;
    return [
      { key: 'gap', label: 'Spectral gap g = min Re λ(A)', value: gap, replaces: 'spectral_gap' },
      { key: 'bound', label: 'Bound τ = Tr U / d', value: bound, replaces: 'trace_bound' },
      { key: 'u_min', label: 'Reversible gap u_min', value: umin, replaces: 'u_min_theory' },
      { key: 'gain', label: 'Gain g / u_min', value: gap / umin },
      { key: 'a_norm', label: 'Stiffness ‖A‖₂', value: anorm },
    ];
  },
};

export const VIEW_IMPLS = { trajectories, particles, speciation, collapse, transitions, forward, relaxation };
