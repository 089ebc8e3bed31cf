// The page's parameters: one table that drives the controls, the URL state and the configs sent to the core.
//
// Every entry says how a raw string (from a control or the URL) becomes a value, and what is allowed. The core
// validates again (it is the authority); these checks only let the page refuse a value next to its control before
// anything runs, with the allowed range in words. Nothing here touches the DOM, so it is the same code for the
// controls, the URL and the embed element.
//
// URL format (version URL_VERSION): ?v=1&view=relaxation&preset=…&d=16&U=log_spaced&kappa=100…
// Only values that differ from the baseline (the defaults, overridden by the preset when there is one) are written.

/** Version of the URL format; bumped when a key changes meaning. */
export const URL_VERSION = 1;

/** Largest integer a URL or control may carry for a seed (exact in a JS number). */
const MAX_SEED = Number.MAX_SAFE_INTEGER;

/**
 * Largest dimension the page accepts. The core accepts 4096; the page's views recompute on every control change,
 * and the relaxation view's ‖E_t‖₂ curve costs one d×d matrix exponential per point, so the page stops at 512.
 */
export const PAGE_MAX_DIM = 512;

/** Views, in tab order. Only views whose core exists are listed (a view without its core is absent, not faked). */
export const VIEWS = [
  { key: 'trajectories', title: 'Trajectories' },
  { key: 'particles', title: 'Particles' },
  { key: 'speciation', title: 'Speciation' },
  { key: 'collapse', title: 'Collapse' },
  { key: 'transitions', title: 'Transition times' },
  { key: 'forward', title: 'Forward process' },
  { key: 'relaxation', title: 'Relaxation' },
];

/** The parameters a Transition-times sweep can vary: [value, label, default range, logarithmic axis]. */
export const SWEEPS = {
  gamma: { label: 'γ (Q = γ·Q_opt)', range: [0, 2], log: false },
  q: { label: 'q (plane rotation)', range: [0, 4], log: false },
  kappa: { label: 'κ (condition number of U)', range: [1, 1000], log: true },
  alpha: { label: 'α = ln n / d', range: [0.02, 0.3], log: false },
  n: { label: 'n (training points)', range: [100, 100000], log: true },
  d: { label: 'd (dimension)', range: [8, 256], log: false },
  beta: { label: 'β = p / d (manifold)', range: [0.1, 1], log: false },
  m_tilde: { label: 'm̃ = |μ| / √d', range: [0.2, 2], log: false },
  sigma: { label: 'σ (within-class s.d.)', range: [0.2, 2], log: false },
};

/** Parameter groups, in display order. */
export const GROUPS = [
  { key: 'process', title: 'Forward process' },
  { key: 'drift', title: 'Non-reversible drift Q' },
  { key: 'data', title: 'Data' },
  { key: 'run', title: 'Simulation (generation)' },
  { key: 'view', title: 'View settings' },
  { key: 'measure', title: 'Measurements (Run in Speciation, Collapse, Transition times)' },
];

/**
 * The parameters. Fields:
 *   key      URL key and control name
 *   group    one of GROUPS
 *   label    the control's label; unit: shown after it
 *   kind     'int' | 'num' | 'enum' | 'list' (comma-separated positive numbers) | 'optint' (empty allowed)
 *   min, max allowed range (inclusive unless openMin)
 *   def      default
 *   options  for 'enum': [[value, label], ...]
 *   show     (state) => boolean: whether the control applies to the current state
 *   core     the parameter names the core uses in its error messages (to place them next to this control)
 *   theory   true when changing it recomputes the theory views at once (the rest wait for Run)
 */
