// The page's main thread: loads the wasm package (for drawing), starts the simulation Worker, builds the controls
// from the parameter table, keeps the state in the URL, and draws each view with the Rust plotting code.
//
// Data from the URL, attributes and messages never reaches innerHTML, eval or new Function: text goes through
// textContent, elements through createElement, and every URL value through parseValue (www/params.js).
import init, * as core from './pkg/diffusion_regimes.js';
import { CancelledError, PoolClient, SimClient, Superseded, WorkerCrashed } from './client.js';
import { defaultPoolSize } from './pool.js';
import {
  FIXES, GROUPS, PARAMS, PARAM_BY_KEY, SWEEPS, VIEWS, allowed, applyLimits, baseline, crossCheck, formatValue, fromQuery, twoDigits,
  parseValue, scenarioConfig, toQuery,
} from './params.js';
import { PRESETS } from './presets.js';
import { TheoryPending, VIEW_IMPLS, marksOf, theoryReadout } from './views.js';
import { downloadBlob, imageCitation, pngWithText, svgWithDesc, toCsv } from './export.js';

// --- State -----------------------------------------------------------------------------------------------------

const initial = fromQuery(location.search, PRESETS);
const app = {
  state: initial.state,
  view: initial.view,
  preset: initial.preset,
  theme: initial.theme,
  embed: initial.embed,
  origin: initial.origin,
  data: {}, // view key -> last result
  configs: {}, // view key -> the config that produced it
  queries: {}, // view key -> the link query of the state that produced it
  frames: {}, // view key -> plot frame (for overlays)
  cursors: {}, // view key -> forward time of its cursor
  playing: false, // the key of the view whose cursor plays, or false
  theory: null, // the theory answer of the current controls (readout; the views with usesTheory draw it)
  theoryError: null, // why the theory of the current controls failed (budget, refused value), or null
  // view key -> the run a simulation view (theory: false) shows: {key: its request under the controls of the run,
  // link, seed}. A control change that alters the request marks the view stale; exports cite the run's link and seed.
  runs: {},
  // view key -> what was said above the plot about its data (a step warning, m̃ = 0); exports carry it.
  notes: {},
  // view key -> the last measurement of a measured view (its Run): {parts: {name: summary}, configs: {name: config},
  // query, clearKey, staleKey, stale}. Kept across view switches; cleared when its scenario changes, marked stale
  // when another setting it used changes.
  measured: {},
};

const $ = (sel, root = document) => root.querySelector(sel);
const status = $('#status');
function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}
function message(e) {
  return e && e.message ? e.message : String(e);
}

// --- Theme -----------------------------------------------------------------------------------------------------

