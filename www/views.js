// The views: what each one asks the worker for, how it draws (always the Rust plotting code, on a canvas or the SVG
// backend), and its data exports. A view object:
//   key, title, canvasHeight(cssWidth)  sizing of its canvas
//   theory                              true: recomputed as controls move; false: waits for an explicit Run
//   request(state)                      -> {kind, config} for the worker (throws a readable Error if not possible)
//   draw(canvas, data, theme, ratio)    -> the plot frame (for overlays) or null
//   svg(data, theme, w, h)              -> SVG string
//   table(data)                         -> {columns, rows} for CSV
//   readout(data)                       -> [{key, label, value, integer?}] numbers for the readout
import * as core from './pkg/diffusion_regimes.js';
import { dataConfig, processConfig } from './params.js';

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

/** The family of designs swept for the gap curve, and where the current design sits on it. */
function sweepSpec(s) {
  switch (s.drift) {
    case 'plane': {
      const top = Math.max(4, 2 * Math.abs(s.q));
      return { parameter: 'q (plane rotation strength)', key: 'q', design: { design: 'plane' },
        strengths: linspace(0, top, SWEEP_POINTS), current: s.q };
    }
    case 'random': {
      const top = Math.max(10, 2 * s.qnorm);
      return { parameter: '‖Q‖_F (random design)', key: 'norm', design: { design: 'random', seed: s.qseed },
        strengths: linspace(0, top, SWEEP_POINTS), current: s.qnorm };
    }
    case 'scaled': {
      const top = Math.max(2, 2 * Math.abs(s.gamma));
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
    return {
      kind: 'forward',
      config: { schema: core.schema_version(), process: processConfig(s), data: dataConfig(s), t_max: s.T,
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

export const trajectories = {
  key: 'trajectories',
  title: 'Trajectories',
  theory: false,
  hasCursor: true,
  canvasHeight: (w) => Math.max(260, Math.round((w * 420) / 800)),
  request(s) {
    return {
      kind: 'trajectories',
      config: { schema: core.schema_version(), process: processConfig(s), data: dataConfig(s), t_max: s.T,
        steps: s.steps, particles: s.particles, seed: s.seed, integrator: s.integrator },
    };
  },
  draw(canvas, r, theme, ratio) {
    return core.draw_trajectories(canvas, r.times, r.projections, r.labels, theme, ratio);
  },
  svg(r, theme, w, h) {
    return core.svg_trajectories(r.times, r.projections, r.labels, theme, w, h);
  },
  table(r) {
    const n = r.times.length;
    const particles = r.labels.length;
    const columns = ['t'];
    for (let p = 0; p < particles; p += 1) columns.push(`path_${p}_class_${r.labels[p] > 0 ? 'plus' : 'minus'}`);
    const rows = [];
    for (let k = 0; k < n; k += 1) {
      const row = [r.times[k]];
      for (let p = 0; p < particles; p += 1) row.push(r.projections[p * n + k]);
      rows.push(row);
    }
    return { columns, rows };
  },
  readout(r) {
    let plus = 0;
    for (const l of r.labels) if (l > 0) plus += 1;
    return [
      { key: 'generated', label: 'Generated samples', value: r.labels.length, integer: true },
      { key: 'class_plus_fraction', label: 'Fraction ending in class +1', value: plus / r.labels.length },
    ];
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
      { key: 'gap', label: 'Spectral gap g = min Re λ(A)', value: gap },
      { key: 'bound', label: 'Bound τ = Tr U / d', value: bound },
      { key: 'u_min', label: 'Reversible gap u_min', value: umin },
      { key: 'gain', label: 'Gain g / u_min', value: gap / umin },
      { key: 'a_norm', label: 'Stiffness ‖A‖₂', value: anorm },
    ];
  },
};

export const VIEW_IMPLS = { trajectories, forward, relaxation };