export const PARAMS = [
  { key: 'd', group: 'process', label: 'Dimension d', kind: 'int', min: 1, max: PAGE_MAX_DIM, def: 64,
    core: ['d', 'precision.values'], theory: true },
  { key: 'U', group: 'process', label: 'Precision U', kind: 'enum', def: 'identity', theory: true,
    options: [['identity', 'c·I (isotropic)'], ['log_spaced', 'log-spaced, condition κ'], ['diagonal', 'diagonal values']] },
  { key: 'c', group: 'process', label: 'Scale c of U = c·I', kind: 'num', min: 0, openMin: true, max: 1e6, def: 1,
    show: (s) => s.U === 'identity', core: ['precision.scale'], theory: true },
  { key: 'kappa', group: 'process', label: 'Condition number κ = u_max/u_min', kind: 'num', min: 1, max: 1e10, def: 100,
    show: (s) => s.U === 'log_spaced', core: ['precision.kappa', 'condition number of U'], theory: true },
  { key: 'ubasis', group: 'process', label: 'Random basis seed of U (empty: diagonal)', kind: 'optint', min: 0,
    max: MAX_SEED, def: null, show: (s) => s.U === 'log_spaced', theory: true },
  { key: 'uvals', group: 'process', label: 'Eigenvalues of U (comma-separated, d values)', kind: 'list', min: 0,
    openMin: true, max: 1e6, def: '1,4', show: (s) => s.U === 'diagonal', core: ['precision.values'], theory: true },
  { key: 'drift', group: 'drift', label: 'Design', kind: 'enum', def: 'none', theory: true,
    options: [['none', 'none (Q = 0, reversible)'], ['optimal', 'optimal Q_opt (LNP)'], ['scaled', 'scaled γ·Q_opt'],
      ['plane', 'plane rotation (slowest, fastest)'], ['random', 'random, given ‖Q‖_F']] },
  { key: 'gamma', group: 'drift', label: 'Scale γ', kind: 'num', min: -1000, max: 1000, def: 1,
    show: (s) => s.drift === 'scaled', core: ['drift.gamma'], theory: true },
  { key: 'q', group: 'drift', label: 'Strength q', kind: 'num', min: -1000, max: 1000, def: 1,
    show: (s) => s.drift === 'plane', core: ['drift.q'], theory: true },
  { key: 'qnorm', group: 'drift', label: 'Frobenius norm ‖Q‖_F', kind: 'num', min: 0, max: 1000, def: 5,
    show: (s) => s.drift === 'random', core: ['drift.norm'], theory: true },
  { key: 'qseed', group: 'drift', label: 'Seed of Q', kind: 'int', min: 0, max: MAX_SEED, def: 1,
    show: (s) => s.drift === 'random', theory: true },
  { key: 'model', group: 'data', label: 'Data model', kind: 'enum', def: 'two_class', theory: true,
    options: [['two_class', 'two classes ±μ (Biroli)'], ['k_class', 'k classes'], ['manifold', 'manifold (GVM)']] },
  { key: 'k', group: 'data', label: 'Number of classes k', kind: 'int', min: 2, max: 64, def: 3,
    show: (s) => s.model === 'k_class', core: ['data.k'], theory: true },
  { key: 'sigma', group: 'data', label: 'Within-class s.d. σ', kind: 'num', min: 0, max: 1000, def: 1,
    show: (s) => s.model !== 'manifold', core: ['data.sigma'], theory: true },
  { key: 'mt', group: 'data', label: 'Mean size m̃ = |μ|/√d', kind: 'num', min: 0, max: 1000, def: 1,
    core: ['data.m_tilde'], theory: true },
  { key: 'dir', group: 'data', label: 'Direction of μ', kind: 'enum', def: 'ones', theory: true,
    show: (s) => s.model === 'two_class',
    options: [['ones', 'all-ones'], ['slowest', 'slowest eigenvector of U'], ['fastest', 'fastest eigenvector of U'],
      ['random', 'random (seeded)']] },
  { key: 'dirseed', group: 'data', label: 'Seed of the direction', kind: 'int', min: 0, max: MAX_SEED, def: 1,
    show: (s) => s.model === 'two_class' && s.dir === 'random', theory: true },
  { key: 'beta', group: 'data', label: 'Manifold fraction β = p/d', kind: 'num', min: 0, openMin: true, max: 1, def: 0.5,
    show: (s) => s.model === 'manifold', core: ['data.beta'], theory: true },
  { key: 'phi', group: 'data', label: 'Nonlinearity φ', kind: 'enum', def: 'identity', theory: true,
    show: (s) => s.model === 'manifold',
    options: [['identity', 'identity (a linear manifold)'], ['tanh', 'tanh'], ['relu', 'ReLU'], ['sign', 'sign']] },
  { key: 'embedding', group: 'data', label: 'Embedding F', kind: 'enum', def: 'orthonormal', theory: true,
    show: (s) => s.model === 'manifold',
    options: [['orthonormal', 'orthonormal (unit variance on a p-dim subspace)'], ['gaussian', 'gaussian i.i.d. N(0, 1) (GLM)']] },
  { key: 'dseed', group: 'data', label: 'Seed of the class directions / embedding', kind: 'int', min: 0, max: MAX_SEED,
    def: 0, show: (s) => s.model !== 'two_class', theory: true },
  { key: 'n', group: 'data', label: 'Training points n (α = ln n / d)', kind: 'int', min: 2, max: 200000, def: 1000,
    core: ['n', 'n (training points)'], theory: true },
  { key: 'score', group: 'run', label: 'Score', kind: 'enum', def: 'analytic',
    options: [['analytic', 'exact score of the model (generalizes)'], ['empirical', 'empirical score of the n points (memorizes)']],
    core: ['sampler.score'] },
  { key: 'T', group: 'run', label: 'Final time T', kind: 'num', min: 1e-10, max: 100, def: 4,
    core: ['T', 't_max', 'grid.t_max'] },
  { key: 'tmin', group: 'run', label: 'End time t_min of generation', kind: 'num', min: 0, max: 1, def: 0,
    core: ['t_min', 'grid.t_min'] },
  { key: 'grid', group: 'run', label: 'Time grid', kind: 'enum', def: 'uniform',
    options: [['uniform', 'uniform in t'], ['refined', 'refined towards t = 0 (uniform in ln t below 1; needs t_min > 0)']],
    core: ['grid.kind'] },
  { key: 'steps', group: 'run', label: 'Time steps', kind: 'int', min: 1, max: 2000, def: 200, core: ['steps'] },
  { key: 'particles', group: 'run', label: 'Trajectories (particles)', kind: 'int', min: 1, max: 2000, def: 60,
    core: ['particles', 'sampler.particles', 'sampler.particles (page)'] },
  { key: 'integrator', group: 'run', label: 'Integrator (generation)', kind: 'enum', def: 'euler_maruyama',
    core: ['sampler.integrator'],
    options: [['euler_maruyama', 'Euler–Maruyama (reverse SDE)'], ['exponential', 'exponential (reverse SDE)'],
      ['flow_euler', 'Euler (probability flow ODE)'], ['flow_exponential', 'exponential (probability flow ODE)']] },
  { key: 'start', group: 'run', label: 'Start at t = T', kind: 'enum', def: 'stationary',
    options: [['stationary', 'stationary law N(0, U⁻¹)'], ['exact', 'exactly from p_T (analytic score)']] },
  { key: 'seed', group: 'run', label: 'Seed', kind: 'int', min: 0, max: MAX_SEED, def: 1, core: ['seed'] },
  { key: 'axes', group: 'view', label: 'Particles: projection plane', kind: 'enum', def: 'class',
    options: [['class', 'class axis and top remaining principal direction'], ['coordinates', 'two coordinates']] },
  { key: 'cx', group: 'view', label: 'Particles: horizontal coordinate (1…d)', kind: 'int', min: 1, max: PAGE_MAX_DIM,
    def: 1, show: (s) => s.axes === 'coordinates', core: ['axes.x'] },
  { key: 'cy', group: 'view', label: 'Particles: vertical coordinate (1…d)', kind: 'int', min: 1, max: PAGE_MAX_DIM,
    def: 2, show: (s) => s.axes === 'coordinates', core: ['axes.y'] },
  { key: 'sweep', group: 'view', label: 'Transition times: swept parameter', kind: 'enum', def: 'gamma', theory: true,
    options: Object.entries(SWEEPS).map(([k, v]) => [k, v.label]) },
  { key: 'sfrom', group: 'view', label: 'Transition times: from', kind: 'num', min: -1000, max: 1e6, def: 0, theory: true,
    core: ['values'] },
  { key: 'sto', group: 'view', label: 'Transition times: to', kind: 'num', min: -1000, max: 1e6, def: 2, theory: true },
  { key: 'spoints', group: 'view', label: 'Transition times: points', kind: 'int', min: 2, max: 128, def: 24,
    theory: true },
  // The measurements (SCIENCE.md §9) run on an explicit Run of the Speciation, Collapse and Transition-times views.
  // They use the scenario and the Simulation group (T, t_min, grid, steps, integrator, start, seed) and these counts.
  { key: 'mpart', group: 'measure', label: 'Monte Carlo count (clone pairs, estimator samples)', kind: 'int', min: 10,
    max: 100000, def: 400, core: ['sampler.particles'] },
  { key: 'mtimes', group: 'measure', label: 'Measured times (split times, estimator times)', kind: 'int', min: 3,
    max: 40, def: 9, core: ['number of experiment.split_times', 'number of experiment.times'] },
  { key: 'mmethod', group: 'measure', label: 'Cloning: how the copies start at the split time', kind: 'enum',
    def: 'shortcut', options: [['shortcut', 'exact samples of p_t (fast)'], ['full', 'full generation from T, then fork']] },
  { key: 'mtraj', group: 'measure', label: 'Collapse: trajectories for t̂_C and memorization (0: none)', kind: 'int',
    min: 0, max: 2000, def: 32 },
  { key: 'mquant', group: 'measure', label: 'Transition times: measure', kind: 'enum', def: 't_s',
    options: [['t_s', 't_S (cloning)'], ['t_c', 't_C (mean t̂_C, empirical score)'], ['both', 't_S and t_C']] },
  { key: 'mvalues', group: 'measure', label: 'Transition times: measured values', kind: 'int', min: 2, max: 16, def: 5,
    core: ['number of experiment.values'] },
];