const darkQuery = matchMedia('(prefers-color-scheme: dark)');
function plotTheme() {
  if (app.theme === 'light' || app.theme === 'dark') return app.theme;
  return darkQuery.matches ? 'dark' : 'light';
}
function applyTheme() {
  if (app.theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = app.theme;
  $('#theme').value = app.theme;
}

// --- URL -------------------------------------------------------------------------------------------------------

function query() {
  return toQuery({ state: app.state, view: app.view, preset: app.preset, theme: app.theme }, PRESETS);
}
/** The query of the page's own address for the current state (with `embed=` in an embedded page). */
function addressQuery() {
  return app.embed
    ? toQuery({ state: app.state, view: app.view, preset: app.preset, theme: app.theme, embed: app.embed }, PRESETS)
    : query();
}

// The address follows the state at most every URL_SYNC_MS, and always ends on the last state: Safari raises a
// SecurityError past 100 history updates in 30 s ("Attempt to use history.replaceState() more than 100 times per 30
// seconds"), which a held arrow key (one change per frame) reaches in under 2 s, and each update cost ~2.3 ms of
// main thread in Chromium. 350 ms keeps a drag of any length under Safari's rate; a refused update is retried. The
// share link, the embed snippets and every request's record of its query (`addressQuery()`) follow the state at once.
const URL_SYNC_MS = 350;
let urlTimer = 0;
let urlWrittenAt = -Infinity;
function syncUrl() {
  const full = new URL(`index.html?${query()}`, new URL('../', import.meta.url));
  $('#full-link').href = full.href;
  $('#share-url').value = full.href;
  updateEmbedSnippets();
  clearTimeout(urlTimer);
  const wait = urlWrittenAt + URL_SYNC_MS - performance.now();
  if (wait <= 0) writeAddress();
  else urlTimer = setTimeout(writeAddress, wait);
}
function writeAddress() {
  urlTimer = 0;
  urlWrittenAt = performance.now();
  const q = addressQuery();
  if (location.search.slice(1) === q) return;
  try {
    history.replaceState(null, '', `${location.pathname}?${q}`);
  } catch {
    urlTimer = setTimeout(writeAddress, 5 * URL_SYNC_MS); // the browser's rate limit: the last state comes later
  }
}

function showNotice(lines) {
  const box = $('#notice');
  box.replaceChildren();
  if (!lines.length) {
    box.hidden = true;
    return;
  }
  const p = document.createElement('p');
  p.textContent = 'Some values in the link were ignored:';
  const ul = document.createElement('ul');
  const MAX_LINES = 20;
  for (const line of lines.slice(0, MAX_LINES)) {
    const li = document.createElement('li');
    li.textContent = line;
    ul.append(li);
  }
  if (lines.length > MAX_LINES) {
    const li = document.createElement('li');
    li.textContent = `… and ${lines.length - MAX_LINES} more`;
    ul.append(li);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = 'Dismiss';
  close.addEventListener('click', () => { box.hidden = true; });
  box.append(p, ul, close);
  box.hidden = false;
}

// --- Controls --------------------------------------------------------------------------------------------------

const controls = new Map(); // key -> {p, input, error, wrap}

function buildControls() {
  const form = $('#controls');
  for (const g of GROUPS) {
    const fs = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = g.title;
    fs.append(legend);
    for (const p of PARAMS.filter((x) => x.group === g.key)) {
      const wrap = document.createElement('div');
      wrap.className = 'field';
      const label = document.createElement('label');
      label.htmlFor = `ctl-${p.key}`;
      label.textContent = p.label;
      let input;
      if (p.kind === 'enum') {
        input = document.createElement('select');
        for (const [v, text] of p.options) {
          const o = document.createElement('option');
          o.value = v;
          o.textContent = text;
          input.append(o);
        }
      } else {
        input = document.createElement('input');
        input.type = 'text';
        input.inputMode = p.kind === 'int' || p.kind === 'optint' ? 'numeric' : 'decimal';
        input.autocomplete = 'off';
        input.spellcheck = false;
      }
      input.id = `ctl-${p.key}`;
      input.name = p.key;
      const error = document.createElement('p');
      error.className = 'field-error';
      error.id = `err-${p.key}`;
      error.setAttribute('aria-live', 'polite');
      const hint = document.createElement('p');
      hint.className = 'field-hint';
      hint.id = `hint-${p.key}`;
      hint.textContent = p.kind === 'enum' ? '' : allowed(p);
      input.setAttribute('aria-describedby', `hint-${p.key} err-${p.key}`);
      if (p.key === 'seed') wrap.append(label, seedRow(input), hint, error);
      else wrap.append(label, input, hint, error);
      fs.append(wrap);
      controls.set(p.key, { p, input, error, wrap });
      input.addEventListener(p.kind === 'enum' ? 'change' : 'input', () => onControl(p.key));
      if (p.kind === 'enum') wrap.classList.add('field-enum');
    }
    form.append(fs);
  }
  form.addEventListener('submit', (ev) => ev.preventDefault());
}

/** Width a closed menu keeps for its arrow and padding (CSS pixels). */
const MENU_CHROME_PX = 30;
const measureCtx = document.createElement('canvas').getContext('2d');

/** Under a menu too narrow for its choice ("exact score of the mod…"): the choice in full (its hint line is
 * otherwise empty). Measured with the menu's own font, so it follows the layout (sidebar, phone). */
function showChoice(key) {
  const c = controls.get(key);
  const text = c.input.selectedOptions[0]?.textContent ?? '';
  const width = c.input.clientWidth;
  let clipped = false;
  if (width > 0 && measureCtx) {
    measureCtx.font = getComputedStyle(c.input).font;
    clipped = measureCtx.measureText(text).width > width - MENU_CHROME_PX;
  }
  c.wrap.querySelector('.field-hint').textContent = clipped ? text : '';
}

/** After a layout change (rotation, resizing): the full choices under the menus that now clip them. */
function showChoices() {
  for (const [key, c] of controls) if (c.p.kind === 'enum') showChoice(key);
}

/** The seed's input with a "New seed" button: a seed from the platform's entropy source (the core's `fresh_seed`,
 * below 2⁵³), written into the control like a typed one, so it goes into the URL and the run stays reproducible. */
function seedRow(input) {
  const row = document.createElement('div');
  row.className = 'field-row';
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'new-seed';
  button.textContent = 'New seed';
  button.title = 'Draw a random seed (it goes into the link like a typed one)';
  button.addEventListener('click', () => {
    try {
      input.value = String(core.fresh_seed());
      onControl('seed');
    } catch (e) {
      setFieldError('seed', `Seed: no random seed available (${e.message ?? e}); type one instead.`);
    }
  });
  row.append(input, button);
  return row;
}

function setFieldError(key, text) {
  const c = controls.get(key);
  if (!c) return false;
  c.error.textContent = text;
  if (text) c.input.setAttribute('aria-invalid', 'true');
  else c.input.removeAttribute('aria-invalid');
  const fix = text && fixFor(key);
  if (fix) c.error.append(' ', fixButton(fix));
  return true;
}

/** The fix params.js FIXES offers for `key`'s error with the values now in the controls, if any. */
function fixFor(key) {
  return FIXES.find((f) => f.key === key && f.applies(readControls()));
}

/** A view's message when the core refused a value of its Run (the reason is beside the control). */
const REFUSED_NOTE = 'A value was refused: see the message next to its control.';

/** Added to a theory view's refusal when it keeps the plot of earlier controls (its exports cite those). */
const KEPT_PLOT_NOTE = 'The plot shown is of the last values the core accepted.';

/** After a control's fix: the views' notes pointing at that control's message go too, and the focus moves to it. */
function afterFieldFix(key) {
  for (const v of VIEWS) {
    const el = panel(v.key).querySelector('[data-view-error]');
    if (el.textContent.startsWith(REFUSED_NOTE)) el.textContent = '';
  }
  controls.get(key).input.focus();
}

/** A button that applies a suggested fix (params.js FIXES, views.js FixableError) as if the user had typed its
 * values, then calls `after` (by default `afterFieldFix`). */
function fixButton(fix, after = () => afterFieldFix(fix.key)) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'field-fix';
  button.textContent = fix.label;
  button.addEventListener('click', () => {
    const keys = Object.keys(fix.values);
    for (const k of keys) controls.get(k).input.value = formatValue(PARAM_BY_KEY.get(k), fix.values[k]);
    for (const k of keys) onControl(k);
    after();
  });
  return button;
}

function writeControls() {
  for (const [key, c] of controls) {
    c.input.value = formatValue(c.p, app.state[key]);
    setFieldError(key, '');
    if (c.p.kind === 'enum') showChoice(key);
  }
  updateVisibility();
}

function updateVisibility(state = app.state) {
  for (const [key, c] of controls) {
    const hidden = c.p.show ? !c.p.show(state) : false;
    if (hidden === c.wrap.hidden) continue;
    c.wrap.hidden = hidden;
    if (!hidden && c.p.kind === 'enum') showChoice(key); // measured now that it has a width
  }
}

/** The state with every control whose text parses (the others keep their last valid value). */
function readControls() {
  const next = { ...app.state };
  for (const [k, c] of controls) {
    const r = parseValue(c.p, c.input.value);
    if (r.ok) next[k] = r.value;
  }
  return next;
}

/** Keys that a cross-parameter rule (crossCheck) may flag. */
const CROSS_KEYS = ['uvals', 'tmin', 'sto', 'sfrom', 'cx', 'cy'];

function onControl(key) {
  const c = controls.get(key);
  if (c.p.kind === 'enum') showChoice(key);
  const r = parseValue(c.p, c.input.value);
  setFieldError(key, r.ok ? '' : `${c.p.label}: ${r.error}.`);
  if (!r.ok) return;
  const next = readControls();
  if (key === 'sweep' && next.sweep !== app.state.sweep) {
    // A new swept parameter starts on its own default range.
    [next.sfrom, next.sto] = SWEEPS[next.sweep].range;
    for (const k of ['sfrom', 'sto']) {
      controls.get(k).input.value = formatValue(PARAM_BY_KEY.get(k), next[k]);
      setFieldError(k, '');
    }
  }
  // A cross-parameter rule is reported next to the control it concerns, and the state keeps its last valid value
  // until the combination is valid (the controls show what the user typed).
  const cross = crossCheck(next);
  for (const k of CROSS_KEYS) setFieldError(k, controlError(k));
  for (const e of cross) setFieldError(e.key, `${PARAM_BY_KEY.get(e.key).label}: ${e.error}.`);
  updateVisibility(next);
  if (cross.length) return;
  const theoryChanged = PARAMS.some((p) => p.theory && next[p.key] !== app.state[p.key]);
  app.state = next;
  updateMeasuredState();
  updateSimStale();
  updateBudgets();
  showPresetChanges();
  syncUrl();
  if (theoryChanged) scheduleTheory();
}

/** The control's own parse error (if its current text is invalid), or ''. */
function controlError(key) {
  const c = controls.get(key);
  const r = parseValue(c.p, c.input.value);
  return r.ok ? '' : `${c.p.label}: ${r.error}.`;
}

/** Places a core error message next to the control it names and returns that control's key; false when it names
 * none of them. */
function placeCoreError(msg) {
  const m = /^invalid ([\w.[\]]+) = /.exec(msg) || /^(condition number of U)/.exec(msg);
  if (!m) return false;
  // The core names the config path ("sampler.grid.t_min"); a control lists the names it feeds ("grid.t_min"):
  // try the whole path, then without its leading containers (scenario, process, sampler) one by one.
  const parts = m[1].replace(/\[\d+\]$/, '').split('.');
  const containers = new Set(['scenario', 'process', 'sampler']);
  for (let i = 0; i < parts.length && (i === 0 || containers.has(parts[i - 1])); i += 1) {
    const name = parts.slice(i).join('.');
    for (const p of PARAMS) {
      if (p.core && p.core.includes(name) && controls.get(p.key) && !controls.get(p.key).wrap.hidden) {
        setFieldError(p.key, msg);
        return p.key;
      }
    }
  }
  return false;
}

// --- Tabs and views -------------------------------------------------------------------------------------------

function panel(view) {
  return $(`#view-${view}`);
}

function buildTabs() {
  const tabs = $('#tabs');
  for (const v of VIEWS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.role = 'tab';
    b.id = `tab-${v.key}`;
    b.setAttribute('aria-controls', `view-${v.key}`);
    b.textContent = v.title;
    b.addEventListener('click', () => openView(v.key));
    b.addEventListener('keydown', (ev) => {
      // The WAI-ARIA tabs pattern: arrows move to the neighbouring tab (wrapping), Home and End to the first and last.
      const i = VIEWS.findIndex((x) => x.key === v.key);
      const n = VIEWS.length;
      const j = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[ev.key];
      if (j === undefined) return;
      ev.preventDefault();
      ev.stopPropagation();
      const next = VIEWS[j].key;
      openView(next);
      $(`#tab-${next}`).focus();
    });
    tabs.append(b);
  }
}

function openView(key) {
  app.view = key;
  for (const v of VIEWS) {
    const selected = v.key === key;
    const tab = $(`#tab-${v.key}`);
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    panel(v.key).hidden = !selected;
  }
  syncUrl();
  const impl = VIEW_IMPLS[key];
  if (app.data[key]) draw(key);
  else if (impl.theory) scheduleTheory(0);
  else if (booted) runOnOpen(key);
  renderReadout();
  updateBudgetsNow();
}

/** A simulation view runs once when first opened, unless that run is large (estimated above LARGE_RUN_SECONDS on
 * this device) or over a budget: arrowing through the tabs must not start minutes of work. It then says so. */
function runOnOpen(view) {
  let e = null;
  try {
    e = viewEstimate(view);
  } catch {
    // No estimate: the run itself says what is wrong.
  }
  const seconds = e ? e.wall * deviceFactor() : 0;
  if (!e || (e.within_budget && seconds <= LARGE_RUN_SECONDS)) {
    panel(view).querySelector('[data-run]').click();
    return;
  }
  viewError(view, e.within_budget
    ? `${NOT_STARTED} on opening: this run is estimated at ${humanSeconds(seconds)}. Press Run to start it.`
    : `${NOT_STARTED}: this run is over a budget (see the estimate above).`);
}

/** How runOnOpen's notes begin (a budget fix clears them). */
const NOT_STARTED = 'Not started';

/** Sizes a canvas for its CSS width and the device pixel ratio; returns [cssWidth, cssHeight, ratio]. */
function sizeCanvas(canvas, view) {
  const ratio = Math.min(4, Math.max(1, window.devicePixelRatio || 1));
  const cssWidth = Math.max(280, canvas.parentElement.clientWidth || 800);
  const cssHeight = VIEW_IMPLS[view].canvasHeight(cssWidth);
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.round(cssWidth * ratio);
  canvas.height = Math.round(cssHeight * ratio);
  return [cssWidth, cssHeight, ratio];
}

function draw(view) {
  const data = app.data[view];
  const p = panel(view);
  if (!data || p.hidden) return;
  const canvas = $(`#plot-${view}`);
  const impl = VIEW_IMPLS[view];
  if (impl.cursorStart && app.cursors[view] === undefined) app.cursors[view] = impl.cursorStart(data);
  const [, , ratio] = sizeCanvas(canvas, view);
  const frame = impl.draw(canvas, data, plotTheme(), ratio, app.cursors[view], app.measured[view] || null);
  app.frames[view] = frame ? Array.from(frame) : null;
  // For tests and tools: how many times the view was drawn, and the link of the state it shows.
  p.dataset.draws = String(Number(p.dataset.draws || 0) + 1);
  p.dataset.drawnQuery = app.queries[view] || '';
  if (impl.hasCursor) {
    if (app.cursors[view] === undefined && app.frames[view]) app.cursors[view] = app.frames[view][4];
    setCursor(view, app.cursors[view], false);
  }
}

// --- Readout ---------------------------------------------------------------------------------------------------

/** A number as text: counts as integers; others with 4 decimals in the usual range, scientific notation outside it. */
function formatNumber(x, integer = false) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return String(x);
  if (integer) return String(Math.round(x));
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(4);
  return x.toFixed(4);
}

function renderReadout() {
  const dl = $('#readout');
  dl.replaceChildren();
  // The theory of the current controls first, then what each view's last result adds (one entry per key).
  const viewItems = VIEWS.filter((v) => app.data[v.key] && !VIEW_IMPLS[v.key].usesTheory)
    .map((v) => [v, VIEW_IMPLS[v.key].readout(app.data[v.key])]);
  const replaced = new Set(viewItems.flatMap(([, list]) => list.map((x) => x.replaces)).filter(Boolean));
  const items = app.theory
    ? theoryReadout(app.theory).filter((x) => !replaced.has(x.key)).map((x) => ({ ...x, view: 'Theory' })) : [];
  const seen = new Set(items.map((x) => x.key));
  for (const [v, list] of viewItems) {
    for (const item of list) {
      if (seen.has(item.key)) continue;
      seen.add(item.key);
      items.push({ ...item, view: v.title });
    }
  }
  for (const v of VIEWS) {
    const m = app.measured[v.key];
    if (!m) continue;
    for (const item of VIEW_IMPLS[v.key].measuredReadout(m)) {
      if (seen.has(item.key)) continue;
      seen.add(item.key);
      items.push({ ...item, view: v.title });
    }
  }
  if (!items.length) {
    const p = document.createElement('div');
    p.textContent = 'No results yet.';
    dl.append(p);
    return;
  }
  for (const item of items) {
    const div = document.createElement('div');
    if (item.text !== undefined) div.className = 'wide';
    const dt = document.createElement('dt');
    dt.textContent = item.label;
    const dd = document.createElement('dd');
    dd.dataset.key = item.key;
    dd.textContent = item.text !== undefined ? item.text : formatNumber(item.value, item.integer);
    div.append(dt, dd);
    dl.append(div);
  }
}

