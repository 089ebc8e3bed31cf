// The run-time estimates checked against the runs they estimate: page runs covering every step path of the cost
// model in src/budget.rs (O(d) steps, the white and plain general-U steps, per-class mat-vecs, the empirical score
// with a general U, refined grids, the forward process, the measurements), each opened from its link in one Worker
// (`workers=1`), its estimate read before Run (`data-reference`: the core's estimate for this page's pool, before
// the device scaling), then run and timed (the run bar's own elapsed time).
//
//   node scripts/estimates.mjs          prints the table (part of `make bench`, which also stores it)
//
// The estimate is meant to be within a factor of two of the run on the reference machine (ARCHITECTURE.md); this
// is a benchmark, not a test: the ratio depends on the machine.

import { fileURLToPath } from 'node:url';

/** [view, link query]: the Run of that view on that link. */
export const CASES = [
  ['trajectories', 'd=64&particles=2000&steps=2000'],
  ['trajectories', 'd=512&particles=1000&steps=1000'],
  ['trajectories', 'd=64&particles=2000&steps=1000&U=log_spaced&drift=optimal&integrator=exponential'],
  ['trajectories', 'd=256&particles=500&steps=300&U=log_spaced&drift=optimal&integrator=exponential'],
  ['trajectories', 'd=32&particles=2000&steps=2000&U=log_spaced&kappa=4&integrator=euler_maruyama'],
  ['trajectories', 'd=128&particles=50&steps=1000&U=log_spaced&drift=optimal&integrator=exponential'],
  ['trajectories', 'd=64&particles=60&steps=400&U=log_spaced&drift=optimal&integrator=exponential&sigma=0.5'],
  ['trajectories', 'd=64&particles=200&steps=300&U=log_spaced&drift=optimal&integrator=exponential&grid=refined&tmin=0.01'],
  ['trajectories', 'd=64&particles=500&steps=500&score=empirical&n=5000&grid=refined&tmin=0.01'],
  ['trajectories', 'd=64&particles=300&steps=300&score=empirical&n=3000&U=log_spaced&drift=optimal&grid=refined&tmin=0.01&integrator=exponential'],
  ['trajectories', 'd=64&particles=1000&steps=500&model=k_class&k=4'],
  ['trajectories', 'd=64&particles=1000&steps=500&model=manifold&beta=0.25'],
  ['particles', 'd=64&n=2000&particles=500&score=empirical&grid=refined&tmin=0.01'],
  ['forward', 'd=512&particles=2000&T=4'],
  ['forward', 'd=128&particles=1000&steps=1000&U=log_spaced&drift=optimal'],
  ['speciation', 'd=256&n=20000&mpart=2000'],
  ['speciation', 'd=64&mpart=2000&U=log_spaced&drift=optimal'],
  ['speciation', 'd=64&mpart=1000&mmethod=full'],
  ['collapse', 'preset=biroli-collapse'],
  ['collapse', 'd=64&n=2000&mpart=300&U=log_spaced'],
];

/** Runs every case on `page` (a Playwright page) against the server at `baseUrl`; `log` gets one line per case. */
export async function measureEstimates(page, baseUrl, log = () => {}) {
  const rows = [];
  for (const [view, query] of CASES) {
    const link = `index.html?view=${view}&workers=1&${query}`;
    await page.goto(new URL(link, baseUrl).href);
    await page.waitForSelector('#status[data-state="ready"],#status[data-state="error"]', { timeout: 600000 });
    await page.waitForFunction(() => document.documentElement.dataset.theory !== 'busy', null, { timeout: 600000 });
    const sel = `section[data-view="${view}"]`;
    // The estimate of the controls as they rest (it is debounced by 150 ms, and a measured view's needs the theory).
    await page.waitForFunction((s) => document.querySelector(`${s} [data-budget]`).dataset.reference !== undefined, sel,
      { timeout: 600000 });
    await page.waitForTimeout(300);
    const estimated = Number(await page.getAttribute(`${sel} [data-budget]`, 'data-reference'));
    await page.click(`${sel} [data-run]`);
    await page.waitForFunction((s) => document.querySelector(`${s} [data-run]`).disabled, sel);
    await page.waitForFunction((s) => !document.querySelector(`${s} [data-run]`).disabled, sel, { timeout: 1800000 });
    const said = (await page.textContent(`${sel} [data-view-error]`)).trim();
    // "Note: …" (a step warning of the run) leaves the run whole; anything else above the plot is its failure.
    const [error, note] = said.startsWith('Note: ') ? ['', said] : [said, ''];
    const measured = Number.parseFloat(await page.textContent(`${sel} [data-elapsed]`));
    const row = { view, query, estimated_s: estimated, measured_s: measured, ratio: estimated / measured, error: error || null,
      note: note || null };
    rows.push(row);
    log(`${view} ${query}: estimated ${estimated.toFixed(2)} s, measured ${measured.toFixed(2)} s (×${row.ratio.toFixed(2)})`
      + `${error ? ` ERROR ${error}` : ''}${note ? ' (with a step warning)' : ''}`);
  }
  return rows;
}

/** The summary line: how far the estimates are from the runs (ratio estimated / measured). */
export function summarize(rows) {
  const ok = rows.filter((r) => !r.error && r.measured_s > 0);
  const ratios = ok.map((r) => r.ratio).sort((a, b) => a - b);
  const within2 = ratios.filter((x) => x >= 0.5 && x <= 2).length;
  return { cases: rows.length, failed: rows.length - ok.length, min_ratio: ratios[0], max_ratio: ratios[ratios.length - 1],
    median_ratio: ratios[Math.floor(ratios.length / 2)], within_factor_2: within2 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { REPO, launchBrowser, startServer } = await import('../e2e/harness.mjs');
  const server = await startServer(REPO);
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const rows = await measureEstimates(page, server.url, (line) => console.log(line));
    const s = summarize(rows);
    console.log(`${s.within_factor_2} of ${s.cases - s.failed} estimates within a factor of 2 of the run (estimated/measured ` +
      `${s.min_ratio.toFixed(2)}–${s.max_ratio.toFixed(2)}, median ${s.median_ratio.toFixed(2)}); ${s.failed} failed`);
  } finally {
    await browser.close();
    await server.close();
  }
}