export const PARAM_BY_KEY = new Map(PARAMS.map((p) => [p.key, p]));

/** Keys of the page state that are not parameters. */
export const THEMES = ['auto', 'light', 'dark'];

/** The allowed range of a numeric parameter, in words. */
export function allowed(p) {
  const lo = p.openMin ? `(${p.min}` : `[${p.min}`;
  switch (p.kind) {
    case 'int': return p.max === MAX_SEED ? 'an integer ≥ 0 (at most 2^53 − 1)' : `an integer in [${p.min}, ${p.max}]`;
    case 'optint': return p.max === MAX_SEED ? 'empty or an integer ≥ 0 (at most 2^53 − 1)' : `empty or an integer in [${p.min}, ${p.max}]`;
    case 'num': return `a number in ${lo}, ${p.max}]`;
    case 'list': return `comma-separated numbers in ${lo}, ${p.max}], one per dimension`;
    case 'enum': return `one of ${p.options.map(([v]) => v).join(', ')}`;
    default: return 'a valid value';
  }
}

function inRange(p, x) {
  return Number.isFinite(x) && (p.openMin ? x > p.min : x >= p.min) && x <= p.max;
}

/** A strict number parser: decimal or exponent notation, nothing else (no hex, no empty string, no "Infinity"). */
function parseNumber(raw) {
  const s = String(raw).trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return NaN;
  return Number(s);
}