// --- Worker ----------------------------------------------------------------------------------------------------

const workerHooks = {
  onCrash(msg) {
    setStatus('error', `The simulation worker stopped: ${msg}. A fresh worker is starting; your parameters are kept.`);
  },
  onRestart() {
    setStatus('ready', 'A fresh simulation worker is ready (the previous one crashed). Parameters are kept; run again.');
  },
};
// Simulations on a pool of Workers (one wasm instance each: navigator.hardwareConcurrency of them, at most 8, or the
// link's `workers=N`), the theory on a Worker of its own, so a Run never waits behind a theory evaluation (seconds
// at d = 256) and the readout keeps following the controls during a long run. The pool splits generation runs and
// measurements over its Workers with the same numbers as one Worker (www/client.js PoolClient).
const simClient = new PoolClient(new URL('./worker.js', import.meta.url), initial.workers || defaultPoolSize(), workerHooks);
const theoryClient = new SimClient(new URL('./worker.js', import.meta.url), workerHooks, { restartStuck: true });
const THEORY_KINDS = new Set(['theory', 'sweep', 'relaxation']);
const client = {
  of: (kind) => (THEORY_KINDS.has(kind) ? theoryClient : simClient),
  run(kind, config, options = {}) {
    if (kind === 'relaxation') return runRelaxation(config, options);
    if (kind === 'sweep') return runSweep(config, options);
    return this.of(kind).run(kind, config, options);
  },
  cancel(channel) {
    simClient.cancel(channel);
    simClient.cancel(poolChannel(channel));
    theoryClient.cancel(channel);
  },
  start() {
    return Promise.all([simClient.start(), theoryClient.start()]);
  },
};

// Two theory requests that are lists of independent evaluations are split between the theory Worker and the pool
// when the pool is idle (a simulation run keeps its Workers; the request's own earlier part, which it supersedes,
// does not count) and the work is seconds: the Relaxation view's gap curve
// (one eigenvalue problem of size d per strength: 0.3 s each at d = 512 natively) and the Transition-times sweep (one
// theory evaluation per value). The theory Worker takes the first part (with the relaxation report), the pool the
// rest, on the request's channel + ":pool"; the parts are merged in order, and each value is computed on its own, so
// the numbers do not depend on the split (page tests compare both with one unsplit evaluation).
const POOL_SPLIT_MIN_DIM = 128;

/** The pool's channel for the split part of a theory request on `channel`. */
function poolChannel(channel) {
  return `${channel}:pool`;
}

/** Runs `theoryPart` and `poolPart` (promises of the two shares) together; if one fails, the other is stopped. */
async function bothParts(channel, theoryPart, poolPart) {
  try {
    return await Promise.all([theoryPart, poolPart]);
  } catch (e) {
    // A superseded part's channel already holds the newer request: stop the other part only on a real failure.
    if (channel && !(e instanceof Superseded)) {
      simClient.cancel(poolChannel(channel));
      theoryClient.cancel(channel);
    }
    throw e;
  }
}

/** Progress of a split request: the two shares' counts summed. */
function splitProgress(onProgress, total) {
  const done = [0, 0];
  return (i) => (d) => {
    done[i] = d;
    if (onProgress) onProgress(done[0] + done[1], total);
  };
}

/**
 * How many of `n` strengths the theory Worker takes beside the report, so the Workers finish together: the report
 * counts as 1 + points/5 eigenvalue problems (its spectrum, and a point of the ‖E_t‖₂ curve is a d × d product, a
 * Gram matrix and its symmetric eigenvalues: 65 ms against 335 ms for a gap at d = 512 natively).
 */
function relaxationTheoryShare(n, points, poolParts) {
  const report = 1 + points / 5;
  return Math.min(n, Math.max(0, Math.round((report + n) / (poolParts + 1) - report)));
}

/** A relaxation request: the report and the first strengths on the theory Worker, the rest on the pool. */
async function runRelaxation(config, { channel = null, onProgress = null } = {}) {
  const { sweep, report } = config;
  const n = sweep.strengths.length;
  const poolParts = Math.max(1, simClient.size - 1);
  const split = report.process.d >= POOL_SPLIT_MIN_DIM && !simClient.busyBesides(channel && poolChannel(channel)) && n > 1;
  const k = split ? relaxationTheoryShare(n, report.points, poolParts) : n;
  const progress = splitProgress(onProgress, n);
  const theoryPart = theoryClient.run('relaxation', { report, sweep: { ...sweep, strengths: sweep.strengths.slice(0, k) } },
    { channel, onProgress: progress(0) });
  if (k === n) {
    if (channel) simClient.cancel(poolChannel(channel));
    const whole = await theoryPart;
    document.documentElement.dataset.gapSplit = `${n}+0`;
    return whole;
  }
  const poolPart = simClient.run('gap_curve', { report, sweep: { ...sweep, strengths: sweep.strengths.slice(k) }, parts: poolParts },
    { channel: channel && poolChannel(channel), onProgress: progress(1) });
  const [a, b] = await bothParts(channel, theoryPart, poolPart);
  // How the last curve was split (theory Worker + pool), for the page tests.
  document.documentElement.dataset.gapSplit = `${k}+${n - k}`;
  return { report: a.report, sweep: { ...a.sweep, strengths: sweep.strengths, gaps: [...a.sweep.gaps, ...b.gaps] } };
}

/**
 * A theory sweep: the first values on the theory Worker, the others on one pool Worker, split so both do about the
 * same work (a theory evaluation costs ~d³: a sweep over d weighs its values by d³, any other sweep counts them).
 */
async function runSweep(config, { channel = null, onProgress = null } = {}) {
  const { scenario, parameter } = config.sweep;
  // Anything but a list of values goes whole to the theory Worker, whose core names the bad value.
  const values = Array.isArray(config.sweep.values) ? config.sweep.values : [];
  const n = values.length;
  const d = scenario?.process?.d;
  const weights = values.map((v) => (parameter === 'd' && Number.isFinite(v) ? v ** 3 : 1));
  const largest = parameter === 'd' ? Math.max(d, ...values.filter(Number.isFinite)) : d;
  let k = n;
  if (largest >= POOL_SPLIT_MIN_DIM && !simClient.busyBesides(channel && poolChannel(channel)) && n > 1) {
    const total = weights.reduce((a, b) => a + b, 0);
    let sum = 0;
    k = 0;
    while (k < n - 1 && sum + weights[k] / 2 < total / 2) sum += weights[k++];
    k = Math.max(1, k);
  }
  if (k === n) {
    if (channel) simClient.cancel(poolChannel(channel));
    const whole = await theoryClient.run('sweep', config, { channel, onProgress });
    document.documentElement.dataset.sweepSplit = `${n}+0`;
    return whole;
  }
  const progress = splitProgress(onProgress, n);
  const part = (from, to) => ({ ...config, sweep: { ...config.sweep, values: values.slice(from, to) } });
  const [a, b] = await bothParts(channel,
    theoryClient.run('sweep', part(0, k), { channel, onProgress: progress(0) }),
    simClient.run('sweep', part(k, n), { channel: channel && poolChannel(channel), onProgress: progress(1) }));
  document.documentElement.dataset.sweepSplit = `${k}+${n - k}`;
  const [ta, tb] = [a.result.theory, b.result.theory];
  const theory = {};
  for (const key of Object.keys(ta)) if (key !== 'messages') theory[key] = [...ta[key], ...tb[key]];
  theory.messages = [...ta.messages, ...tb.messages.map((m) => ({ ...m, index: m.index + k }))];
  return { ...a, result: { ...a.result, theory, manifold_t_c: [...a.result.manifold_t_c, ...b.result.manifold_t_c] } };
}

/** Shows `text` above the view's plot, with a button for `fix` ({label, values}, views.js FixableError) if given.
 * `kind` is 'error' (nothing was drawn or run for it: in the error colour) or 'note' (a warning or a notice beside a
 * result that stands: on the notice background with a warning edge). */
function viewError(view, text, fix = null, kind = 'error') {
  const el = panel(view).querySelector('[data-view-error]');
  el.textContent = text;
  el.dataset.kind = kind;
  // Applying the fix answers the message: it goes, and the focus moves to the view's Run (if it has one).
  if (fix) {
    el.append(' ', fixButton(fix, () => {
      el.textContent = '';
      panel(view).querySelector('[data-run]')?.focus();
    }));
  }
}

function handleRunError(view, e) {
  if (e instanceof Superseded) return;
  if (e instanceof CancelledError) {
    if (!(theoryStopped && VIEW_IMPLS[view].theory)) viewError(view, '');
    return;
  }
  if (e instanceof WorkerCrashed) {
    viewError(view, `The run stopped because the simulation worker crashed: ${e.message}.`);
    return;
  }
  const msg = message(e);
  if (msg.startsWith(BUDGET_REFUSAL)) {
    viewError(view, msg);
    offerBudgetFix(view, (fix) => {
      if (fix && panel(view).querySelector('[data-view-error]').textContent === msg) viewError(view, msg, fix);
    });
    return;
  }
  const key = placeCoreError(msg);
  // An embedded page hides its controls: the view then says the message itself, with the control's fix if any.
  // A theory view keeps its last plot: say that it is not of the current controls.
  const kept = VIEW_IMPLS[view].theory && app.data[view] ? ` ${KEPT_PLOT_NOTE}` : '';
  if (key && app.embed) viewError(view, msg + kept, fixFor(key));
  else viewError(view, (key ? REFUSED_NOTE : msg) + kept, e?.fix);
}

