// The issue-6 views (Trajectories with regimes, Particles, Speciation, Collapse, Transition times), their readouts
// against the closed forms of SCIENCE.md, and the issue-8 page checks: no request leaves 127.0.0.1 across every view
// and the embeds, and markup in the URL is shown as text.
//
// Contract with www/main.js as in page.test.mjs: `#status[data-state]`, `section[data-view=KEY][data-draws]`,
// `canvas#plot-KEY`, readout values `#readout dd[data-key=KEY]`, controls `#ctl-KEY`, messages `#err-KEY`.

import { readFileSync } from 'node:fs';
import { canvasInk, waitForStatus } from './harness.mjs';

const MIN_INK = 0.02;
const ALL_VIEWS = ['trajectories', 'particles', 'speciation', 'collapse', 'transitions', 'forward', 'relaxation'];

async function draws(page, view) {
  return Number(await page.getAttribute(`section[data-view="${view}"]`, 'data-draws')) || 0;
}

async function waitForDraw(page, view, before) {
  await page.waitForFunction(
    ([v, n]) => Number(document.querySelector(`section[data-view="${v}"]`).dataset.draws || 0) > n
      // The theory of the latest controls is drawn (an earlier state's may land first while a newer one is pending).
      && document.documentElement.dataset.theory !== 'busy',
    [view, before],
  );
}

/** Waits until the readout holds `key`, and returns the readout as {key: text}. */
async function readout(page, key = 't_c') {
  await page.waitForFunction((k) => document.querySelector(`#readout dd[data-key="${k}"]`), key);
  return page.evaluate(() =>
    Object.fromEntries(Array.from(document.querySelectorAll('#readout dd'), (dd) => [dd.dataset.key, dd.textContent])),
  );
}

async function ink(page, view) {
  const [c] = await canvasInk(page, `#plot-${view}`);
  return c.ink;
}

async function openView(page, view) {
  const before = await draws(page, view);
  await page.click(`#tab-${view}`);
  if (before === 0) await waitForDraw(page, view, 0);
}

async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
}