/**
 * Parses one raw string for parameter `p`. Returns {ok: true, value} or {ok: false, error} where error says what
 * was expected. Lists are normalized to "a,b,c" strings.
 */
export function parseValue(p, raw) {
  const bad = () => ({ ok: false, error: `expected ${allowed(p)}, got "${String(raw).slice(0, 40)}"` });
  if (typeof raw !== 'string') return bad();
  switch (p.kind) {
    case 'enum':
      return p.options.some(([v]) => v === raw) ? { ok: true, value: raw } : bad();
    case 'optint':
      if (raw.trim() === '') return { ok: true, value: null };
    // falls through
    case 'int': {
      const x = parseNumber(raw);
      return Number.isInteger(x) && inRange(p, x) ? { ok: true, value: x } : bad();
    }
    case 'num': {
      const x = parseNumber(raw);
      return inRange(p, x) ? { ok: true, value: x } : bad();
    }
    case 'list': {
      const parts = raw.split(',').map((s) => s.trim());
      if (parts.length === 0 || parts.length > PAGE_MAX_DIM) return bad();
      const xs = parts.map(parseNumber);
      return xs.every((x) => inRange(p, x)) ? { ok: true, value: xs.join(',') } : bad();
    }
    default:
      return bad();
  }
}

/** The value of `p` as a string for a control or the URL. */
export function formatValue(p, value) {
  return value === null || value === undefined ? '' : String(value);
}