/** Validates the current state for a request: every visible control must hold a valid value. */
function invalidControls() {
  const bad = [];
  for (const [key, c] of controls) {
    if (!c.wrap.hidden && c.input.getAttribute('aria-invalid') === 'true') bad.push(key);
  }
  return bad;
}

let theoryTimer = 0;
let coreReady = false; // the main thread's wasm instance is loaded (drawing, estimates)
let booted = false; // set once the first plot is drawn
// While a control is dragged (held arrow key, spinner, typed digits) the theory follows it live without queueing:
// one evaluation at a time in the theory Worker, and when it lands the newest state (if it changed meanwhile) is
// evaluated next — latest wins, intermediate states are skipped. The main thread only draws, so no frame waits
// for the theory (issue 7: `make bench` drags κ at d = 64 with Q_opt and reports the frames and the lag).
// `<html data-theory>` is "busy" from a change until the theory of the latest state is drawn, then "idle": a drawing
// made meanwhile may belong to an intermediate state (page tests wait for "idle" before reading numbers).
let theoryRunning = false;
let theoryPending = false;
let theoryScheduled = false;
function markTheory() {
  document.documentElement.dataset.theory = theoryScheduled || theoryRunning || theoryPending ? 'busy' : 'idle';
}

function scheduleTheory(delay = 0) {
  theoryStopped = false;
  clearTimeout(theoryTimer);
  theoryScheduled = true;
  markTheory();
  theoryTimer = setTimeout(() => {
    theoryScheduled = false;
    kickTheory();
  }, delay);
}

function cancelScheduledTheory() {
  clearTimeout(theoryTimer);
  theoryScheduled = false;
  markTheory();
}

async function kickTheory() {
  if (theoryRunning) {
    theoryPending = true;
    markTheory();
    return;
  }
  theoryRunning = true;
  markTheory();
  try {
    await runTheory();
  } finally {
    theoryRunning = false;
    if (theoryPending) {
      theoryPending = false;
      kickTheory();
    } else markTheory();
  }
}

async function runTheory() {
  const key = app.view;
  const impl = VIEW_IMPLS[key];
  // Theory views that are not open are recomputed when opened; drop their stale results.
  for (const v of VIEWS) if (VIEW_IMPLS[v.key].theory && v.key !== key) delete app.data[v.key];
  // The readout always shows the theory of the current controls; a theory view draws its own result too.
  const jobs = [];
  if (!impl.theory || impl.request(app.state).kind !== 'theory') jobs.push(computeTheory());
  if (impl.theory) jobs.push(compute(key));
  await Promise.all(jobs);
}

let theoryBusy = 0;
let theoryBusyTimer = 0;
let theoryStopped = false; // the user pressed Stop: the views say so until a control changes
/** Says (next to the readout) that the theory of the current controls is being computed: seconds at d ≥ 256. Past
 * one second it also says so at the top, with the time so far and a Stop button. */
async function withTheoryStatus(promise) {
  theoryBusy += 1;
  const text = `Computing the theory (d = ${app.state.d})…`;
  $('#theory-status').textContent = text;
  $('#readout').setAttribute('aria-busy', 'true');
  if (theoryBusy === 1) {
    const t0 = performance.now();
    clearInterval(theoryBusyTimer);
    theoryBusyTimer = setInterval(() => {
      const s = (performance.now() - t0) / 1000;
      if (s < 1) return;
      $('#theory-busy-text').textContent = `${text} ${s.toFixed(0)} s`;
      $('#theory-busy').hidden = false;
    }, 250);
  }
  try {
    return await promise;
  } finally {
    theoryBusy -= 1;
    if (!theoryBusy) {
      clearInterval(theoryBusyTimer);
      $('#theory-busy').hidden = true;
      $('#theory-status').textContent = theoryStopped ? STOPPED_NOTE : '';
      $('#readout').removeAttribute('aria-busy');
    }
  }
}

/** Stop: cancels the theory evaluations in flight (the theory Worker is replaced if it is inside one long call). */
function stopTheory() {
  theoryStopped = true;
  client.cancel('theory');
  if (VIEW_IMPLS[app.view].theory) client.cancel(app.view);
  $('#theory-busy').hidden = true;
  $('#theory-status').textContent = STOPPED_NOTE;
  if (VIEW_IMPLS[app.view].theory) viewError(app.view, STOPPED_NOTE, null, 'note');
}
const STOPPED_NOTE = 'The theory was stopped. Change a control (a smaller d is faster) to compute it again.';

/** The theory of the current controls, for the readout and the views that draw it. */
async function computeTheory() {
  const req = VIEW_IMPLS.speciation.request(app.state);
  const q = addressQuery();
  try {
    const result = await withTheoryStatus(client.run(req.kind, req.config, { channel: 'theory' }));
    storeTheory(result, req.config, q);
    renderReadout();
    return true;
  } catch (e) {
    if (!(e instanceof Superseded) && !(e instanceof CancelledError)) {
      app.theory = null;
      const msg = message(e);
      // A refused value is shown next to its control; anything else (the budget at large d) next to the readout,
      // so missing t_S and t_C are never silent.
      app.theoryError = placeCoreError(msg) && !app.embed ? 'a value was refused (see the message next to its control)' : msg;
      $('#theory-status').textContent = `Theory unavailable for these controls: ${app.theoryError}`;
      renderReadout();
      updateBudgets();
    }
    return false;
  }
}

function storeTheory(result, config, q) {
  app.theory = result;
  app.theoryError = null;
  app.theoryKey = JSON.stringify(config);
  // A generation run drawn before its scenario's theory was known gets its regime marks now.
  for (const v of VIEWS) {
    const d = app.data[v.key];
    if (d && d.theoryKey === app.theoryKey && !d.hasMarks) {
      d.marks = marksOf(result);
      d.hasMarks = true;
      if (v.key === app.view) draw(v.key);
    }
  }
  for (const v of VIEWS) {
    if (!VIEW_IMPLS[v.key].usesTheory) continue;
    app.data[v.key] = result;
    app.configs[v.key] = config;
    app.queries[v.key] = q;
  }
  updateBudgets(); // a measured Run places its times with the theory
}

/** Runs a view's request in the worker (superseding the previous one of that view) and draws the result. */
async function compute(view, { onProgress = null } = {}) {
  const impl = VIEW_IMPLS[view];
  let req;
  try {
    req = impl.request(app.state);
  } catch (e) {
    viewError(view, message(e), e?.fix);
    return false;
  }
  const q = addressQuery();
  // The record of what the result comes from: the controls, link and seed at the request (not at its end: the
  // controls may move while it computes).
  const record = { key: simKey(view, app.state), link: $('#share-url').value, seed: app.state.seed };
  if (req.kind === 'generate' && app.theory && app.theoryKey === JSON.stringify(req.config.theory)) {
    req.config.marks = marksOf(app.theory); // the theory worker already has it: no second evaluation
  }
  // Every theory evaluation shares one channel: the newest supersedes the others, whichever view asked.
  const channel = req.kind === 'theory' ? 'theory' : view;
  const bar = panel(view).querySelector('[data-sweepbar] progress');
  const barState = panel(view).querySelector('[data-sweep-state]');
  if (!onProgress && bar) {
    bar.removeAttribute('value');
    barState.textContent = 'theory sweep: computing';
    onProgress = (done, total) => {
      bar.max = Math.max(1, total);
      bar.value = done;
      barState.textContent = done < total ? `theory sweep: ${done} of ${total} values` : `theory sweep: ${total} values`;
    };
  }
  try {
    const run = client.run(req.kind, req.config, { channel, onProgress });
    const result = await (req.kind === 'theory' ? withTheoryStatus(run) : run);
    const swept = result?.result?.theory?.values?.length;
    if (barState && swept) {
      bar.max = swept;
      bar.value = swept;
      barState.textContent = `theory sweep: ${swept} values`;
    }
    if (req.kind === 'theory') storeTheory(result, req.config, q);
    if (req.kind === 'generate') {
      result.theoryKey = JSON.stringify(req.config.theory);
      if (!result.hasMarks && app.theoryKey === result.theoryKey) {
        result.marks = marksOf(app.theory);
        result.hasMarks = true;
      }
    }
    app.data[view] = result;
    app.configs[view] = req.config;
    app.queries[view] = q;
    app.runs[view] = record;
    if (!impl.theory) updateSimStale();
    if (impl.hasCursor && !impl.cursorStart) delete app.cursors[view];
    if (impl.cursorStart) app.cursors[view] = impl.cursorStart(result);
    const noClasses = req.kind === 'generate' && result.classCount === 1;
    const warning = [noClasses ? NO_CLASSES : '', result && result.warning].filter(Boolean).join('; ');
    const note = impl.note ? impl.note(result) : warning;
    app.notes[view] = note || '';
    viewError(view, note ? `Note: ${note}` : '', impl.note ? null : stepFix(result && result.stepFix), 'note');
    for (const p of PARAMS) if (p.core && controls.get(p.key)?.error.textContent.startsWith('invalid')) setFieldError(p.key, '');
    draw(view);
    renderReadout();
    if (impl.measure) updateBudgets();
    return true;
  } catch (e) {
    if (barState && !(e instanceof Superseded)) barState.textContent = 'theory sweep: stopped';
    handleRunError(view, e);
    return false;
  }
}

/** Said above a generation run whose class means coincide (m̃ = 0; the core's class count is 1): the samples have no
 * class (the empirical score's labels would be coin flips of one law), so they are drawn in one colour. */
const NO_CLASSES = 'm̃ = 0: the class means coincide, so the samples have no class (drawn in one colour; no class '
  + 'fraction)';

