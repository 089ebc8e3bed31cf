// The page's pool speed-up (issue 7): a Run of a generation view with `?workers=N` for each N, timed by the page's
// own elapsed-time readout (click Run → result drawn), in headless Chromium. Each run loads the page afresh (the
// view's first run at load warms the Workers up), then clicks Run and reads the elapsed time.
//
// Usage (after scripts/build.sh):
//   node scripts/page-speedup.mjs [--workers 1,2] [--repeats 3] [--query "view=trajectories&particles=2000"]
//
// Runs alternate between the pool sizes (1, 2, 1, 2, …) so a change in the machine's load hits both alike; each
// line prints the load average before the run.
// Then the same request without drawing: the view's config (from its JSON export) run on a PoolClient of each size
// inside the page (one warm-up run per pool), with each Worker's wasm memory at start and after the runs (its peak:
// wasm memory never shrinks). Prints the median per pool size and the ratio to the first size.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { REPO, launchBrowser, startServer, waitForStatus } from '../e2e/harness.mjs';

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

const sizes = arg('workers', '1,2').split(',').map(Number);
const repeats = Number(arg('repeats', '3'));
const query = arg('query', 'view=trajectories&particles=2000');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

function report(what, times) {
  const base = median(times[sizes[0]]);
  for (const n of sizes) {
    const m = median(times[n]);
    console.log(`${what}: workers=${n}: median ${m.toFixed(2)} s over ${times[n].length}; speed-up vs workers=${sizes[0]}: ${(base / m).toFixed(2)}×`);
  }
}

const server = await startServer(REPO);
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(600_000);
  const times = Object.fromEntries(sizes.map((n) => [n, []]));
  console.log(`query: ${query}; cores: ${os.cpus().length}; runs alternate between pool sizes ${sizes.join(', ')}`);
  for (let r = 1; r <= repeats; r++) {
    for (const n of sizes) {
      // A fresh load per run; the view's first run at load warms the Workers up, then Run is timed.
      await page.goto(`${server.url}?${query}&workers=${n}`);
      let st = await waitForStatus(page, ['ready', 'error']);
      if (st.text !== 'Ready.') throw new Error(`workers=${n}: ${st.text}`);
      const before = load();
      await page.click('section:not([hidden]) [data-run]');
      st = await waitForStatus(page, ['ready', 'error']);
      if (st.text !== 'Ready.') throw new Error(`workers=${n}: ${st.text}`);
      const s = Number.parseFloat(await page.textContent('section:not([hidden]) [data-elapsed]'));
      times[n].push(s);
      console.log(`run ${r}  workers=${n}  ${s.toFixed(2)} s  (load average before: ${before})`);
    }
  }
  report('Run (click → drawn)', times);

  // The computation alone: the view's request (the config of its JSON export) on pools of each size inside one
  // page, without drawing (the drawing is on the main thread and the same for every pool size).
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="json"]')]);
  const { config } = JSON.parse(readFileSync(await dl.path(), 'utf8'));
  const compute = Object.fromEntries(sizes.map((n) => [n, []]));
  for (let r = 1; r <= repeats; r++) {
    for (const n of sizes) {
      const before = load();
      const { ms, start, peak } = await page.evaluate(async ([size, cfg]) => {
        const { PoolClient } = await import('./www/client.js');
        const pool = new PoolClient(new URL('./www/worker.js', location.href), size);
        await pool.start();
        const memory = () => Promise.all(pool.members.map((m) => m.run('memory', {}).then((x) => x.bytes)));
        const atStart = await memory();
        await pool.run('generate', cfg); // warm-up
        const t0 = performance.now();
        await pool.run('generate', cfg);
        const t = performance.now() - t0;
        const after = await memory();
        for (const m of pool.members) m.worker.terminate();
        return { ms: t, start: atStart, peak: after };
      }, [n, config]);
      compute[n].push(ms / 1000);
      const mib = (xs) => xs.map((b) => (b / 2 ** 20).toFixed(1)).join(' + ');
      console.log(`compute ${r}  workers=${n}  ${(ms / 1000).toFixed(2)} s  (load average before: ${before}); ` +
        `wasm memory per Worker: ${mib(start)} MiB at start, ${mib(peak)} MiB peak`);
    }
  }
  report('generate request alone (no drawing)', compute);
} finally {
  await browser.close();
  await server.close();
}