/**
 * One-click fixes offered beside a control's error, when `applies` holds for the values in the controls: the
 * button sets `values` (each a valid value of its control). t_min = 0 is refused by the empirical score (stiff at
 * t = 0, SCIENCE.md §5) and by the refined grid (uniform in ln t); SCIENCE.md §6 pairs the empirical score with a
 * grid refined towards a positive t_min, and the "Memorization you can see" preset uses t_min = 0.001.
 */
export const FIXES = [
  {
    key: 'tmin',
    applies: (s) => !(s.tmin > 0) && (s.score === 'empirical' || s.grid === 'refined'),
    label: 'Use t_min = 0.001 on the refined grid',
    values: { tmin: 0.001, grid: 'refined' },
  },
];

/** `v` (> 0) rounded to two significant digits, `'up'` or `'down'` (1234 → 1300 or 1200; 2.7027 → 2.8 or 2.7). */
export function twoDigits(v, direction) {
  const unit = 10 ** (Math.floor(Math.log10(v)) - 1);
  const k = direction === 'up' ? Math.ceil(v / unit - 1e-9) : Math.floor(v / unit + 1e-9);
  return Number((k * unit).toPrecision(12));
}

/** The control of each swept parameter that has one (α = ln n / d has none: any positive range is computable). */
const SWEPT_CONTROL = { gamma: 'gamma', q: 'q', kappa: 'kappa', n: 'n', d: 'd', beta: 'beta', m_tilde: 'mt', sigma: 'sigma' };

/** Checks across parameters (each reported next to one control). Returns [{key, error}]. */
export function crossCheck(state) {
  const errors = [];
  if (state.U === 'diagonal') {
    const n = String(state.uvals).split(',').length;
    if (n !== state.d) errors.push({ key: 'uvals', error: `expected d = ${state.d} values, got ${n}` });
  }
  if (state.grid === 'refined' && !(state.tmin > 0)) {
    errors.push({ key: 'tmin', error: 'the refined grid needs t_min > 0 (it is uniform in ln t)' });
  }
  if (state.tmin >= state.T) errors.push({ key: 'tmin', error: `expected t_min < T = ${state.T}` });
  if (state.sto <= state.sfrom) errors.push({ key: 'sto', error: `expected a value above "from" (${state.sfrom})` });
  // The swept range must lie in the swept parameter's own range (else the core refuses the sweep's values, and its
  // message would name that parameter's control rather than the range).
  const swept = PARAM_BY_KEY.get(SWEPT_CONTROL[state.sweep]);
  if (swept) {
    for (const key of ['sfrom', 'sto']) {
      if (!inRange(swept, state[key])) errors.push({ key, error: `outside the range of ${swept.label}: ${allowed(swept)}` });
    }
  }
  if (state.axes === 'coordinates') {
    for (const key of ['cx', 'cy']) {
      if (state[key] > state.d) errors.push({ key, error: `expected a coordinate in [1, d = ${state.d}]` });
    }
  }
  if (SWEEPS[state.sweep]?.log && !(state.sfrom > 0)) {
    errors.push({ key: 'sfrom', error: `expected a value > 0 (${SWEEPS[state.sweep].label} is on a logarithmic axis)` });
  }
  return errors;
}