/** The fix of a run's step warnings, from the core (src/sampler/step_bias.rs `StepFix`): the exponential integrator
 * for a step over the safe Euler step, the grid refined in ln t when it needs far fewer steps, and the fewest steps
 * that bring the predicted bias within 4 %, rounded up to two significant digits; null when there is none or the
 * steps control cannot take it. */
function stepFix(fix) {
  const max = PARAM_BY_KEY.get('steps').max;
  if (!fix || !(fix.steps > 0 && fix.steps <= max)) return null;
  const values = {};
  const said = [];
  if (fix.integrator !== app.state.integrator) {
    const name = PARAM_BY_KEY.get('integrator').options.find(([key]) => key === fix.integrator);
    if (!name) return null;
    values.integrator = fix.integrator;
    said.push(`the ${name[1].replace(/ \(.*\)$/, '')} integrator`);
  }
  if (fix.grid && fix.grid !== app.state.grid) {
    values.grid = fix.grid;
    // A refined grid needs t_min > 0: a measurement that ended its runs at a t_min of its own passes it on.
    if (fix.grid === 'refined' && !(app.state.tmin > 0)) {
      if (!(fix.t_min > 0)) return null;
      values.tmin = fix.t_min;
      said.push(`the grid refined in ln t to t_min = ${fix.t_min}`);
    } else {
      said.push(fix.grid === 'refined' ? 'the grid refined in ln t' : 'a uniform grid');
    }
  }
  if (fix.steps !== app.state.steps) {
    values.steps = Math.min(max, twoDigits(fix.steps, 'up'));
    said.push(`${values.steps} time steps`);
  }
  if (!said.length) return null;
  const list = said.length > 1 ? `${said.slice(0, -1).join(', ')} and ${said[said.length - 1]}` : said[0];
  return { key: values.steps ? 'steps' : Object.keys(values)[0], label: `Use ${list}`, values };
}

/** One fix for the warnings of several measurement configs (the core's `combined_fix` across MeasureConfigs: the
 * exponential integrator if any needs it, the most steps, one grid kind), or null when one of them has none. */
function combinedFix(fixes) {
  if (!fixes.length || fixes.some((f) => !f || f.grid !== fixes[0].grid)) return null;
  const switched = fixes.find((f) => f.integrator.includes('exponential'));
  return { integrator: (switched || fixes[0]).integrator, grid: fixes[0].grid, t_min: fixes[0].t_min, steps: Math.max(...fixes.map((f) => f.steps)) };
}

// --- Measurements (Run in the Speciation, Collapse and Transition-times views) -------------------------------------
//
// A measured view's Run sends its MeasureConfigs (views.js `measure`) to the simulation worker's "measure" job, one
// after the other, on the channel `measure:<view>`; the result is drawn over the theory. The configs follow from the
// controls, the seed and the theory, so the link reproduces the figure after pressing Run.

/** The context a view's `measure` reads: the theory answers of the current controls. */
function measureContext() {
  return { theory: app.theory, theoryError: app.theoryError, sweep: app.data.transitions };
}

/** Parameters whose change clears a view's measurement (its scenario, and the swept range of a sweep). */
function measureClearKey(view, s) {
  const sweep = view === 'transitions' ? [s.sweep, s.sfrom, s.sto, s.spoints] : [];
  return JSON.stringify([scenarioConfig(s), sweep]);
}

/** Parameters whose change marks a view's measurement stale (the sampler, the counts, the seed). */
const STALE_KEYS = ['score', 'T', 'tmin', 'grid', 'steps', 'integrator', 'start', 'seed', 'mpart', 'mtimes', 'mmethod',
  'mtraj', 'mquant', 'mvalues'];
function measureStaleKey(s) {
  return JSON.stringify(STALE_KEYS.map((k) => s[k]));
}

/** After a control change: drop measurements of another scenario, mark the others stale; redraw what changed. */
function updateMeasuredState() {
  let changed = false;
  for (const [view, m] of Object.entries(app.measured)) {
    if (m.clearKey !== measureClearKey(view, app.state)) {
      delete app.measured[view];
      measureNote(view, 'The measured markers of the last Run were removed: the scenario changed. Press Run to measure this one.');
      changed = true;
      if (app.data[view]) draw(view);
      continue;
    }
    const stale = m.staleKey !== measureStaleKey(app.state);
    if (stale !== m.stale) {
      m.stale = stale;
      changed = true;
      measureNote(view, stale ? 'The markers are from the last Run: settings changed since (stale). Press Run to update them.' : measuredNote(m));
      panel(view).dataset.measured = stale ? 'stale' : 'done';
    }
  }
  if (changed) renderReadout();
}

function measureNote(view, text) {
  const el = panel(view).querySelector('[data-measure-note]');
  if (el) el.textContent = text;
}

function measuredNote(m) {
  return `Markers: measured by the Run (seed ${m.seed}, ${m.seconds.toFixed(1)} s); the link reproduces them when you press Run.`;
}

/** What a simulation view's Run would compute under `state` (its request, without the theory's marks), or null. */
function simKey(view, state) {
  try {
    const req = VIEW_IMPLS[view].request(state);
    const { marks, ...config } = req.config;
    return JSON.stringify([req.kind, config]);
  } catch {
    return null;
  }
}

/** Says above a simulation view's plot when the controls changed since the run it shows. */
function updateSimStale() {
  for (const [view, run] of Object.entries(app.runs)) {
    if (VIEW_IMPLS[view].theory) continue; // a theory view redraws by itself (its exports still check its record)
    const stale = run.key !== simKey(view, app.state);
    const el = panel(view).querySelector('[data-stale-note]');
    if (el) el.textContent = stale ? 'The plot is from the last Run: settings changed since. Press Run to update it (its '
      + 'exports cite the link and seed of the run drawn).' : '';
    panel(view).dataset.stale = String(stale);
  }
}

/** Runs a view's measurements; resolves true when they all finished. */
async function runMeasure(view, onProgress) {
  const impl = VIEW_IMPLS[view];
  let reqs;
  try {
    reqs = impl.measure(app.state, measureContext());
  } catch (e) {
    viewError(view, message(e), e?.fix);
    return false;
  }
  const link = $('#share-url').value;
  const clearKey = measureClearKey(view, app.state);
  const staleKey = measureStaleKey(app.state);
  const seed = app.state.seed;
  const t0 = performance.now();
  const parts = {};
  const configs = {};
  const warnings = [];
  const fixes = [];
  panel(view).dataset.measured = 'running';
  try {
    for (let i = 0; i < reqs.length; i += 1) {
      const { name, config } = reqs[i];
      const result = await client.run('measure', config, {
        channel: `measure:${view}`,
        onProgress(done, total) {
          onProgress(i * 1000 + (1000 * done) / Math.max(1, total), 1000 * reqs.length);
        },
      });
      parts[name] = result.summary;
      configs[name] = config;
      for (const w of result.warnings || []) if (!warnings.includes(w)) warnings.push(w);
      if (result.warnings && result.warnings.length) fixes.push(result.stepFix);
    }
  } catch (e) {
    panel(view).dataset.measured = app.measured[view] ? (app.measured[view].stale ? 'stale' : 'done') : 'none';
    handleRunError(view, e);
    return false;
  }
  const m = { parts, configs, link, clearKey, staleKey, stale: false, seed, seconds: (performance.now() - t0) / 1000 };
  // The controls may have moved while it ran: the result belongs to the state it was started with.
  if (clearKey !== measureClearKey(view, app.state)) {
    viewError(view, 'The scenario changed during the Run: its result was dropped. Press Run again.');
    panel(view).dataset.measured = 'none';
    return false;
  }
  m.stale = staleKey !== measureStaleKey(app.state);
  app.measured[view] = m;
  // The step warnings of its generation runs (one per swept value that has one): said above the plot, exported.
  m.warnings = warnings;
  const said = warnings.length > 3 ? [...warnings.slice(0, 3), `… and ${warnings.length - 3} more`] : warnings;
  viewError(view, said.length ? `Note: the measurement's ${said.join('; ')}` : '', stepFix(combinedFix(fixes)), 'note');
  measureNote(view, m.stale ? 'The markers are from the last Run: settings changed since (stale). Press Run to update them.' : measuredNote(m));
  panel(view).dataset.measured = m.stale ? 'stale' : 'done';
  panel(view).dataset.measuredRuns = String(Number(panel(view).dataset.measuredRuns || 0) + 1);
  draw(view);
  renderReadout();
  return true;
}

// --- Budgets -----------------------------------------------------------------------------------------------------
//
// Before Run, each simulation view shows the core's estimate of the run it would start (src/budget.rs through the
// wasm export estimate_run): memory and time, highlighted when the run is large, and a warning when it is over the
// budget the core will refuse. The core's time is for one Worker on the reference machine (its cost constants were
// measured there); the page divides the per-particle part among its pool (generation and measurements run on every
// Worker, the rest on one), and scales by this device's speed once a run has shown it (deviceFactor).

function human(x, unit) {
  const steps = [[2 ** 30, 'Gi'], [2 ** 20, 'Mi'], [2 ** 10, 'Ki']];
  for (const [v, p] of steps) if (x >= v) return `${(x / v).toFixed(1)} ${p}${unit}`;
  return `${Math.round(x)} ${unit}`;
}

/** A duration in words, to two significant digits at most (`~12 s`, `~3.5 min`). */
function humanSeconds(s) {
  if (s < 0.1) return '< 0.1 s';
  if (s < 10) return `~${s.toFixed(1)} s`;
  if (s < 90) return `~${Math.round(s)} s`;
  if (s < 5400) return `~${(s / 60).toFixed(s < 600 ? 1 : 0)} min`;
  return `~${(s / 3600).toFixed(1)} h`;
}

/** Large runs (estimated above this wall time) get the estimate highlighted. */
const LARGE_RUN_SECONDS = 2;

/**
 * This device's speed relative to the reference machine: the median ratio of measured to estimated wall time over
 * the runs of this page load that were estimated above 0.5 s (at most the last 9), clamped to [1/4, 8]; 1 before
 * any. A run's ratio is its own: a run cut short (cancelled, failed) is not counted.
 */
