// The benchmark of issue 7, in one invocation: the workloads natively (one thread, all cores), in headless Chromium
// (one Worker, the Worker pool), the NumPy peer, and the page's interactivity budget; prints one table and writes
// bench-results.json. Run through scripts/bench.sh (`make bench`), which builds first.
//
// Environment: BENCH_REPEATS (default 3), BENCH_WORKLOADS (default "W1 W2 W3 W4 Cloning Theory"),
// BENCH_PEER (default ../shared/peers/peer_numpy.py next to the repository; "none" skips it),
// BENCH_THREADS (default: the machine's cores), BENCH_ESTIMATES (default 1; 0 skips the run-time estimates
// check, scripts/estimates.mjs, about two minutes).

import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO, launchBrowser, startServer } from '../e2e/harness.mjs';
import { measureEstimates, summarize } from './estimates.mjs';

const REPEATS = Number(process.env.BENCH_REPEATS || 3);
const WORKLOADS = (process.env.BENCH_WORKLOADS || 'W1 W2 W3 W4 Cloning Theory').split(/\s+/).filter(Boolean);
const THREADS = Number(process.env.BENCH_THREADS || os.availableParallelism());
const ESTIMATES = process.env.BENCH_ESTIMATES !== '0';
const PEER = process.env.BENCH_PEER || path.resolve(REPO, '..', 'shared', 'peers', 'peer_numpy.py');
const FRAME_MS = 1000 / 60;

const log = (...a) => console.error('bench:', ...a);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

function nativeRuns(threads) {
  const names = WORKLOADS.filter((w) => threads === 1 || w !== 'Theory');
  const out = execFileSync(
    'cargo',
    ['bench', '--quiet', '--bench', 'generation', '--', ...names, '--threads', String(threads), '--repeats', String(REPEATS), '--json'],
    { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 },
  );
  const res = {};
  for (const line of out.split('\n')) {
    if (line.startsWith('{')) {
      const r = JSON.parse(line);
      res[r.workload] = r;
    }
  }
  return res;
}

function peerRuns() {
  const names = WORKLOADS.filter((w) => /^W[1-4]$/.test(w));
  if (PEER === 'none' || !existsSync(PEER) || names.length === 0) {
    log(`peer skipped (${PEER})`);
    return {};
  }
  // The same statistic as ours: the median of BENCH_REPEATS runs, each in a fresh interpreter (one run of the
  // peer's W4 varies by ±20% from run to run on these machines, its OpenBLAS threads waking on 64 × 64 products).
  const all = {};
  for (let k = 0; k < REPEATS; k++) {
    const r = spawnSync('python3', [PEER, ...names], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) {
      log(`peer failed: ${r.stderr}`);
      return {};
    }
    for (const m of r.stdout.matchAll(/^(W\d) total_s=\S+ ms_per_step=(\S+)/gm)) (all[m[1]] ||= []).push(Number(m[2]));
  }
  const res = {};
  for (const [w, xs] of Object.entries(all)) res[w] = { ms: median(xs), all: xs };
  return res;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function browserRun(page, baseUrl, workload, workers) {
  await page.goto(`${baseUrl}bench.html?workload=${workload}&workers=${workers}&repeats=${REPEATS}`);
  await page.waitForFunction(() => window.benchResult, null, { timeout: 30 * 60_000, polling: 500 });
  const r = await page.evaluate(() => window.benchResult);
  if (r.error) throw new Error(`${workload} with ${workers} Worker(s): ${r.error}`);
  return r;
}

/** Milliseconds from navigation to the first canvas with ink on the playground page. */
async function firstPlot(page, baseUrl) {
  await page.goto(baseUrl, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    () => {
      for (const c of document.querySelectorAll('canvas')) {
        if (!c.width || !c.height) continue;
        const ctx = c.getContext('2d');
        if (!ctx) continue;
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 4; i < d.length; i += 4 * 97) {
          if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) return performance.now();
        }
      }
      return null;
    },
    null,
    { timeout: 60_000, polling: 'raf' },
  );
  return handle.jsonValue();
}