/** The default state (every parameter at its default). */
export function defaults() {
  return Object.fromEntries(PARAMS.map((p) => [p.key, p.def]));
}

/**
 * Reads a URL query into a state. Unknown keys and values that do not parse are ignored one by one and listed in
 * `notices` (for the visible notice). `presets` is the preset table (key -> {params}).
 * Returns {state, view, preset, theme, embed, origin, workers, notices}.
 */
/** Largest simulation pool a `workers=N` link may ask for. */
export const MAX_WORKERS = 16;

export function fromQuery(search, presets) {
  const q = new URLSearchParams(search);
  const notices = [];
  const out = { view: VIEWS[0].key, preset: null, theme: 'auto', embed: null, origin: null, workers: null, notices };
  const v = q.get('v');
  if (v !== null && v !== String(URL_VERSION)) {
    notices.push(`link format version ${JSON.stringify(v.slice(0, 10))} is not ${URL_VERSION}; parameters were read as version ${URL_VERSION}`);
  }
  const preset = q.get('preset');
  if (preset !== null) {
    if (Object.hasOwn(presets, preset)) out.preset = preset;
    else notices.push(`unknown preset ${JSON.stringify(preset.slice(0, 40))} ignored`);
  }
  if (out.preset) out.view = presets[out.preset].view;
  const state = baseline(out.preset, presets);
  const viewKeys = VIEWS.map((x) => x.key);
  // A key given twice: the last value counts (the first for v and preset, read with get), and the notice says so.
  const seen = new Set();
  const repeated = new Set();
  for (const [key] of q) {
    if (seen.has(key) && !repeated.has(key)) {
      repeated.add(key);
      const which = key === 'v' || key === 'preset' ? 'first' : 'last';
      notices.push(`${JSON.stringify(key.slice(0, 40))} given more than once; the ${which} value is used`);
    }
    seen.add(key);
  }
  for (const [key, raw] of q) {
    if (key === 'v' || key === 'preset') continue;
    if (key === 'view' || key === 'embed') {
      if (viewKeys.includes(raw)) out[key] = raw;
      else notices.push(`${key}: unknown view ${JSON.stringify(raw.slice(0, 40))} ignored (expected one of ${viewKeys.join(', ')})`);
      continue;
    }
    if (key === 'theme') {
      if (THEMES.includes(raw)) out.theme = raw;
      else notices.push(`theme: ${JSON.stringify(raw.slice(0, 40))} ignored (expected auto, light or dark)`);
      continue;
    }
    if (key === 'workers') {
      // A debug override of the simulation pool's size (www/client.js PoolClient), read once at load; not kept in links.
      const n = Number(raw);
      if (Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS) out.workers = n;
      else notices.push(`workers: ${JSON.stringify(raw.slice(0, 10))} ignored (expected an integer from 1 to ${MAX_WORKERS})`);
      continue;
    }
    if (key === 'origin') {
      out.origin = parseOrigin(raw);
      if (!out.origin) notices.push('origin: not an http(s) origin, ignored');
      continue;
    }
    const p = PARAM_BY_KEY.get(key);
    if (!p) {
      notices.push(`unknown parameter ${JSON.stringify(key.slice(0, 40))} ignored`);
      continue;
    }
    const r = parseValue(p, raw);
    if (r.ok) state[key] = r.value;
    else notices.push(`${p.label}: ${r.error}; kept ${formatValue(p, state[key]) || 'empty'}`);
  }
  if (out.embed) out.view = out.embed;
  // A link that names a sweep over d or over a log-scaled parameter without its range gets that sweep's range: the
  // default range (0 to 2, γ's) cannot be swept there (values of d below 1; 0 on a log axis), so no working link
  // changes meaning.
  const swept = SWEEPS[state.sweep];
  if (q.has('sweep') && !q.has('sfrom') && !q.has('sto') && swept && (swept.log || state.sweep === 'd')) {
    [state.sfrom, state.sto] = swept.range;
  }
  for (const { key, error } of crossCheck(state)) {
    const p = PARAM_BY_KEY.get(key);
    notices.push(`${p.label}: ${error}; kept the default`);
    state[key] = p.def;
    if (key === 'uvals') state.U = PARAM_BY_KEY.get('U').def;
    if (key === 'tmin') state.grid = PARAM_BY_KEY.get('grid').def;
    if (key === 'sto' || key === 'sfrom') Object.assign(state, { sfrom: 0, sto: 2, sweep: 'gamma' });
    if (key === 'cx' || key === 'cy') state[key] = Math.min(p.def, state.d);
  }
  out.state = state;
  return out;
}