const deviceRatios = [];
function deviceFactor() {
  if (!deviceRatios.length) return 1;
  const sorted = [...deviceRatios].sort((a, b) => a - b);
  return Math.min(8, Math.max(0.25, sorted[Math.floor(sorted.length / 2)]));
}
function recordDeviceRatio(estimated, measured) {
  if (!(estimated > 0.5 && measured > 0)) return;
  deviceRatios.push(measured / estimated);
  if (deviceRatios.length > 9) deviceRatios.shift();
}

/** The core's estimate of the run the open view's Run would start (with `state`'s values), with its wall time on
 * this page's pool. */
function viewEstimate(view, state = app.state) {
  const impl = VIEW_IMPLS[view];
  const workers = simClient.size || 1;
  const wall = (x, pooled) => (pooled ? x.seconds - x.split_seconds + x.split_seconds / workers : x.seconds);
  if (impl.measure) {
    // The measurements of a Run, one after the other: summed time, the largest memory.
    const e = { memory_bytes: 0, seconds: 0, wall: 0, within_budget: true, refusal: null };
    for (const { config } of impl.measure(state, measureContext())) {
      const x = JSON.parse(core.estimate_run('measure', JSON.stringify(config)));
      e.memory_bytes = Math.max(e.memory_bytes, x.memory_bytes);
      e.seconds += x.seconds;
      e.wall += wall(x, true);
      e.within_budget &&= x.within_budget;
      e.refusal ||= x.refusal;
    }
    return e;
  }
  const req = impl.request(state);
  const config = req.kind === 'generate' ? req.config.generate : req.config;
  const x = JSON.parse(core.estimate_run(req.kind, JSON.stringify(config)));
  return { ...x, wall: wall(x, req.kind === 'generate') };
}

// A run over a budget gets a fix beside the estimate and beside the core's refusal: the largest count that brings it
// within both budgets, found by bisection on the core's own estimate (the estimates grow with each count). Only counts
// that set the precision of what is computed are offered, Monte Carlo sizes first, then the time resolution; d and n
// define the model and are never changed for the user. The search yields to the page between estimates (a
// measurement's estimate takes ~15 ms) and is dropped when the controls or the view change meanwhile.

/** The counts a budget fix may lower: [key, smallest value offered, the button's words for a value]. */
const BUDGET_KNOBS = [
  ['particles', 1, (v) => `Use ${v} particles`],
  ['mpart', 10, (v) => `Use a Monte Carlo count of ${v}`],
  ['mtraj', 1, (v) => `Use ${v} collapse trajectories`],
  ['mvalues', 2, (v) => `Measure ${v} values`],
  ['mtimes', 3, (v) => `Measure ${v} times`],
  ['steps', 1, (v) => `Use ${v} time steps`],
];

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The fix ({key, label, values}) that brings the open view's run with `state` within the budgets by lowering one
 * count (BUDGET_KNOBS, the first that can), or null if none can. Resolves to undefined once `current()` is false.
 */
async function budgetFix(view, state, current) {
  const fits = (s) => {
    try {
      return viewEstimate(view, s).within_budget;
    } catch {
      return false;
    }
  };
  for (const [key, floor, words] of BUDGET_KNOBS) {
    const p = PARAM_BY_KEY.get(key);
    const lowest = Math.max(floor, p.min);
    const now = state[key];
    const at = (v) => ({ ...state, [key]: v });
    if (!(now > lowest)) continue;
    const lowestFits = fits(at(lowest));
    await nextTask();
    if (!current()) return undefined;
    if (!lowestFits) continue;
    // fits(lo) and not fits(hi) throughout.
    let [lo, hi] = [lowest, now];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(at(mid))) lo = mid;
      else hi = mid;
      await nextTask();
      if (!current()) return undefined;
    }
    const v = Math.max(lowest, twoDigits(lo, 'down'));
    return { key, label: `${words(v)} (within the budgets)`, values: { [key]: v } };
  }
  return null;
}

/** The estimate's budget-fix button: after it, a refusal or "Not started" note above the plot goes and the focus
 * moves to the view's Run (as after viewError's own fix). */
function budgetFixButton(view, fix) {
  return fixButton(fix, () => {
    const el = panel(view).querySelector('[data-view-error]');
    if (el.textContent.startsWith(BUDGET_REFUSAL) || el.textContent.startsWith(NOT_STARTED)) el.textContent = '';
    panel(view).querySelector('[data-run]')?.focus();
  });
}

/** How the core's budget refusals begin (src/error.rs, Error::Budget). */
const BUDGET_REFUSAL = 'run refused: ';

/** The search for the open view's current run ({view, state, answer}), shared by the estimate and the refusal. */
let budgetSearch = null;

/** Finds the budget fix of the open view's current run, then calls `show(fix)` if the controls are still those. */
function offerBudgetFix(view, show) {
  const state = app.state;
  if (!(budgetSearch && budgetSearch.view === view && budgetSearch.state === state)) {
    budgetSearch = { view, state, answer: budgetFix(view, state, () => app.state === state && app.view === view) };
  }
  const search = budgetSearch;
  search.answer.then((fix) => {
    if (fix !== undefined && app.state === state && app.view === view) show(fix);
    else if (fix === undefined && budgetSearch === search) budgetSearch = null;
  });
}

// Only the open view's estimate is computed (a measurement's can take ~15 ms: it prepares the scenario), and while a
// control is being dragged it waits until the value rests, so the estimates never cost the main thread a frame.
let budgetTimer = 0;
function updateBudgets() {
  clearTimeout(budgetTimer);
  budgetTimer = setTimeout(updateBudgetsNow, 150);
}

function updateBudgetsNow() {
  clearTimeout(budgetTimer);
  if (!booted && !coreReady) return;
  for (const v of VIEWS.filter((x) => x.key === app.view)) {
    const el = panel(v.key).querySelector('[data-budget]');
    if (!el) continue;
    let text;
    let large = false;
    try {
      const e = viewEstimate(v.key);
      const factor = deviceFactor();
      const seconds = e.wall * factor;
      el.dataset.seconds = String(seconds);
      el.dataset.reference = String(e.wall); // before the device scaling (make bench compares it with the run)
      text = `Estimate: ${human(e.memory_bytes, 'B')}, ${humanSeconds(seconds)}`;
      if (deviceRatios.length) text += ` (scaled ×${factor.toPrecision(2)} to this device's last runs)`;
      // In the words of the core's refusal ("run refused: it needs about 3165 MiB, over the memory budget of 1024 MiB").
      if (!e.within_budget) {
        const why = (e.refusal || '').replace(BUDGET_REFUSAL, '');
        text += ` — the core will refuse this run${why ? `: ${why}` : ''}`;
        const view = v.key;
        offerBudgetFix(view, (fix) => {
          if (el.textContent !== text) return; // the estimate was redrawn meanwhile (its own search answers it)
          el.dataset.fix = fix ? fix.key : 'none';
          if (fix) el.append(' ', budgetFixButton(view, fix));
          else el.append('. Lowering its counts alone does not bring it within the budgets: try a smaller d or n.');
        });
      }
      large = seconds > LARGE_RUN_SECONDS || !e.within_budget;
    } catch (e) {
      // A measured view's estimate needs the theory's times; while it is computed, say that rather than an error.
      text = e instanceof TheoryPending ? 'Estimate: once the theory of these controls is drawn' : `Estimate unavailable: ${message(e)}`;
      delete el.dataset.seconds;
      delete el.dataset.reference;
    }
    el.textContent = text;
    delete el.dataset.fix;
    el.dataset.large = String(large);
  }
}

// --- Run bar (simulation views) -------------------------------------------------------------------------------

/** view key -> its Run (views with a run bar). */
const runners = {};

function wireRunbar(view) {
  const p = panel(view);
  const bar = p.querySelector('[data-runbar]');
  if (!bar) return;
  const run = bar.querySelector('[data-run]');
  const cancel = bar.querySelector('[data-cancel]');
  const progress = bar.querySelector('[data-progress]');
  const elapsed = bar.querySelector('[data-elapsed]');
  // The Run button, and the first plot of a link that opens on this view (runFirst): progress and Cancel either way.
  runners[view] = async () => {
    const bad = invalidControls();
    if (bad.length) {
      viewError(view, `Fix the value of ${bad.map((k) => PARAM_BY_KEY.get(k).label).join(', ')} first.`);
      return false;
    }
    // Keyboard users keep a focused control: Run's focus moves to Cancel while it runs, and back at the end.
    const hadFocus = document.activeElement === run;
    run.disabled = true;
    cancel.disabled = false;
    if (hadFocus) cancel.focus();
    progress.removeAttribute('value');
    const t0 = performance.now();
    // The estimate of this run (before the device scaling), to learn this device's speed when it finishes.
    let estimated = null;
    try { estimated = viewEstimate(view).wall; } catch { /* no estimate: the run reports its own error */ }
    const expected = estimated === null ? null : estimated * deviceFactor();
    // Elapsed time, and the time left once 5% of the work and a second have passed: the run's total time from the
    // progress so far (spent / fraction), blended below 25% of the work with the estimate before Run (the first steps
    // also build the process and the step coefficients, so the progress alone reads high early on).
    let fraction = 0;
    const tick = setInterval(() => {
      const spent = (performance.now() - t0) / 1000;
      let left = '';
      if (fraction >= 0.05 && spent >= 1) {
        const w = expected === null ? 1 : Math.min(1, fraction / 0.25);
        const total = w * (spent / fraction) + (1 - w) * expected;
        left = `, ${humanSeconds(Math.max(0, total - spent))} left`;
      }
      elapsed.textContent = `${spent.toFixed(1)} s${left}`;
    }, 100);
    setStatus('busy', 'Running…');
    const onProgress = (done, total) => {
      progress.max = Math.max(1, total);
      progress.value = done;
      fraction = total > 0 ? Math.min(1, done / total) : 0;
    };
    const impl = VIEW_IMPLS[view];
    const ok = await (impl.measure ? runMeasure(view, onProgress) : compute(view, { onProgress }));
    clearInterval(tick);
    const took = (performance.now() - t0) / 1000;
    elapsed.textContent = `${took.toFixed(2)} s`;
    if (ok && estimated !== null) {
      recordDeviceRatio(estimated, took);
      updateBudgets();
    }
    progress.max = 1;
    progress.value = ok ? 1 : 0;
    run.disabled = false;
    const cancelHadFocus = document.activeElement === cancel;
    cancel.disabled = true;
    if (cancelHadFocus || (hadFocus && document.activeElement === document.body)) run.focus();
    if (status.dataset.state === 'busy') {
      const said = panel(view).querySelector('[data-view-error]').textContent;
      setStatus('ready', ok ? 'Ready.' : said ? 'Ready (the last run did not finish: see the message above the plot).'
        : 'Ready (the last run was cancelled).');
    }
    return ok;
  };
  run.addEventListener('click', runners[view]);
  cancel.addEventListener('click', () => client.cancel(VIEW_IMPLS[view].measure ? `measure:${view}` : view));
}