/**
 * Drags a control the way a held arrow key does (one `input` event per frame for DRAG_MS) on the page with the theory
 * benchmark's scenario (d = 64, log-spaced U with κ = 100, Q_opt, μ along the fastest direction, n = 20000), and
 * measures on the main thread: frames (requestAnimationFrame gaps) longer than 1.5 frames, the longest gap, the theory
 * redraws during the drag, and the lag from the last change to the drawing of its theory.
 */
const DRAG_MS = 3000;
async function dragTheory(page, baseUrl) {
  await page.goto(`${baseUrl}?d=64&U=log_spaced&kappa=100&drift=optimal&dir=fastest&mt=1&sigma=1&n=20000&view=speciation`);
  await page.waitForFunction(() => Number(document.querySelector('section[data-view="speciation"]')?.dataset.draws || 0) > 0, null, { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('#status')?.dataset.state === 'ready', null, { timeout: 60_000 });
  return page.evaluate(async (dragMs) => {
    const section = document.querySelector('section[data-view="speciation"]');
    const input = document.querySelector('#ctl-kappa');
    const draws = () => Number(section.dataset.draws || 0);
    const readout = () => document.querySelector('#readout dd[data-key="t_s"]')?.textContent;
    const frames = [];
    let running = true;
    const loop = (t) => { frames.push(t); if (running) requestAnimationFrame(loop); };
    await new Promise((r) => requestAnimationFrame((t) => { frames.push(t); r(); }));
    requestAnimationFrame(loop);
    const d0 = draws();
    const t0 = performance.now();
    let kappa = 100;
    await new Promise((resolve) => {
      const tick = () => {
        kappa += 1;
        input.value = String(kappa);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        if (performance.now() - t0 < dragMs) requestAnimationFrame(tick);
        else resolve();
      };
      requestAnimationFrame(tick);
    });
    const tEnd = performance.now();
    const dDrag = draws() - d0;
    // The drawing of the last value: the theory of κ = last lands and is drawn (the readout then holds its t_S).
    const before = draws();
    await new Promise((resolve) => {
      const poll = () => (draws() > before && !document.querySelector('#theory-status').textContent ? resolve() : setTimeout(poll, 1));
      poll();
    });
    const lag = performance.now() - tEnd;
    running = false;
    const gaps = frames.slice(1).map((t, i) => t - frames[i]);
    const inDrag = gaps.filter((_, i) => frames[i] >= t0 && frames[i + 1] <= tEnd + lag);
    const frame = inDrag.slice().sort((a, b) => a - b)[Math.floor(inDrag.length / 2)];
    return {
      changes: kappa - 100, redraws_during_drag: dDrag, frames: inDrag.length, median_frame_ms: frame,
      long_frames: inDrag.filter((g) => g > 1.5 * frame).length, longest_frame_ms: Math.max(...inDrag),
      lag_ms: lag, last_kappa: kappa, t_s: readout(),
    };
  }, DRAG_MS);
}

const fmt = (x, digits = 2) => (x == null || Number.isNaN(x) ? '–' : x.toFixed(digits));

async function main() {
  const results = { date: new Date().toISOString(), host: { cpus: os.cpus().length, model: os.cpus()[0]?.model }, repeats: REPEATS };
  results.load_start = load();
  log(`native, 1 thread (load ${load()})`);
  const n1 = nativeRuns(1);
  log(`native, ${THREADS} threads (load ${load()})`);
  const nN = nativeRuns(THREADS);
  log(`NumPy peer (load ${load()})`);
  const peer = peerRuns();

  const server = await startServer(REPO);
  const browser = await launchBrowser();
  const b1 = {};
  const bN = {};
  let interactivity = {};
  let estimates = null;
  try {
    const page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && log(`console: ${m.text()}`));
    for (const w of WORKLOADS) {
      log(`browser ${w}, 1 Worker (load ${load()})`);
      b1[w] = await browserRun(page, server.url, w, 1);
      if (w !== 'Theory') {
        log(`browser ${w}, ${THREADS} Workers (load ${load()})`);
        bN[w] = await browserRun(page, server.url, w, THREADS);
      }
    }
    log('first plot');
    const firsts = [];
    for (let i = 0; i < 3; i++) {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      firsts.push(await firstPlot(p, server.url));
      await ctx.close();
    }
    interactivity.first_plot_ms = firsts.sort((a, b) => a - b)[1];
    interactivity.first_plot_all = firsts;
    log('theory while dragging a control');
    const ctx = await browser.newContext();
    interactivity.drag = await dragTheory(await ctx.newPage(), server.url);
    await ctx.close();
    if (ESTIMATES) {
      log('run-time estimates against the runs (scripts/estimates.mjs)');
      const ectx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      estimates = await measureEstimates(await ectx.newPage(), server.url, (line) => log(`  ${line}`));
      await ectx.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const pkg = path.join(REPO, 'www', 'pkg');
  const wasm = readdirSync(pkg).find((f) => f.endsWith('_bg.wasm'));
  const bytes = readFileSync(path.join(pkg, wasm));
  interactivity.wasm_bytes = bytes.length;
  interactivity.wasm_gzip_bytes = gzipSync(bytes, { level: 9 }).length;
  if (b1.Theory) interactivity.theory_eval_ms = b1.Theory.ms;
  if (n1.Theory) interactivity.theory_eval_native_ms = n1.Theory.ms;
  results.load_end = load();

  // The table.
  const rows = [];
  const head = ['workload', 'native 1T', `native ${THREADS}T`, 'browser 1W', `browser ${THREADS}W`, 'peer', 'peer/1W', `peer/${THREADS}W`,
    'GFLOP/s 1T', 'GFLOP/s 1W', `GFLOP/s ${THREADS}W`, '1W/1T', `${THREADS}W gain`, 'checksums'];
  const targets = [];
  for (const w of WORKLOADS) {
    const a = n1[w]?.ms, b = nN[w]?.ms, c = b1[w]?.ms, d = bN[w]?.ms, p = peer[w]?.ms;
    const sums = [n1[w]?.checksum, nN[w]?.checksum, b1[w]?.checksum, bN[w]?.checksum].filter((x) => x != null);
    const same = sums.length < 2 ? '–' : sums.every((x) => x === sums[0]) ? 'equal' : 'DIFFER';
    const row = { workload: w, native_1t_ms: a, native_nt_ms: b, browser_1w_ms: c, browser_pool_ms: d, peer_ms: p,
      speedup_1w: p && c ? p / c : null, speedup_pool: p && d ? p / d : null,
      gflops_native_1t: n1[w]?.gflops ?? null, gflops_browser_1w: b1[w]?.gflops ?? null, gflops_browser_pool: bN[w]?.gflops ?? null,
      browser_over_native: a && c ? a / c : null, pool_gain: c && d ? c / d : null, checksums: same, checksum: sums[0] ?? null };
    rows.push(row);
    const check = (name, ok, value) => targets.push({ target: `${w}: ${name}`, met: ok, value });
    if (w === 'W1' || w === 'W4') if (row.speedup_1w != null) check('browser 1 Worker ≥ 3× the peer', row.speedup_1w >= 3, `${fmt(row.speedup_1w)}×`);
    if (w === 'W2' || w === 'W3') if (row.speedup_pool != null) check('browser pool ≥ the peer', row.speedup_pool >= 1, `${fmt(row.speedup_pool)}×`);
    if (row.browser_over_native != null) check('browser 1 Worker ≥ 60% of native 1 thread', row.browser_over_native >= 0.6, `${fmt(100 * row.browser_over_native, 0)}%`);
    if (['W1', 'W2', 'W3'].includes(w) && row.pool_gain != null) check(`pool of ${THREADS} ≥ 1.7× one Worker`, row.pool_gain >= 1.7, `${fmt(row.pool_gain)}×`);
    if (same !== '–') check('same checksum natively, 1 Worker and pool', same === 'equal', same);
  }
  targets.push({ target: 'gzipped wasm < 400 KB', met: interactivity.wasm_gzip_bytes < 400 * 1024, value: `${(interactivity.wasm_gzip_bytes / 1024).toFixed(0)} KB` });
  targets.push({ target: 'first plot within 1 s of load', met: interactivity.first_plot_ms < 1000, value: `${fmt(interactivity.first_plot_ms, 0)} ms` });
  if (interactivity.theory_eval_ms != null) {
    targets.push({ target: 'theory evaluation (d = 64, anisotropic U, Q_opt) within one frame', met: interactivity.theory_eval_ms <= FRAME_MS, value: `${fmt(interactivity.theory_eval_ms, 1)} ms in a Worker` });
  }
  const g = interactivity.drag;
  if (g) {
    // Issue 7: "within one animation frame's worth of work on the main thread or off it (no dropped frames from
    // blocking)": the theory runs in its own Worker; this checks that dragging drops no main-thread frame.
    targets.push({ target: 'dragging κ (d = 64, Q_opt): no frame dropped on the main thread (theory off it)', met: g.long_frames === 0,
      value: `${g.long_frames} of ${g.frames} frames > 1.5× the median ${fmt(g.median_frame_ms, 1)} ms (longest ${fmt(g.longest_frame_ms, 1)} ms); ${g.redraws_during_drag} live redraws for ${g.changes} changes; lag after the last change ${fmt(g.lag_ms, 0)} ms` });
  }
  results.rows = rows;
  results.targets = targets;
  results.interactivity = interactivity;
  results.native = { one_thread: n1, threads: nN };
  results.browser = { one_worker: b1, pool: bN };
  results.peer = peer;
  if (estimates) results.estimates = { runs: estimates, summary: summarize(estimates) };
  writeFileSync(path.join(REPO, 'bench-results.json'), JSON.stringify(results, null, 2));

  const table = [head, ...rows.map((r) => [r.workload, fmt(r.native_1t_ms, 3), fmt(r.native_nt_ms, 3), fmt(r.browser_1w_ms, 3), fmt(r.browser_pool_ms, 3),
    fmt(r.peer_ms), fmt(r.speedup_1w), fmt(r.speedup_pool), fmt(r.gflops_native_1t), fmt(r.gflops_browser_1w), fmt(r.gflops_browser_pool),
    fmt(r.browser_over_native), fmt(r.pool_gain), r.checksums])];
  const widths = head.map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
  console.log(`ms per step (Theory: per evaluation); medians of ${REPEATS}; load ${results.load_start} → ${results.load_end}`);
  for (const r of table) console.log(r.map((c, i) => String(c).padStart(widths[i])).join('  '));
  console.log(`\nwasm ${interactivity.wasm_bytes} B, gzipped ${interactivity.wasm_gzip_bytes} B; first plot ${fmt(interactivity.first_plot_ms, 0)} ms` +
    (interactivity.theory_eval_ms != null ? `; theory evaluation ${fmt(interactivity.theory_eval_ms, 1)} ms (Worker)` : ''));
  if (estimates) {
    const e = results.estimates.summary;
    console.log(`\nrun-time estimates: ${e.within_factor_2} of ${e.cases - e.failed} within a factor of 2 of the run (estimated/measured ` +
      `${fmt(e.min_ratio)}–${fmt(e.max_ratio)}, median ${fmt(e.median_ratio)}; one Worker; ${e.failed} failed)`);
  }
  console.log('\ntargets:');
  for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.target}: ${t.value}`);
  console.log('\nresults in bench-results.json');
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