/** An origin ("http://host:port") from a string, or null. */
export function parseOrigin(raw) {
  try {
    const u = new URL(raw);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.origin === raw) return u.origin;
  } catch {
    // not a URL
  }
  return null;
}

/** The defaults overridden by the preset's parameters. */
export function baseline(preset, presets) {
  const state = defaults();
  if (preset && Object.hasOwn(presets, preset)) Object.assign(state, presets[preset].params);
  return state;
}

/** The query string of a state (values equal to the baseline are omitted). */
export function toQuery({ state, view, preset, theme, embed }, presets) {
  const q = new URLSearchParams();
  q.set('v', String(URL_VERSION));
  if (embed) q.set('embed', embed);
  else if (view && view !== (preset ? presets[preset].view : VIEWS[0].key)) q.set('view', view);
  if (preset) q.set('preset', preset);
  if (theme && theme !== 'auto') q.set('theme', theme);
  const base = baseline(preset, presets);
  for (const p of PARAMS) {
    if (state[p.key] !== base[p.key]) q.set(p.key, formatValue(p, state[p.key]));
  }
  return q.toString();
}

/** The process config (ProcessConfig of src/config/process.rs) of a state. */
export function processConfig(s) {
  let precision;
  if (s.U === 'identity') precision = { kind: 'identity', scale: s.c };
  else if (s.U === 'log_spaced') {
    precision = { kind: 'log_spaced', kappa: s.kappa };
    if (s.ubasis !== null) precision.basis_seed = s.ubasis;
  } else precision = { kind: 'diagonal', values: String(s.uvals).split(',').map(Number) };
  return { d: s.d, precision, drift: driftConfig(s) };
}

/** The drift design (Design of src/drift.rs) of a state. */
export function driftConfig(s) {
  switch (s.drift) {
    case 'optimal': return { design: 'optimal' };
    case 'scaled': return { design: 'scaled', gamma: s.gamma };
    case 'plane': return { design: 'plane', q: s.q };
    case 'random': return { design: 'random', norm: s.qnorm, seed: s.qseed };
    default: return { design: 'none' };
  }
}

/** The two-class data config (TwoClassConfig, untagged: the forward view's). */
export function twoClassConfig(s) {
  const direction = s.dir === 'random' ? { kind: 'random', seed: s.dirseed } : { kind: s.dir };
  return { sigma: s.sigma, m_tilde: s.mt, direction };
}