// --- Time cursor (views with hasCursor) ------------------------------------------------------------------------
//
// The cursor is a forward time. It moves along the drawn axis: left to right, so from T down to 0 in generation views.

/** [x at the left edge, x at the right edge] of a view's time axis. */
function cursorAxis(view) {
  const impl = VIEW_IMPLS[view];
  if (impl.cursorRange && app.data[view]) return impl.cursorRange(app.data[view]);
  const f = app.frames[view];
  if (f) return [f[4], f[5]];
  const d = app.data[view];
  return d ? [d.times[0], d.times[d.times.length - 1]] : [0, 1];
}

function setCursor(view, t, redraw = true) {
  const [a, b] = cursorAxis(view);
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  app.cursors[view] = Math.min(hi, Math.max(lo, t));
  const p = panel(view);
  const slider = p.querySelector('[data-cursor]');
  // The slider runs left to right like the axis: its value is the fraction of the way from the left edge.
  slider.min = '0';
  slider.max = '1';
  slider.step = '0.001';
  slider.value = String(b === a ? 0 : (app.cursors[view] - a) / (b - a));
  slider.setAttribute('aria-valuetext', `t = ${app.cursors[view].toFixed(3)}`);
  p.querySelector('[data-cursor-value]').textContent = `t = ${app.cursors[view].toFixed(3)}`;
  if (VIEW_IMPLS[view].cursorRedraw) {
    if (redraw) draw(view);
  } else drawCursor(view);
}

function drawCursor(view) {
  const p = panel(view);
  const overlay = p.querySelector('[data-overlay]');
  const base = $(`#plot-${view}`);
  if (!overlay) return;
  overlay.width = base.width;
  overlay.height = base.height;
  overlay.style.height = base.style.height;
  const ctx = overlay.getContext('2d');
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  const f = app.frames[view];
  if (!f || app.cursors[view] === undefined) return;
  const [left, right, top, bottom, xl, xr] = f;
  const x = left + ((app.cursors[view] - xl) / (xr - xl)) * (right - left);
  const ratio = base.width / Math.max(1, base.clientWidth);
  ctx.strokeStyle = plotTheme() === 'dark' ? '#ffffff' : '#000000';
  ctx.lineWidth = 2 * ratio;
  ctx.setLineDash([6 * ratio, 4 * ratio]);
  ctx.beginPath();
  ctx.moveTo(x, top);
  ctx.lineTo(x, bottom);
  ctx.stroke();
}

/** Moves the cursor by `fraction` of the axis, left to right (wrapping when `wrap`). */
function moveCursor(view, fraction, wrap = false) {
  const [a, b] = cursorAxis(view);
  let u = (app.cursors[view] - a) / (b - a || 1) + fraction;
  if (wrap && u > 1) u = 0;
  setCursor(view, a + Math.min(1, Math.max(0, u)) * (b - a));
}

let lastFrame = 0;
function animate(now) {
  if (!app.playing) return;
  const dt = lastFrame ? (now - lastFrame) / 1000 : 0;
  lastFrame = now;
  // The whole axis in eight seconds.
  moveCursor(app.playing, dt / 8, true);
  requestAnimationFrame(animate);
}

/** Starts or stops playing the cursor of `view` (app.playing holds the playing view's key, or false). */
function setPlaying(view, on) {
  app.playing = on ? view : false;
  for (const v of VIEWS) {
    const b = panel(v.key).querySelector('[data-play]');
    if (!b) continue;
    const playing = app.playing === v.key;
    b.textContent = playing ? 'Pause' : 'Play';
    b.setAttribute('aria-pressed', String(playing));
  }
  lastFrame = 0;
  if (on) requestAnimationFrame(animate);
}