export const tests = [
  {
    name: 'Biroli speciation preset: the readout shows t_S = ½ ln 256 = 2.7726, drawn on the Speciation view; changes since the preset are said',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?preset=biroli-speciation`);
      await waitForStatus(page, ['ready']);
      const r = await readout(page, 't_s');
      assert.equal(r.t_s, '2.7726');
      assert.equal(r.roots, '2.7726', 'one root for two classes');
      assert.equal(r.trace_bound, '1.0000');
      assert.equal(r.alpha, (Math.log(20000) / 256).toFixed(4));
      assert.ok((await ink(page, 'speciation')) > MIN_INK);
      assert.match(await page.textContent('#preset-commentary'), /2\.7726/);
      assert.ok(await page.isHidden('#preset-changed'), 'nothing changed yet');
      // A changed control is said under the commentary, whose numbers are the preset's; changing it back clears it.
      await page.fill('#ctl-d', '64');
      await page.press('#ctl-d', 'Enter');
      await page.waitForFunction(() => !document.querySelector('#preset-changed').hidden);
      assert.equal(await page.textContent('#preset-changed'),
        "Changed since the preset (the numbers above are the preset's): Dimension d: 256 → 64.");
      await page.selectOption('#ctl-U', 'log_spaced');
      assert.match(await page.textContent('#preset-changed'), /Dimension d: 256 → 64; Precision U: c·I \(isotropic\) → log-spaced, condition κ\.$/);
      await page.selectOption('#ctl-U', 'identity');
      await page.fill('#ctl-d', '256');
      await page.press('#ctl-d', 'Enter');
      await page.waitForFunction(() => document.querySelector('#preset-changed').hidden);
    },
  },
  {
    name: "Biroli collapse preset: t_C equals Biroli's closed form 1.2988 (m̃ = 0, d = 256, n = 20000)",
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?preset=biroli-collapse`);
      await waitForStatus(page, ['ready']);
      const r = await readout(page, 't_c_biroli');
      assert.equal(r.t_c, '1.2988');
      assert.equal(r.t_c_biroli, '1.2988');
      assert.ok((await ink(page, 'collapse')) > MIN_INK);
      // The JSON export carries the same number at full precision (SCIENCE.md §8: 1.298790).
      const json = JSON.parse((await download(page, '[data-export="json"]')).bytes.toString('utf8'));
      assert.ok(Math.abs(json.theory.result.report.t_c - 1.298790) < 1e-6, json.theory.result.report.t_c);
      assert.equal(json.readout.find((x) => x.key === 't_c').value.toFixed(4), r.t_c);
    },
  },
  {
    name: 'dragging κ redraws the theory live (latest wins), under Safari\'s history rate limit, and the last value reads as a fresh load of its link',
    async run({ page, context, baseUrl, assert }) {
      const q = '?d=64&U=log_spaced&kappa=100&drift=optimal&dir=fastest&view=speciation';
      await page.goto(`${baseUrl}${q}`);
      await waitForStatus(page, ['ready']);
      await readout(page, 't_s');
      const before = await draws(page, 'speciation');
      // Safari's rule: a SecurityError past 100 history.replaceState calls in 30 s. The page must stay under it.
      await page.evaluate(() => {
        const real = history.replaceState.bind(history);
        window.addressWrites = 0;
        history.replaceState = (...args) => {
          window.addressWrites += 1;
          if (window.addressWrites > 100) throw new DOMException('more than 100 times per 30 seconds', 'SecurityError');
          return real(...args);
        };
      });
      // One input event per animation frame for 150 frames, as a held arrow key sends them.
      const during = await page.evaluate(async () => {
        const input = document.querySelector('#ctl-kappa');
        const section = document.querySelector('section[data-view="speciation"]');
        for (let k = 101; k <= 250; k += 1) {
          input.value = String(k);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          await new Promise((r) => requestAnimationFrame(r));
        }
        return Number(section.dataset.draws);
      });
      assert.ok(during - before >= 2, `theory redraws during the drag: ${during - before}`);
      // Then the theory of κ = 250 lands: the readout becomes that of the link opened afresh, and the address ends
      // on it after a few writes.
      await page.waitForFunction(() => new URL(location.href).searchParams.get('kappa') === '250');
      const writes = await page.evaluate(() => window.addressWrites);
      assert.ok(writes <= 20, `address writes during a 150-frame drag: ${writes}`);
      const fresh = await context.newPage();
      await fresh.goto(`${baseUrl}${q.replace('kappa=100', 'kappa=250')}`);
      await waitForStatus(fresh, ['ready']);
      const direct = await readout(fresh, 't_s');
      await page.waitForFunction((want) => document.querySelector('#readout dd[data-key="t_s"]').textContent === want, direct.t_s)
        .catch(async () => assert.fail(`t_S after the drag ${(await readout(page, 't_s')).t_s}, fresh link ${direct.t_s}`));
      await page.waitForFunction(() => !document.querySelector('#theory-status').textContent);
      const dragged = await readout(page, 't_s');
      for (const k of ['t_s', 'roots', 't_c', 'spectral_gap', 'trace_bound']) assert.equal(dragged[k], direct[k], k);
    },
  },
  {
    name: 'every view draws non-blank content after load, and the generation views again after Run',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?d=16&particles=40&steps=100`);
      assert.equal((await waitForStatus(page)).state, 'ready');
      for (const view of ALL_VIEWS) {
        await openView(page, view);
        const i = await ink(page, view);
        assert.ok(i > MIN_INK, `${view}: ink ${i}`);
      }
      for (const view of ['trajectories', 'particles']) {
        await page.click(`#tab-${view}`);
        const before = await draws(page, view);
        await page.click(`section[data-view="${view}"] [data-run]`);
        await waitForDraw(page, view, before);
        assert.ok((await ink(page, view)) > MIN_INK, `${view} after Run`);
        assert.match(await page.textContent(`section[data-view="${view}"] [data-budget]`), /Estimate: .*B, /);
      }
    },
  },
  {
    name: 'the run-time estimate divides the per-particle work among the pool, learns the device, and a run says the time left',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      // 2000 particles × 2000 steps at d = 256 with U = I: ~4.6 s of O(d) steps in one Worker on the reference machine.
      const link = 'view=trajectories&d=256&particles=2000&steps=2000&T=4';
      const budget = 'section[data-view="trajectories"] [data-budget]';
      const elapsed = 'section[data-view="trajectories"] [data-elapsed]';
      const reference = async () => {
        await page.waitForFunction((s) => document.querySelector(s).dataset.reference !== undefined, budget);
        return Number(await page.getAttribute(budget, 'data-reference'));
      };
      // The first plot of the link goes through the run bar: while it runs, the time left is shown from the progress.
      await page.goto(`${baseUrl}?${link}&workers=1`);
      await page.waitForFunction((s) => / left$/.test(document.querySelector(s).textContent), elapsed, { timeout: 60_000 });
      await waitForStatus(page, ['ready']);
      const one = await reference();
      assert.ok(one > 2 && one < 20, `one Worker: ${one} s`);
      // That run was estimated above 0.5 s, so the estimate is now scaled to this device's speed, and says so.
      await page.waitForFunction((s) => /scaled ×[0-9.]+ to this device/.test(document.querySelector(s).textContent), budget);
      const shown = Number(await page.getAttribute(budget, 'data-seconds'));
      const took = Number.parseFloat(await page.textContent(elapsed));
      assert.ok(Math.abs(shown - took) < 0.05 * took, `after the run, the estimate ${shown} s is this device's ${took} s`);
      // Two Workers: the particles split, building the process does not.
      await page.goto(`${baseUrl}?${link}&workers=2`);
      const two = await reference();
      assert.ok(two > 0.45 * one && two < 0.6 * one, `two Workers ${two} s against one ${one} s`);
      await waitForStatus(page, ['ready']);
    },
  },
  {
    name: 'while the theory of a measured view is computed, its estimate says it waits for it, then gives the estimate',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      // d = 512 with Q_opt: the theory takes seconds, and the measurement's times come from it.
      await page.goto(`${baseUrl}?view=speciation&d=512&U=log_spaced&drift=optimal`);
      const budget = 'section[data-view="speciation"] [data-budget]';
      await page.waitForFunction((s) => /^Estimate: once the theory of these controls is drawn$/.test(
        document.querySelector(s).textContent), budget, { timeout: 60_000 });
      assert.equal(Number(await page.getAttribute('section[data-view="speciation"]', 'data-draws') || 0), 0, 'no theory drawn yet');
      await page.waitForFunction((s) => /^Estimate: [0-9.]+ [KMG]?i?B, /.test(document.querySelector(s).textContent), budget,
        { timeout: 90_000 });
      assert.doesNotMatch(await page.textContent('section[data-view="speciation"] [data-view-error]'), /\S/);
    },
  },
  {
    name: 'a run over the work budget says so before Run, in the words of the refusal it then gets, both with the largest count that fits (keyboard)',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      // d = 512 with Q_opt on a 2000-step refined grid with the exponential integrator: new step coefficients for
      // every step below t = 1 (about 24 min in one Worker on the reference machine with 0.6.0's block-wise
      // exponentials, 78 min before; over the 17 min budget either way).
      await page.goto(`${baseUrl}?view=trajectories&d=512&U=log_spaced&drift=optimal&integrator=exponential&grid=refined&tmin=0.001&particles=2000&steps=2000`);
      const budget = 'section[data-view="trajectories"] [data-budget]';
      await page.waitForFunction((s) => /refuse/.test(document.querySelector(s).textContent), budget, { timeout: 60_000 });
      const text = await page.textContent(budget);
      assert.match(text, /the core will refuse this run: it needs about \d+ min in one Worker, over the work budget of 17 min in one Worker on the reference machine/);
      assert.equal(await page.getAttribute(budget, 'data-large'), 'true');
      // The first plot of the link is that run: refused at once, with the same reason, and the page keeps working.
      const error = 'section[data-view="trajectories"] [data-view-error]';
      await page.waitForFunction((s) => /refused/.test(document.querySelector(s).textContent), error, { timeout: 60_000 });
      assert.match(await page.textContent(error), /over the work budget of 17 min/);
      // Both offer the same fix: fewer particles cannot bring it within the budget (the per-step coefficients
      // dominate), fewer time steps can; the largest count that fits, to two significant digits.
      await page.locator(`${budget} button`).waitFor({ timeout: 60_000 });
      await page.locator(`${error} button`).waitFor({ timeout: 60_000 });
      const label = await page.textContent(`${error} button`);
      assert.match(label, /^Use (\d+) time steps \(within the budgets\)$/);
      assert.equal(await page.textContent(`${budget} button`), label);
      const steps = Number(label.match(/\d+/)[0]);
      assert.ok(steps >= 1000 && steps < 2000, label);
      await page.focus(`${error} button`);
      await page.keyboard.press('Enter');
      assert.equal(await page.textContent(error), '', 'the refusal goes with the fix');
      assert.equal(await page.inputValue('#ctl-steps'), String(steps));
      assert.equal(await page.evaluate(() => document.activeElement.matches('section[data-view="trajectories"] [data-run]')), true);
      await page.waitForFunction((s) => !/refuse/.test(document.querySelector(s).textContent), budget, { timeout: 60_000 });
      // The link follows (the address is written within 350 ms of a change).
      await page.waitForFunction((n) => new URLSearchParams(location.search).get('steps') === n, String(steps));
      // Ten percent more steps is over the budget again: the fix is close to the largest count that fits.
      await page.fill('#ctl-steps', String(Math.round(steps * 1.1)));
      await page.press('#ctl-steps', 'Enter');
      await page.waitForFunction((s) => /refuse/.test(document.querySelector(s).textContent), budget, { timeout: 60_000 });
    },
  },
  {
    name: 'over the memory budget, a measurement offers a smaller Monte Carlo count; where no count helps, the estimate says to lower d or n',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      // The empirical score of n = 200000 points at d = 512 holds 2 n d doubles (1.6 GB) whatever the particles.
      await page.goto(`${baseUrl}?view=particles&d=512&score=empirical&n=200000&tmin=0.001&grid=refined&particles=10`);
      const budget = 'section[data-view="particles"] [data-budget]';
      await page.waitForFunction((s) => document.querySelector(s).dataset.fix, budget, { timeout: 60_000 });
      assert.equal(await page.getAttribute(budget, 'data-fix'), 'none');
      assert.match(await page.textContent(budget), /over the memory budget of 1024 MiB\. Lowering its counts alone does not bring it within the budgets: try a smaller d or n\./);
      assert.equal(await page.locator(`${budget} button`).count(), 0);
      // Cloning at d = 512 with 100 000 pairs at 40 split times: its memory is per pair, so fewer pairs fit.
      await page.goto(`${baseUrl}?view=speciation&d=512&mpart=100000&mtimes=40`);
      const cloning = 'section[data-view="speciation"] [data-budget]';
      await page.locator(`${cloning} button`).waitFor({ timeout: 60_000 });
      assert.match(await page.textContent(cloning), /over the memory budget of 1024 MiB/);
      const label = await page.textContent(`${cloning} button`);
      const pairs = Number(label.match(/^Use a Monte Carlo count of (\d+) \(within the budgets\)$/)?.[1]);
      assert.ok(pairs >= 10000 && pairs < 100000, label);
      await page.click(`${cloning} button`);
      assert.equal(await page.inputValue('#ctl-mpart'), String(pairs));
      await page.waitForFunction((s) => !/refuse/.test(document.querySelector(s).textContent), cloning, { timeout: 60_000 });
    },
  },
  {
    name: 'arrowing through the tabs does not start a large run (the view says its estimate); a small one still starts on opening',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      // d = 256, 2000 particles, 2000 steps: a generation run of several seconds (over LARGE_RUN_SECONDS).
      await page.goto(`${baseUrl}?view=speciation&d=256&particles=2000&steps=2000`);
      await waitForStatus(page, ['ready']);
      await page.focus('#tab-speciation');
      await page.keyboard.press('ArrowLeft');
      const error = 'section[data-view="particles"] [data-view-error]';
      await page.waitForFunction((s) => /Not started on opening/.test(document.querySelector(s).textContent), error);
      assert.match(await page.textContent(error), /this run is estimated at ~\d+(\.\d)? s\. Press Run to start it\./);
      assert.equal(await page.isDisabled('section[data-view="particles"] [data-cancel]'), true, 'nothing runs');
      assert.equal(await page.getAttribute('#status', 'data-state'), 'ready');
      // A small run still starts on opening: Trajectories at 60 particles.
      await page.fill('#ctl-particles', '60');
      await page.press('#ctl-particles', 'Enter');
      await page.fill('#ctl-steps', '200');
      await page.press('#ctl-steps', 'Enter');
      const before = await draws(page, 'trajectories');
      await page.click('#tab-trajectories');
      await waitForDraw(page, 'trajectories', before);
      // Back on Particles (not drawn yet, now small): it runs on opening, and the note goes.
      const drawn = await draws(page, 'particles');
      await page.click('#tab-particles');
      await waitForDraw(page, 'particles', drawn);
      assert.doesNotMatch(await page.textContent(error), /Not started/);
    },
  },
  {
    name: 'trajectories show the regimes: the drawn SVG has t_S, t_C and the three labelled regimes',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=trajectories&d=64&T=6&particles=20&steps=150&n=2000`);
      await waitForStatus(page, ['ready']);
      const svg = (await download(page, '[data-export="svg"]')).bytes.toString('utf8');
      for (const text of ['t_S = 2.079', 't_C = ', 'noise', 'speciated', 'collapsed']) {
        assert.ok(svg.includes(text), `${text} missing from the SVG`);
      }
    },
  },
  {
    name: 'particles: the 2D memorization preset memorizes most samples and draws the training points',
    timeout: 90_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?preset=memorization-2d`);
      await waitForStatus(page, ['ready']);
      const r = await readout(page, 'memorized');
      // "0.9500 ± 0.0345": the fraction and its binomial standard error √(p(1 − p)/n).
      const [frac, se] = r.memorized.split(' ± ').map(Number);
      assert.ok(frac > 0.5, `memorized ${r.memorized}`);
      const n = Number(r.generated);
      assert.ok(Math.abs(se - Math.sqrt((frac * (1 - frac)) / n)) < 1e-4, `s.e. of ${r.memorized} with n = ${n}`);
      const svg = (await download(page, '[data-export="svg"]')).bytes.toString('utf8');
      assert.ok(svg.includes('training points (40)') && svg.includes('memorized: nearest training point'));
      // The cursor moves the cloud back in time: at T the particles are noise and no capture is drawn.
      const before = await draws(page, 'particles');
      await page.focus('section[data-view="particles"] [data-cursor]');
      await page.$eval('section[data-view="particles"] [data-cursor]', (el) => {
        el.value = '0';
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await waitForDraw(page, 'particles', before);
      assert.equal(await page.textContent('section[data-view="particles"] [data-cursor-value]'), 't = 4.000');
      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      assert.match(csv, /\nparticle,4,/);
      // The slider's arrow keys move the cursor 2 % of the axis (T = 4 to t_min = 0.001), 0.1 % with Shift.
      await page.focus('section[data-view="particles"] [data-cursor]');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.textContent('section[data-view="particles"] [data-cursor-value]'), `t = ${(4 - 0.04 * 3.999).toFixed(3)}`);
      await page.keyboard.press('Shift+ArrowLeft');
      assert.equal(await page.textContent('section[data-view="particles"] [data-cursor-value]'), `t = ${(4 - 0.039 * 3.999).toFixed(3)}`);
    },
  },
  {
    name: 'transition times: a γ sweep with Q_opt and μ along the fastest direction raises t_S above its γ = 0 value',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?preset=qopt-fast`);
      await waitForStatus(page, ['ready']);
      assert.ok((await ink(page, 'transitions')) > MIN_INK);
      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      // Theory rows are `theory,<γ>,<t_S>,…` (measured rows, after a Run, are `measured,…`).
      const rows = csv.split('\n').filter((l) => l.startsWith('theory,')).map((l) => l.split(',').slice(1).map(Number));
      assert.ok(rows.length >= 2, `theory rows in the CSV export: ${rows.length}`);
      const first = rows[0];
      const atOne = rows.reduce((a, b) => (Math.abs(b[0] - 1) < Math.abs(a[0] - 1) ? b : a));
      assert.equal(first[0], 0);
      assert.ok(atOne[1] > first[1], `t_S(γ≈1) = ${atOne[1]} vs t_S(0) = ${first[1]}`);
      // Changing the swept parameter resets the range to that parameter's default.
      const before = await draws(page, 'transitions');
      await page.selectOption('#ctl-sweep', 'kappa');
      assert.equal(await page.inputValue('#ctl-sfrom'), '1');
      await waitForDraw(page, 'transitions', before);
    },
  },
  {
    name: 'relaxation at d = 128: the gap curve split between the theory Worker and the pool has the gaps of one GapCurve, bit for bit',
    timeout: 60_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=relaxation&d=128&U=log_spaced&kappa=100&drift=optimal`);
      await waitForStatus(page, ['ready']);
      await page.waitForFunction(() =>
        document.querySelector('section[data-view="relaxation"]').dataset.drawnQuery === location.search.slice(1));
      const [theoryShare, poolShare] = (await page.getAttribute('html', 'data-gap-split')).split('+').map(Number);
      assert.ok(theoryShare > 0 && poolShare > 0, `split ${theoryShare}+${poolShare}`);
      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      const config = JSON.parse(/^# config: (.*)$/m.exec(csv)[1]);
      const rows = csv.split('\n').filter((l) => l.startsWith('gap_sweep,')).map((l) => l.split(',').slice(1).map(Number));
      assert.equal(rows.length, theoryShare + poolShare);
      assert.deepEqual(rows.map((r) => r[0]), config.sweep.strengths);
      // The same curve in the page's own wasm instance, one GapCurve for every strength.
      const direct = await page.evaluate(async ({ report, sweep }) => {
        const core = await import('./www/pkg/diffusion_regimes.js');
        await core.default();
        const curve = new core.GapCurve(JSON.stringify({ ...report.process, drift: { ...sweep.design, [sweep.key]: 1 } }));
        try {
          return sweep.strengths.map((s) => curve.gap(s));
        } finally {
          curve.free();
        }
      }, config);
      assert.deepEqual(rows.map((r) => r[1]), direct);
      // With Q_opt (γ = 1 of the scaled family) the gap reaches the bound τ = Tr U / d.
      const r = await readout(page, 'gap');
      assert.equal(r.gap, r.bound);
    },
  },
  {
    name: 'transition times at d = 128: the sweep split between the theory Worker and the pool equals one unsplit sweep, bit for bit',
    timeout: 90_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=transitions&d=128&U=log_spaced&kappa=100&drift=optimal&sweep=gamma`);
      await waitForStatus(page, ['ready']);
      await page.waitForFunction(() =>
        document.querySelector('section[data-view="transitions"]').dataset.drawnQuery === location.search.slice(1), null, { timeout: 80_000 });
      const [theoryShare, poolShare] = (await page.getAttribute('html', 'data-sweep-split')).split('+').map(Number);
      assert.ok(theoryShare > 0 && poolShare > 0, `split ${theoryShare}+${poolShare}`);
      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      const config = JSON.parse(/^# config: (.*)$/m.exec(csv)[1]);
      const num = (x) => (x === '' ? null : Number(x));
      const rows = csv.split('\n').filter((l) => l.startsWith('theory,')).map((l) => l.split(','));
      assert.equal(rows.length, theoryShare + poolShare);
      // The whole sweep in one call of the page's own wasm instance.
      const whole = await page.evaluate(async ({ sweep }) => {
        const core = await import('./www/pkg/diffusion_regimes.js');
        await core.default();
        return JSON.parse(core.theory_sweep(JSON.stringify(sweep))).theory;
      }, config);
      assert.deepEqual(rows.map((r) => Number(r[1])), whole.values);
      assert.deepEqual(rows.map((r) => num(r[2])), whole.t_s);
      assert.deepEqual(rows.map((r) => num(r[3])), whole.t_c);
      assert.deepEqual(rows.map((r) => num(r[6])), whole.spectral_gap);
      assert.ok(whole.t_s.filter((x) => x !== null).length > 10, 'the sweep has speciation times to compare');
    },
  },
  {
    name: 'a link naming a sweep over d (or a log-scaled parameter) without its range gets that sweep\'s range',
    async run({ page, baseUrl, assert }) {
      for (const [sweep, from, to] of [['d', '8', '256'], ['kappa', '1', '1000']]) {
        await page.goto(`${baseUrl}?view=transitions&sweep=${sweep}&U=log_spaced`);
        await waitForStatus(page, ['ready']);
        assert.equal(await page.inputValue('#ctl-sweep'), sweep);
        assert.equal(await page.inputValue('#ctl-sfrom'), from);
        assert.equal(await page.inputValue('#ctl-sto'), to);
        assert.ok(await page.isHidden('#notice'), 'no notice: nothing was ignored or reset');
      }
    },
  },
  {
    name: 'a menu too narrow for its choice repeats it in full below (and not a choice that fits); a fix updates it',
    async run({ page, baseUrl, assert }) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${baseUrl}?score=empirical`);
      await waitForStatus(page, ['ready']);
      assert.equal(await page.textContent('#hint-score'), 'empirical score of the n points (memorizes)');
      assert.equal(await page.textContent('#hint-U'), '', 'c·I (isotropic) fits its menu');
      // The t_min fix sets the refined grid: its long choice appears under the Time grid menu.
      assert.equal(await page.textContent('#hint-grid'), '');
      await page.click('#err-tmin button');
      assert.match(await page.textContent('#hint-grid'), /^refined towards t = 0/);
    },
  },
  {
    name: 'URL round trip of the data model controls restores them and the same theory readout',
    async run({ page, context, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=collapse`);
      await waitForStatus(page, ['ready']);
      await page.selectOption('#ctl-model', 'manifold');
      await page.fill('#ctl-beta', '0.25');
      await page.fill('#ctl-n', '5000');
      await page.fill('#ctl-d', '32');
      // The last state in the address (written at most every 350 ms) and drawn; the address read from the page itself
      // (Playwright's page.url() can lag a replaceState).
      await page.waitForFunction(() => {
        const q = new URLSearchParams(location.search);
        return q.get('d') === '32' && q.get('n') === '5000' && document.querySelector('#readout dd[data-key="t_c_manifold"]') &&
          document.querySelector('section[data-view="collapse"]').dataset.drawnQuery === location.search.slice(1);
      });
      const numbers = await readout(page, 't_c_manifold');
      const url = await page.evaluate(() => location.href);
      const q = new URL(url).searchParams;
      assert.equal(q.get('model'), 'manifold');
      assert.equal(q.get('beta'), '0.25');
      const page2 = await context.newPage();
      await page2.goto(url);
      await waitForStatus(page2, ['ready']);
      assert.equal(await page2.inputValue('#ctl-beta'), '0.25');
      assert.equal(await page2.inputValue('#ctl-model'), 'manifold');
      assert.deepEqual(await readout(page2, 't_c_manifold'), numbers);
    },
  },
  {
    name: 'a refused n or t_min shows the allowed range next to its control, and the page still runs',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=speciation`);
      await waitForStatus(page, ['ready']);
      await page.fill('#ctl-n', '1');
      assert.match(await page.textContent('#err-n'), /integer in \[2, 200000\]/);
      await page.selectOption('#ctl-grid', 'refined');
      assert.match(await page.textContent('#err-tmin'), /t_min > 0/);
      await page.fill('#ctl-tmin', '0.001');
      assert.equal(await page.textContent('#err-tmin'), '');
      await page.fill('#ctl-n', '300');
      const before = await draws(page, 'speciation');
      await page.fill('#ctl-d', '20');
      await waitForDraw(page, 'speciation', before);
      assert.equal(await page.textContent('#err-n'), '');
    },
  },
  {
    name: 'a generation run with the empirical score and t_min = 0 offers a one-click fix (keyboard), then runs',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=particles&d=2&n=40&particles=100&seed=3`);
      await waitForStatus(page, ['ready']);
      await page.waitForFunction(() => !document.querySelector('section[data-view="particles"] [data-run]').disabled);
      await page.selectOption('#ctl-score', 'empirical');
      await page.click('section[data-view="particles"] [data-run]');
      // The core refuses t_min = 0 for the empirical score (SCIENCE.md §5-6); the message sits under t_min with a fix.
      const fix = page.locator('#err-tmin button');
      await fix.waitFor();
      assert.match(await page.textContent('#err-tmin'), /t_min > 0/);
      const note = 'section[data-view="particles"] [data-view-error]';
      assert.match(await page.textContent(note), /A value was refused/);
      assert.equal(await fix.textContent(), 'Use t_min = 0.001 on the refined grid');
      await fix.focus();
      await page.keyboard.press('Enter');
      assert.equal(await page.textContent('#err-tmin'), '');
      assert.equal(await page.textContent(note), '', 'the note pointing at the fixed message goes with it');
      assert.equal(await page.inputValue('#ctl-tmin'), '0.001');
      assert.equal(await page.inputValue('#ctl-grid'), 'refined');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'ctl-tmin', 'focus back on the fixed control');
      await page.waitForFunction(() => {
        const q = new URLSearchParams(location.search);
        return q.get('score') === 'empirical' && q.get('tmin') === '0.001' && q.get('grid') === 'refined';
      });
      const before = await draws(page, 'particles');
      await page.click('section[data-view="particles"] [data-run]');
      await waitForDraw(page, 'particles', before);
      await page.waitForFunction(() => !document.querySelector('section[data-view="particles"] [data-run]').disabled);
      // It runs. With 200 steps the captured samples' spread about their points ends +5 % off the model's at
      // t = 0.001 (the empirical score's step-size bias, src/sampler/step_bias.rs): said, with its own fix.
      assert.match(await page.textContent(note), /^Note: step-size bias, predicted for samples captured by a training point .* ends \+5\u00a0% off the model's 0\.001998 at t = 0\.001; 253 steps bring it within 4\u00a0% Use 260 time steps$/);
      assert.ok((await ink(page, 'particles')) > MIN_INK);
    },
  },
  {
    name: 'with m̃ = 0 a generation run says the samples have no class, in the note, legend, CSV and readout',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=trajectories&mt=0&particles=20&seed=2`);
      await waitForStatus(page, ['ready']);
      const r = await readout(page, 'class_plus_fraction');
      assert.equal(r.class_plus_fraction, 'no classes (m̃ = 0)');
      assert.match(await page.textContent('section[data-view="trajectories"] [data-view-error]'), /m̃ = 0: the class means coincide/);
      // The legend and the CSV columns say "no class", not "class +1".
      const svg = (await download(page, '[data-export="svg"]')).bytes.toString('utf8');
      assert.ok(svg.includes('samples: no class (m̃ = 0)') && !svg.includes('class +1'), 'legend without classes');
      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      assert.match(csv, /path_0_class_none/);
      await page.fill('#ctl-mt', '1');
      await page.press('#ctl-mt', 'Enter');
      const before = await draws(page, 'trajectories');
      await page.click('section[data-view="trajectories"] [data-run]');
      await waitForDraw(page, 'trajectories', before);
      assert.match((await readout(page, 'class_plus_fraction')).class_plus_fraction, /^0\.\d+ ± 0\.\d+$/);
      assert.equal(await page.textContent('section[data-view="trajectories"] [data-view-error]'), '');
    },
  },
  {
    name: 'with Q_opt the step-size bias comes from the matrix recursion, with a first-order step count and its fix',
    async run({ page, baseUrl, assert }) {
      // d = 8, κ = 100, Q_opt, σ = 1, exponential integrator, 200 steps over T = 4: +13 % along the worst direction.
      await page.goto(`${baseUrl}?view=trajectories&d=8&U=log_spaced&kappa=100&drift=optimal&integrator=exponential&particles=20`);
      await waitForStatus(page, ['ready']);
      const note = 'section[data-view="trajectories"] [data-view-error]';
      await page.waitForFunction((s) => /step-size bias/.test(document.querySelector(s).textContent), note);
      assert.match(await page.textContent(note), /along its worst direction ends \+13\u00a0% off the model's at t = 0; about 668 steps \(first order in the step\)/);
      assert.equal(await page.textContent(`${note} button`), 'Use 670 time steps');
    },
  },
  {
    name: 'over the safe Euler step the fix is the exponential integrator, with the steps its own bias needs',
    async run({ page, baseUrl, assert }) {
      // The same run with Euler–Maruyama: ‖A‖₂ ≈ 70 puts h = 0.02 far over 0.1/‖A‖₂; the exponential integrator's bias
      // (+13 %) then needs 668 steps.
      await page.goto(`${baseUrl}?view=trajectories&d=8&U=log_spaced&kappa=100&drift=optimal&particles=20`);
      await waitForStatus(page, ['ready']);
      const note = 'section[data-view="trajectories"] [data-view-error]';
      await page.waitForFunction((s) => /safe Euler step/.test(document.querySelector(s).textContent), note);
      assert.equal(await page.textContent(`${note} button`), 'Use the exponential integrator and 670 time steps');
      await page.focus(`${note} button`);
      await page.keyboard.press('Enter');
      assert.equal(await page.inputValue('#ctl-integrator'), 'exponential');
      assert.equal(await page.inputValue('#ctl-steps'), '670');
      await page.waitForFunction(() => new URLSearchParams(location.search).get('integrator') === 'exponential');
      const before = await draws(page, 'trajectories');
      await page.click('section[data-view="trajectories"] [data-run]');
      await waitForDraw(page, 'trajectories', before);
      assert.equal(await page.textContent(note), '', 'no warning after the fix');
    },
  },
  {
    name: 'the empirical score on a uniform grid to t_min = 0.01: the captured samples spread too wide, and the refined grid fixes it',
    async run({ page, baseUrl, assert }) {
      // n = 20 points in d = 8, 200 Euler steps: +148 % about the points (tests/generation.rs measures it); the grid
      // refined in ln t is within 4 % at the same 200 steps.
      await page.goto(`${baseUrl}?view=trajectories&d=8&n=20&score=empirical&tmin=0.01&particles=50&seed=11`);
      await waitForStatus(page, ['ready']);
      const note = 'section[data-view="trajectories"] [data-view-error]';
      await page.waitForFunction((s) => /step-size bias/.test(document.querySelector(s).textContent), note);
      assert.match(await page.textContent(note), /samples captured by a training point .*the variance about the point along U's eigenvalue u = 1 ends \+148\u00a0% off the model's 0\.0198 at t = 0\.01; 5164 steps bring it within 4\u00a0%; the grid refined in ln t needs 200 steps/);
      assert.equal(await page.textContent(`${note} button`), 'Use the grid refined in ln t');
      await page.click(`${note} button`);
      assert.equal(await page.inputValue('#ctl-grid'), 'refined');
      assert.equal(await page.inputValue('#ctl-steps'), '200');
      const before = await draws(page, 'trajectories');
      await page.click('section[data-view="trajectories"] [data-run]');
      await waitForDraw(page, 'trajectories', before);
      assert.equal(await page.textContent(note), '', 'no warning after the fix');
    },
  },
  {
    name: 'off a linear manifold at a small t_min the fix is the grid refined in ln t, with a few hundred steps',
    async run({ page, baseUrl, assert }) {
      // U = I, β = 0.5, t_min = 0.001: a uniform grid would need ~5·10⁴ steps (over the control's 2000).
      await page.goto(`${baseUrl}?view=trajectories&d=16&model=manifold&beta=0.5&phi=identity&tmin=0.001&particles=20`);
      await waitForStatus(page, ['ready']);
      const note = 'section[data-view="trajectories"] [data-view-error]';
      await page.waitForFunction((s) => /step-size bias/.test(document.querySelector(s).textContent), note);
      assert.match(await page.textContent(note), /off the data's subspace \(C₀ = 0 there\) ends at 20\.09× the model's 0\.001998 at t = 0\.001; 51335 steps bring it within 4\u00a0%; the grid refined in ln t needs \d+ steps /);
      const label = await page.textContent(`${note} button`);
      const m = /^Use the grid refined in ln t and (\d+) time steps$/.exec(label);
      assert.ok(m && Number(m[1]) < 400, label);
      await page.click(`${note} button`);
      assert.equal(await page.inputValue('#ctl-grid'), 'refined');
      assert.equal(await page.inputValue('#ctl-steps'), m[1]);
      const before = await draws(page, 'trajectories');
      await page.click('section[data-view="trajectories"] [data-run]');
      await waitForDraw(page, 'trajectories', before);
      assert.equal(await page.textContent(note), '', 'no warning after the fix');
    },
  },
  {
    name: 'a run that diverges (κ = 1e10) says the step warning it was given, which names the stiff direction',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=trajectories&U=log_spaced&kappa=1e10&integrator=exponential&particles=10`);
      await waitForStatus(page, ['ready']);
      const note = 'section[data-view="trajectories"] [data-view-error]';
      await page.waitForFunction((s) => /diverged/.test(document.querySelector(s).textContent), note);
      const text = await page.textContent(note);
      assert.match(text, /Before the run: step-size bias.*unstable for this score along U's eigenvalue u = 100000/);
      assert.match(text, /more than 10⁵ steps would be needed/);
    },
  },
  {
    name: 'narrow classes: a run says its predicted step-size bias, offers the steps that fix it (keyboard), then is quiet',
    async run({ page, baseUrl, assert }) {
      // σ = 0.3, U = I, Euler–Maruyama, 200 steps over T = 4: +25 % of class variance (src/sampler/step_bias.rs).
      await page.goto(`${baseUrl}?view=trajectories&sigma=0.3&mt=2&particles=20&seed=2`);
      await waitForStatus(page, ['ready']);
      const note = 'section[data-view="trajectories"] [data-view-error]';
      await page.waitForFunction((s) => /step-size bias/.test(document.querySelector(s).textContent), note);
      assert.match(await page.textContent(note), /ends \+25\u00a0% off the model's 0\.09 at t = 0/);
      assert.match(await page.textContent(note), /1127 steps bring it within 4\u00a0%/);
      // The exports carry what was said about the numbers: a CSV comment line, the JSON header, the SVG's citation.
      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      assert.match(csv, /^# note: step-size bias, .*ends \+25\u00a0% off/m);
      const json = JSON.parse((await download(page, '[data-export="json"]')).bytes.toString('utf8'));
      assert.match(json.note, /^step-size bias/);
      const svg = (await download(page, '[data-export="svg"]')).bytes.toString('utf8');
      assert.match(svg, /<desc>[^<]*Note: step-size bias/);
      const fix = page.locator(`${note} button`);
      assert.equal(await fix.textContent(), 'Use 1200 time steps');
      await fix.focus();
      await page.keyboard.press('Enter');
      assert.equal(await page.inputValue('#ctl-steps'), '1200');
      assert.equal(await page.textContent(note), '');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.run !== undefined), true, 'focus on Run');
      await page.waitForFunction(() => new URLSearchParams(location.search).get('steps') === '1200');
      const before = await draws(page, 'trajectories');
      await page.keyboard.press('Enter');
      await waitForDraw(page, 'trajectories', before);
      await page.waitForFunction(() => !document.querySelector('section[data-view="trajectories"] [data-run]').disabled);
      assert.equal(await page.textContent(note), '', 'within 4 %: no warning');
      assert.equal(JSON.parse((await download(page, '[data-export="json"]')).bytes.toString('utf8')).note, undefined);
      // Back to 200 steps the warning returns; with the model's default σ = 1 (+1 %) it does not.
      for (const [key, value, warned] of [['steps', '200', true], ['sigma', '1', false]]) {
        await page.fill(`#ctl-${key}`, value);
        await page.press(`#ctl-${key}`, 'Enter');
        const n = await draws(page, 'trajectories');
        await page.click('section[data-view="trajectories"] [data-run]');
        await waitForDraw(page, 'trajectories', n);
        assert.equal(/step-size bias/.test(await page.textContent(note)), warned, `${key} = ${value}`);
      }
    },
  },
  {
    name: 'embedded (controls hidden), a refused t_min is said above the plot with its fix, and the fixed Run draws',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?embed=particles&score=empirical&d=2&n=40&particles=50`);
      await waitForStatus(page, ['ready']);
      const note = 'section[data-view="particles"] [data-view-error]';
      await page.locator(`${note} button`).waitFor();
      assert.match(await page.textContent(note), /t_min > 0 for the empirical score/);
      assert.doesNotMatch(await page.textContent(note), /next to its control/);
      const before = await draws(page, 'particles');
      await page.click(`${note} button`);
      assert.equal(await page.textContent(note), '');
      await page.click('section[data-view="particles"] [data-run]');
      await waitForDraw(page, 'particles', before);
      assert.ok((await ink(page, 'particles')) > MIN_INK);
    },
  },
  {
    name: 'views of the two-class model only offer "Use two classes ±μ" with their message (keyboard), then draw',
    async run({ page, baseUrl, assert }) {
      // Forward process (a simulation view: the fix hands the focus to its Run).
      await page.goto(`${baseUrl}?view=forward&model=manifold&particles=20`);
      await waitForStatus(page, ['ready']);
      const forward = 'section[data-view="forward"] [data-view-error]';
      await page.locator(`${forward} button`).waitFor();
      assert.match(await page.textContent(forward), /two-class model/);
      assert.equal(await page.textContent(`${forward} button`), 'Use two classes ±μ');
      await page.focus(`${forward} button`);
      await page.keyboard.press('Enter');
      assert.equal(await page.textContent(forward), '', 'the message goes with the fix');
      assert.equal(await page.inputValue('#ctl-model'), 'two_class');
      assert.equal(await page.evaluate(() => document.activeElement.matches('section[data-view="forward"] [data-run]')), true);
      const before = await draws(page, 'forward');
      await page.keyboard.press('Enter');
      await waitForDraw(page, 'forward', before);
      assert.ok((await ink(page, 'forward')) > MIN_INK);
      // Speciation (a theory view: it redraws by itself once the model is two-class).
      await page.goto(`${baseUrl}?view=speciation&model=k_class`);
      await waitForStatus(page, ['ready']);
      const speciation = 'section[data-view="speciation"] [data-view-error]';
      await page.locator(`${speciation} button`).waitFor();
      assert.match(await page.textContent(speciation), /two-class law/);
      const drawn = await draws(page, 'speciation');
      await page.click(`${speciation} button`);
      await waitForDraw(page, 'speciation', drawn);
      assert.equal(await page.textContent(speciation), '');
      assert.ok((await ink(page, 'speciation')) > MIN_INK);
      // Two classes is the default, so the link drops `model` (the address follows within 350 ms).
      await page.waitForFunction(() => !new URLSearchParams(location.search).has('model'));
    },
  },
  {
    name: 'a Speciation Run whose split times do not fit below T offers to raise T (rounded up), then measures',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      // t_S = 2.079 (the default two classes at d = 64): the split times need T ≥ 1.3 t_S = 2.70.
      await page.goto(`${baseUrl}?view=speciation&T=1&mpart=100&mtimes=5`);
      await waitForStatus(page, ['ready']);
      const error = 'section[data-view="speciation"] [data-view-error]';
      await page.click('section[data-view="speciation"] [data-run]');
      await page.locator(`${error} button`).waitFor();
      assert.match(await page.textContent(error), /raise the final time T \(now 1\) to at least 2\.70/);
      assert.equal(await page.textContent(`${error} button`), 'Use T = 2.8');
      await page.focus(`${error} button`);
      await page.keyboard.press('Enter');
      assert.equal(await page.inputValue('#ctl-T'), '2.8');
      assert.equal(await page.textContent(error), '');
      assert.equal(await page.evaluate(() => document.activeElement.matches('section[data-view="speciation"] [data-run]')), true);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('section[data-view="speciation"]').dataset.measured === 'done', null, { timeout: 90_000 });
    },
  },
  {
    name: 'markup in the URL is shown as text, never parsed',
    async run({ page, baseUrl, assert }) {
      const evil = '<img src=x onerror=alert(1)>';
      page.on('dialog', () => assert.fail('a dialog opened: markup from the URL ran'));
      await page.goto(`${baseUrl}?preset=${encodeURIComponent(evil)}&d=${encodeURIComponent('<b>1</b>')}` +
        `&${encodeURIComponent('<svg onload=alert(2)>')}=1`);
      await waitForStatus(page, ['ready']);
      const notice = await page.textContent('#notice');
      assert.ok(notice.includes(evil), notice);
      assert.ok(notice.includes('<b>1</b>'));
      assert.equal(await page.evaluate(() => document.querySelectorAll('#notice img, #notice b, #notice svg, body img').length), 0);
    },
  },
  {
    name: 'no request leaves 127.0.0.1: every view, a Run, exports, the iframe embed and the custom element',
    timeout: 150_000,
    async run({ page, context, baseUrl, hostUrl, assert }) {
      const hosts = new Set();
      context.on('request', (req) => hosts.add(new URL(req.url()).hostname));
      context.on('requestfailed', (req) => hosts.add(new URL(req.url()).hostname));
      await page.goto(`${baseUrl}?d=8&particles=20&steps=60`);
      await waitForStatus(page, ['ready']);
      for (const view of ALL_VIEWS) await openView(page, view);
      await page.click('#tab-trajectories');
      const before = await draws(page, 'trajectories');
      await page.click('section[data-view="trajectories"] [data-run]');
      await waitForDraw(page, 'trajectories', before);
      await download(page, '[data-export="png"]');
      await download(page, '[data-export="svg"]');
      await context.route(/\/www\/embed\.js$/, async (route) => {
        const res = await route.fetch();
        await route.fulfill({ response: res, headers: { ...res.headers(), 'access-control-allow-origin': '*' } });
      });
      const origin = new URL(hostUrl).origin;
      for (const view of ['speciation', 'particles']) {
        const host = await context.newPage();
        await host.goto(`${hostUrl}?src=${encodeURIComponent(`${baseUrl}?embed=${view}&d=8&origin=${encodeURIComponent(origin)}`)}`);
        await host.waitForFunction(() => document.querySelector('iframe'));
        const frame = host.frames().find((f) => f.url().includes('embed='));
        if (frame) await waitForStatus(frame, ['ready']);
        await host.close();
      }
      const el = await context.newPage();
      await el.goto(`${hostUrl}element.html?module=${encodeURIComponent(`${baseUrl}www/embed.js`)}&view=collapse&preset=biroli-collapse`);
      await el.waitForFunction(() => document.querySelector('regimes-playground')?.shadowRoot?.querySelector('iframe'));
      assert.ok(hosts.size > 0);
      assert.deepEqual([...hosts], ['127.0.0.1'], `request hosts: ${[...hosts].join(', ')}`);
    },
  },
];