/** The data model (DataConfig of src/config/data.rs, tagged by "model") of a state. */
export function dataConfig(s) {
  switch (s.model) {
    case 'k_class': return { model: 'k_class', k: s.k, sigma: s.sigma, m_tilde: s.mt, seed: s.dseed };
    case 'manifold':
      return { model: 'manifold', beta: s.beta, m_tilde: s.mt, phi: s.phi, embedding: s.embedding, seed: s.dseed };
    default: return { model: 'two_class', ...twoClassConfig(s) };
  }
}

/** The scenario (ScenarioConfig) of a state: process, data, n. */
export function scenarioConfig(s) {
  return { process: processConfig(s), data: dataConfig(s), n: s.n };
}

/** The generation run (GenerateConfig of src/config/generate.rs) of a state. */
export function generateConfig(s, schema) {
  return {
    schema,
    scenario: scenarioConfig(s),
    sampler: {
      score: s.score, integrator: s.integrator,
      grid: { t_max: s.T, t_min: s.tmin, steps: s.steps, kind: s.grid },
      particles: s.particles, start: s.start,
    },
    seed: s.seed,
  };
}

/** The theory evaluation (TheoryConfig) of a state. */
export function theoryConfig(s, schema) {
  return { schema, scenario: scenarioConfig(s) };
}

/** The current value of a sweep parameter in a state (the Transition-times view marks it). */
export function sweepCurrent(s) {
  switch (s.sweep) {
    case 'gamma': return s.drift === 'scaled' ? s.gamma : s.drift === 'optimal' ? 1 : s.drift === 'none' ? 0 : null;
    case 'q': return s.drift === 'plane' ? s.q : null;
    case 'kappa': return s.U === 'log_spaced' ? s.kappa : null;
    case 'alpha': return Math.log(s.n) / s.d;
    case 'n': return s.n;
    case 'd': return s.d;
    case 'beta': return s.model === 'manifold' ? s.beta : null;
    case 'm_tilde': return s.mt;
    case 'sigma': return s.sigma;
    default: return null;
  }
}

/** The values of a sweep: `points` values from `from` to `to`, log-spaced on a logarithmic axis; integers for d and n. */
export function sweepValues(s) {
  const { log } = SWEEPS[s.sweep];
  const out = [];
  for (let i = 0; i < s.spoints; i += 1) {
    const u = i / (s.spoints - 1);
    let v = log ? Math.exp(Math.log(s.sfrom) + u * (Math.log(s.sto) - Math.log(s.sfrom))) : s.sfrom + u * (s.sto - s.sfrom);
    if (s.sweep === 'd' || s.sweep === 'n') v = Math.round(v);
    if (!out.length || out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

/**
 * Applies the core's documented limits (the wasm export `limits()`) to the table, so the page refuses what the core
 * would refuse with the same numbers. The page keeps its own, smaller caps where it has a reason (PAGE_MAX_DIM, the
 * particles it can draw). Returns the keys whose range changed.
 */
export function applyLimits(limits) {
  const caps = {
    n: ['max', limits.max_n], k: ['max', Math.min(limits.max_classes, 64)], kappa: ['max', limits.max_kappa],
    gamma: ['max', limits.max_strength], q: ['max', limits.max_strength], qnorm: ['max', limits.max_strength],
    sigma: ['max', limits.max_scale], mt: ['max', limits.max_scale], T: ['max', limits.max_t],
    spoints: ['max', Math.min(128, limits.max_sweep_points)], d: ['max', Math.min(PAGE_MAX_DIM, limits.max_dim)],
    mpart: ['max', Math.min(100000, limits.max_particles)],
  };
  const changed = [];
  for (const [key, [field, value]] of Object.entries(caps)) {
    const p = PARAM_BY_KEY.get(key);
    if (p && Number.isFinite(value) && p[field] !== value) {
      p[field] = value;
      changed.push(key);
    }
  }
  return changed;
}