function wireCursor() {
  for (const v of VIEWS) {
    if (!VIEW_IMPLS[v.key].hasCursor) continue;
    const p = panel(v.key);
    p.querySelector('[data-play]').addEventListener('click', () => setPlaying(v.key, app.playing !== v.key));
    p.querySelector('[data-cursor]').addEventListener('input', (ev) => {
      const [a, b] = cursorAxis(v.key);
      setCursor(v.key, a + Number(ev.target.value) * (b - a));
    });
  }
  document.addEventListener('keydown', (ev) => {
    const view = app.view;
    if (!VIEW_IMPLS[view].hasCursor || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    const typing = t instanceof HTMLInputElement && t.type !== 'range';
    if (typing || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (ev.key === ' ' && !(t instanceof HTMLButtonElement) && !(t instanceof HTMLAnchorElement)) {
      ev.preventDefault();
      setPlaying(view, app.playing !== view);
    } else if (t instanceof HTMLInputElement && t.matches('[data-cursor]') && ['ArrowRight', 'ArrowUp', 'ArrowLeft', 'ArrowDown'].includes(ev.key)) {
      // The slider's own step (0.1 % of the axis, for the pointer) would crawl: its arrow keys move 2 % like the
      // page's, and 0.1 % with Shift.
      ev.preventDefault();
      const step = ev.shiftKey ? 0.001 : 0.02;
      moveCursor(view, ev.key === 'ArrowRight' || ev.key === 'ArrowUp' ? step : -step);
    } else if ((ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') && !(t instanceof HTMLInputElement) && t.role !== 'tab') {
      ev.preventDefault();
      moveCursor(view, ev.key === 'ArrowRight' ? 0.02 : -0.02);
    }
  });
}

// --- Presets ---------------------------------------------------------------------------------------------------

function buildPresets() {
  const sel = $('#preset');
  for (const [key, p] of Object.entries(PRESETS)) {
    const o = document.createElement('option');
    o.value = key;
    o.textContent = p.title;
    sel.append(o);
  }
  sel.addEventListener('change', () => applyPreset(sel.value || null));
}

function showPresetInfo() {
  const box = $('#preset-info');
  const p = app.preset && PRESETS[app.preset];
  $('#preset').value = app.preset || '';
  box.hidden = !p;
  if (!p) return;
  $('#preset-title').textContent = p.title;
  $('#preset-commentary').textContent = p.commentary;
  showPresetChanges();
}

/** Under a preset's commentary, the controls changed since it was chosen: its numbers are the preset's, not the
 * current settings' (a link may carry both the preset and changes). */
function showPresetChanges() {
  const el = $('#preset-changed');
  if (!app.preset || !PRESETS[app.preset]) {
    el.hidden = true;
    return;
  }
  const base = baseline(app.preset, PRESETS);
  const shown = (p, v) => {
    if (v === null || v === undefined || v === '') return 'empty';
    const option = p.kind === 'enum' && p.options.find(([key]) => key === v);
    return option ? option[1] : formatValue(p, v);
  };
  const changes = PARAMS.filter((p) => app.state[p.key] !== base[p.key])
    .map((p) => `${p.label}: ${shown(p, base[p.key])} → ${shown(p, app.state[p.key])}`);
  el.hidden = changes.length === 0;
  el.textContent = changes.length
    ? `Changed since the preset (the numbers above are the preset's): ${changes.join('; ')}.`
    : '';
}

function applyPreset(key) {
  app.preset = key;
  app.state = baseline(key, PRESETS);
  app.data = {};
  for (const view of Object.keys(app.runs)) {
    panel(view).querySelector('[data-stale-note]').textContent = '';
    panel(view).dataset.stale = 'false';
  }
  app.runs = {};
  for (const view of Object.keys(app.measured)) {
    delete app.measured[view];
    measureNote(view, '');
    panel(view).dataset.measured = 'none';
  }
  writeControls();
  showPresetInfo();
  const view = key ? PRESETS[key].view : app.view;
  openView(view);
  if (!VIEW_IMPLS[view].theory) panel(view).querySelector('[data-run]')?.click();
}

// --- Share, embed, export --------------------------------------------------------------------------------------

function embedUrl() {
  return new URL(`index.html?${toQuery({ state: app.state, view: app.view, preset: app.preset, theme: app.theme, embed: app.view }, PRESETS)}`,
    new URL('../', import.meta.url)).href;
}

/** Heights (px) of the iframe snippet per view: the embedded page's height in a 480–720 px wide column, measured
 * (2026-11-24), plus a margin. Under 640 px the Relaxation view stacks its three plots (about 1100 px): a narrower
 * column scrolls inside the frame, or use the custom element, which resizes itself. */
const EMBED_HEIGHTS = { trajectories: 600, particles: 760, speciation: 580, collapse: 600, transitions: 580,
  forward: 600, relaxation: 440 };

/**
 * The iframe snippet's script line: gives an iframe of the playground the height its page reports (setupEmbed below),
 * accepting only messages from that iframe's window and the playground's origin, with a height in [100, 20000] px
 * (the custom element's bounds, www/embed.js). Where a host strips scripts, the iframe keeps its height attribute.
 */
function iframeResizer(origin) {
  return '<script>addEventListener("message",function(e){var d=e.data,h=d&&d.type==="regimes-playground:height"?Number(d.height):NaN;'
    + `if(e.origin!==${JSON.stringify(origin)}||!(h>=100&&h<=20000))return;`
    + 'document.querySelectorAll("iframe").forEach(function(f){if(f.contentWindow===e.source)f.style.height=h+"px"})})</script>';
}

function updateEmbedSnippets() {
  const src = embedUrl();
  const title = VIEWS.find((v) => v.key === app.view).title;
  const height = EMBED_HEIGHTS[app.view] ?? 600;
  $('#embed-iframe').value = `<iframe src="${src.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}" title="${title} (diffusion regimes playground)" width="100%" height="${height}" style="border:0" loading="lazy"></iframe>\n${iframeResizer(new URL(src).origin)}`;
  const params = toQuery({ state: app.state, view: app.view, preset: app.preset, theme: 'auto' }, PRESETS)
    .split('&').filter((kv) => !/^(v|view|preset)=/.test(kv)).join('&');
  const attrs = [`view="${app.view}"`];
  if (app.preset) attrs.push(`preset="${app.preset}"`);
  if (params) attrs.push(`params="${params.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"`);
  if (app.theme !== 'auto') attrs.push(`theme="${app.theme}"`);
  const script = new URL('./embed.js', import.meta.url).href;
  $('#embed-element').value = `<script type="module" src="${script}"></script>\n<regimes-playground ${attrs.join(' ')}></regimes-playground>`;
}

function wireShare() {
  $('#copy-link').addEventListener('click', async () => {
    const url = $('#share-url').value;
    try {
      await navigator.clipboard.writeText(url);
      setStatus('ready', 'Link copied.');
    } catch {
      // Clipboard refused (permissions, insecure context): show the link selected instead.
      $('#embed-panel').hidden = false;
      $('#embed-button').setAttribute('aria-expanded', 'true');
      $('#share-url').focus();
      $('#share-url').select();
      setStatus('ready', 'Copy the selected link (the clipboard is not available here).');
    }
  });
  $('#embed-button').addEventListener('click', () => {
    const box = $('#embed-panel');
    box.hidden = !box.hidden;
    $('#embed-button').setAttribute('aria-expanded', String(!box.hidden));
  });
  $('#theme').addEventListener('change', (ev) => {
    app.theme = ev.target.value;
    applyTheme();
    syncUrl();
    redrawAll();
  });
}

function exportHeader(view) {
  // A view's data comes from its last computation (a simulation view's Run, a theory view's evaluation, which may
  // have been refused, stopped or still be running for newer controls): cite that computation's seed and link, and
  // the current link too if the controls changed since (the data would not come from it). A measured view's markers
  // come from its measurement Run: its seed and link are cited (they are the figure's random part).
  const run = app.runs[view];
  const m = app.measured[view];
  const changed = Boolean((run && run.key !== simKey(view, app.state)) || (m && m.stale));
  return {
    generator: 'diffusion-regimes playground',
    version: core.version(),
    schema: core.schema_version(),
    view,
    seed: m ? m.seed : run ? run.seed : app.state.seed,
    link: m ? m.link : run ? run.link : $('#share-url').value,
    ...(changed ? { controls_changed_since_run: true, current_link: $('#share-url').value } : {}),
    config: app.configs[view],
    // What was said above the plot about the run (a step warning, m̃ = 0): it qualifies the numbers.
    ...(app.notes[view] ? { note: app.notes[view] } : {}),
    ...(m ? { measured: { stale: m.stale, link: m.link, seed: m.seed, configs: m.configs, warnings: m.warnings } } : {}),
  };
}

async function exportView(kind) {
  const view = app.view;
  const impl = VIEW_IMPLS[view];
  const data = app.data[view];
  if (!data) {
    viewError(view, 'Nothing to export yet: run or wait for the view to draw.');
    return;
  }
  const base = `regimes-${view}`;
  const canvas = $(`#plot-${view}`);
  const cssW = Math.round(canvas.clientWidth) || 800;
  const cssH = Math.round(canvas.clientHeight) || impl.canvasHeight(cssW);
  try {
    if (kind === 'png') {
      const scale = Number($('#png-scale').value) || 2;
      const c = document.createElement('canvas');
      c.width = Math.round(cssW * scale);
      c.height = Math.round(cssH * scale);
      impl.draw(c, data, plotTheme(), scale, app.cursors[view], app.measured[view] || null);
      const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/png'));
      const h = exportHeader(view);
      const png = pngWithText(new Uint8Array(await blob.arrayBuffer()), {
        Software: `${h.generator} ${h.version}`, Source: h.link, Comment: imageCitation(h) });
      downloadBlob(new Blob([png], { type: 'image/png' }), `${base}@${scale}x.png`);
    } else if (kind === 'svg') {
      const svg = svgWithDesc(impl.svg(data, plotTheme(), cssW, cssH, app.cursors[view], app.measured[view] || null),
        imageCitation(exportHeader(view)));
      downloadBlob(new Blob([svg], { type: 'image/svg+xml' }), `${base}.svg`);
    } else if (kind === 'csv') {
      downloadBlob(new Blob([toCsv(exportHeader(view), impl.table(data, app.cursors[view], app.measured[view] || null))], { type: 'text/csv' }), `${base}.csv`);
    } else if (kind === 'json') {
      const m = app.measured[view];
      const readout = [...impl.readout(data), ...(m ? impl.measuredReadout(m) : [])];
      const h = exportHeader(view);
      // The theory of the current controls: under its own name when the data come from other controls.
      const theory = h.controls_changed_since_run ? { theory_of_current_controls: app.theory } : { theory: app.theory };
      // `measured`: the header's record of the measurement Run (link, seed, stale, configs) with its results.
      const body = { ...h, readout, ...theory, data, measured: m ? { ...h.measured, parts: m.parts } : null };
      const json = JSON.stringify(body, (k, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v), 1);
      downloadBlob(new Blob([json], { type: 'application/json' }), `${base}.json`);
    }
  } catch (e) {
    viewError(view, `Export failed: ${message(e)}`);
  }
}

function wireExport() {
  for (const b of document.querySelectorAll('[data-export]')) {
    b.addEventListener('click', () => exportView(b.dataset.export));
  }
}

// --- Embed mode ------------------------------------------------------------------------------------------------
//
// ?embed=<view> shows one view with a minimal strip. The page posts its height to the host:
//   {type: "regimes-playground:height", height}     (to the origin named by ?origin=, else to any origin: the
//                                                    height is not private)
// and accepts exactly one message, only from window.parent and only when ?origin= names the sender's origin:
//   {type: "regimes-playground:theme", theme: "auto" | "light" | "dark"}

function setupEmbed() {
  document.body.dataset.embed = app.embed;
  const post = () => {
    // The content's height (to the body's bottom edge), not the document's scrollHeight: that is never less than
    // the iframe's own height, so a frame could grow (a narrow column) but never shrink back (a wider one).
    const body = document.body;
    const height = Math.ceil(body.getBoundingClientRect().bottom + window.scrollY + parseFloat(getComputedStyle(body).marginBottom || '0'));
    window.parent.postMessage({ type: 'regimes-playground:height', height }, app.origin || '*');
  };
  if (window.parent !== window) {
    new ResizeObserver(post).observe(document.body);
    post();
  }
  window.addEventListener('message', (ev) => {
    if (ev.source !== window.parent || window.parent === window) return;
    if (!app.origin || ev.origin !== app.origin) return;
    const m = ev.data;
    if (!m || typeof m !== 'object' || m.type !== 'regimes-playground:theme') return;
    if (!['auto', 'light', 'dark'].includes(m.theme)) return;
    app.theme = m.theme;
    applyTheme();
    redrawAll();
  });
}

// --- Boot ------------------------------------------------------------------------------------------------------

function redrawAll() {
  for (const v of VIEWS) draw(v.key);
}

async function main() {
  buildControls();
  buildTabs();
  buildPresets();
  writeControls();
  showPresetInfo();
  applyTheme();
  showNotice(initial.notices);
  wireShare();
  wireExport();
  $('#theory-stop').addEventListener('click', stopTheory);
  wireCursor();
  for (const v of VIEWS) wireRunbar(v.key);
  if (app.embed) setupEmbed();
  darkQuery.addEventListener('change', redrawAll);
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      redrawAll();
      showChoices();
    }, 100);
  });
  try {
    await init();
    coreReady = true;
    $('#version').textContent = `Version ${core.version()}.`;
    $('#pool-size').textContent = `${simClient.size} Worker${simClient.size === 1 ? '' : 's'}`;
    for (const key of applyLimits(JSON.parse(core.limits()))) {
      const c = controls.get(key);
      if (c) c.wrap.querySelector('.field-hint').textContent = allowed(c.p);
    }
    await client.start();
    setStatus('busy', 'Computing the first plot…');
  } catch (e) {
    setStatus('error', `The playground could not start: ${message(e)}. Reload the page; if it persists, your browser may lack WebAssembly support.`);
    return;
  }
  openView(app.view);
  syncUrl();
  // The first plot: the open view (theory views compute at once; simulation views run once with the link's values).
  const impl = VIEW_IMPLS[app.view];
  cancelScheduledTheory(); // openView scheduled the same computation; run it once, here.
  updateBudgetsNow();
  const theoryFirst = impl.theory && impl.request(app.state).kind === 'theory';
  const [ok] = await Promise.all([
    impl.theory ? compute(app.view) : runFirst(app.view),
    theoryFirst ? Promise.resolve(true) : computeTheory(),
  ]);
  booted = true;
  // Not ok and nothing said: the first computation was superseded by a newer one (a control changed meanwhile).
  const said = panel(app.view).querySelector('[data-view-error]').textContent;
  if (status.dataset.state === 'busy') {
    setStatus('ready', theoryStopped ? 'Ready (the theory was stopped).'
      : ok || !said ? 'Ready.' : 'Ready (the first plot was refused: see the message above it).');
  }
}

async function runFirst(view) {
  return runners[view] ? runners[view]() : compute(view);
}

main();
