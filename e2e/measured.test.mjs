// The measured markers of the Speciation, Collapse and Transition-times views (issue 6): a Run measures in the
// simulation Worker (the "measure" job), the markers join the theory on the canvas, the readout shows the measured
// numbers, Cancel stops a Run, and the CSV export carries the measured columns that match the readout.
//
// Contract with www/main.js: `section[data-view=KEY][data-measured]` is "running" | "done" | "stale" | "none";
// `[data-run]`, `[data-cancel]` in the view's run bar; readout values `#readout dd[data-key=KEY]`.

import { readFileSync } from 'node:fs';
import { waitForStatus } from './harness.mjs';

async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return readFileSync(await dl.path()).toString('utf8');
}

async function readout(page) {
  return page.evaluate(() =>
    Object.fromEntries(Array.from(document.querySelectorAll('#readout dd'), (dd) => [dd.dataset.key, dd.textContent])),
  );
}

/** Waits for the view's theory drawing, returns the canvas as a data URL (to compare before and after Run). */
async function pixels(page, view) {
  return page.evaluate((v) => document.querySelector(`#plot-${v}`).toDataURL(), view);
}

async function run(page, view) {
  await page.click(`section[data-view="${view}"] [data-run]`);
  await page.waitForFunction((v) => {
    const s = document.querySelector(`section[data-view="${v}"]`);
    return s.dataset.measured === 'done' && !s.querySelector('[data-run]').disabled;
  }, view);
}

/** "x ± se" -> [x, se]. */
function pm(text) {
  const m = /^(-?[\d.]+) ± ([\d.]+)$/.exec(text);
  if (!m) throw new Error(`expected "x ± se", got ${JSON.stringify(text)}`);
  return [Number(m[1]), Number(m[2])];
}

/** CSV rows (data lines only) as arrays of strings, and the column names. */
function csvTable(csv) {
  const lines = csv.split('\n').filter((l) => l && !l.startsWith('#'));
  return { columns: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

async function waitDrawn(page, view) {
  await page.waitForFunction((v) => Number(document.querySelector(`section[data-view="${v}"]`).dataset.draws || 0) > 0, view);
}

export const tests = [
  {
    name: 'Speciation Run: measured t_S of the Biroli preset at d = 32 within its error bar of ½ ln 32; markers drawn; CSV matches',
    timeout: 30_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?preset=biroli-speciation&d=32&mpart=2000&seed=3`);
      await waitForStatus(page, ['ready']);
      await waitDrawn(page, 'speciation');
      await page.waitForFunction(() => !/estimate unavailable/i.test(document.querySelector('section[data-view="speciation"] [data-budget]').textContent)
        && /Estimate: /.test(document.querySelector('section[data-view="speciation"] [data-budget]').textContent));
      const before = await pixels(page, 'speciation');
      await run(page, 'speciation');
      assert.notEqual(await pixels(page, 'speciation'), before, 'the markers change the canvas');
      const r = await readout(page);
      const [ts, se] = pm(r.m_t_s);
      const theory = 0.5 * Math.log(32);
      assert.equal(r.t_s, theory.toFixed(4));
      assert.ok(se > 0 && se < 0.2, `s.e. ${se}`);
      // Linear interpolation between split times spaced ~0.25 apart adds a small bias: 0.05 beside 3 s.e.
      assert.ok(Math.abs(ts - theory) < 3 * se + 0.05, `measured t_S ${ts} ± ${se} vs theory ${theory}`);
      assert.equal(r.m_pairs, '2000');
      const csv = await download(page, '[data-export="csv"]');
      assert.match(csv, /^# seed: 3$/m);
      const header = JSON.parse(/^# measured: (.*)$/m.exec(csv)[1]);
      assert.equal(header.configs.cloning.seed, 3);
      assert.equal(header.configs.cloning.sampler.particles, 2000);
      const { columns, rows } = csvTable(csv);
      const col = (name) => columns.indexOf(name);
      const measured = rows.filter((row) => row[col('phi_measured')] !== '');
      assert.equal(measured.length, 9, 'one row per split time');
      for (const row of measured) assert.equal(row[col('pairs')], '2000');
      const maxSe = Math.max(...measured.map((row) => Number(row[col('phi_measured_se')])));
      assert.equal(maxSe.toFixed(4), r.m_phi_se);
      // φ̂ falls from near 1 to near ½ across the bracket.
      const phi = measured.map((row) => Number(row[col('phi_measured')]));
      assert.ok(phi[0] > 0.85 && phi[phi.length - 1] < 0.75, `φ̂ ${phi}`);
      // Kept when switching views and back; marked stale when the seed changes; removed when the scenario changes.
      await page.click('#tab-collapse');
      await page.click('#tab-speciation');
      assert.ok((await readout(page)).m_t_s);
      await page.fill('#ctl-seed', '4');
      await page.waitForFunction(() => document.querySelector('section[data-view="speciation"]').dataset.measured === 'stale');
      assert.match((await readout(page)).m_t_s ?? '', /./);
      assert.ok(Object.keys(await readout(page)).some((k) => k === 'm_t_s'));
      await page.fill('#ctl-d', '16');
      await page.waitForFunction(() => !document.querySelector('#readout dd[data-key="m_t_s"]'));
    },
  },
  {
    name: 'Speciation Run with narrow classes says its generation runs\' step-size bias, exports it with the measurement, and offers the fix',
    timeout: 30_000,
    async run({ page, baseUrl, assert }) {
      // σ = 0.3, U = I, Euler–Maruyama, 200 steps over T = 4: +25 % of class variance (src/sampler/step_bias.rs).
      await page.goto(`${baseUrl}?preset=biroli-speciation&d=32&sigma=0.3&T=4&steps=200&integrator=euler_maruyama&mpart=400&seed=3`);
      await waitForStatus(page, ['ready']);
      await waitDrawn(page, 'speciation');
      await page.waitForFunction(() => /Estimate: /.test(document.querySelector('section[data-view="speciation"] [data-budget]').textContent));
      await run(page, 'speciation');
      const note = await page.textContent('section[data-view="speciation"] [data-view-error]');
      assert.match(note, /^Note: the measurement's step-size bias, .*ends \+25\u00a0% off the model's 0\.09 at t = /);
      const csv = await download(page, '[data-export="csv"]');
      const header = JSON.parse(/^# measured: (.*)$/m.exec(csv)[1]);
      assert.equal(header.warnings.length, 1);
      assert.match(header.warnings[0], /^step-size bias/);
      // The note offers the fix, as a generation run's does: the steps that bring the bias within 4 %.
      const fix = 'section[data-view="speciation"] [data-view-error] button';
      const label = await page.textContent(fix);
      const steps = /^Use (\d+) time steps$/.exec(label);
      assert.ok(steps && Number(steps[1]) > 200, label);
      await page.click(fix);
      assert.equal(await page.inputValue('#ctl-steps'), steps[1]);
      assert.equal(await page.textContent('section[data-view="speciation"] [data-view-error]'), '');
      await page.waitForFunction(() => document.querySelector('section[data-view="speciation"]').dataset.measured === 'stale');
    },
  },
  {
    name: 'Speciation Run: Cancel stops a long measurement and leaves no measured numbers',
    timeout: 30_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?preset=biroli-speciation&d=64&mpart=100000&mmethod=full&steps=400`);
      await waitForStatus(page, ['ready']);
      await waitDrawn(page, 'speciation');
      await page.waitForFunction(() => /Estimate: /.test(document.querySelector('section[data-view="speciation"] [data-budget]').textContent));
      await page.click('section[data-view="speciation"] [data-run]');
      await page.waitForFunction(() => Number(document.querySelector('section[data-view="speciation"] [data-progress]').value) > 0);
      await page.click('section[data-view="speciation"] [data-cancel]');
      await page.waitForFunction(() => !document.querySelector('section[data-view="speciation"] [data-run]').disabled);
      const s = await page.evaluate(() => document.querySelector('section[data-view="speciation"]').dataset.measured);
      assert.equal(s, 'none');
      assert.equal((await readout(page)).m_t_s, undefined);
      assert.equal(await page.textContent('section[data-view="speciation"] [data-view-error]'), '');
    },
  },
  {
    name: 'Collapse Run: its trajectories\' spread about their training points is said, and the fix (a refined grid to the measurement\'s t_min) silences it',
    timeout: 60_000,
    async run({ page, baseUrl, assert }) {
      // The trajectories of the Collapse measurement end at t_min = 0.001 (the controls' 0 is below the empirical
      // score's end): 100 uniform steps leave the captured samples far wider about their points than the model.
      await page.goto(`${baseUrl}?view=collapse&d=16&n=500&mpart=200&mtraj=40&steps=100&seed=5`);
      await waitForStatus(page, ['ready']);
      await waitDrawn(page, 'collapse');
      await run(page, 'collapse');
      const note = 'section[data-view="collapse"] [data-view-error]';
      assert.match(await page.textContent(note), /^Note: the measurement's step-size bias, predicted for samples captured by a training point/);
      const label = await page.textContent(`${note} button`);
      const m = /^Use the grid refined in ln t to t_min = 0\.001 and (\d+) time steps$/.exec(label);
      assert.ok(m, label);
      await page.click(`${note} button`);
      assert.equal(await page.inputValue('#ctl-tmin'), '0.001');
      assert.equal(await page.inputValue('#ctl-grid'), 'refined');
      assert.equal(await page.inputValue('#ctl-steps'), m[1]);
      await run(page, 'collapse');
      assert.equal(await page.textContent(note), '', 'no warning after the fix');
    },
  },
  {
    name: 'Collapse Run: crit/α markers, the t̂_C histogram and the memorized fraction; CSV matches the readout',
    timeout: 30_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=collapse&d=16&n=500&mpart=200&mtraj=40&steps=100&seed=5`);
      await waitForStatus(page, ['ready']);
      await waitDrawn(page, 'collapse');
      const before = await pixels(page, 'collapse');
      await run(page, 'collapse');
      assert.notEqual(await pixels(page, 'collapse'), before);
      const r = await readout(page);
      const median = Number(r.m_t_c_median);
      assert.ok(median > 0 && median < 4, `median t̂_C ${r.m_t_c_median}`);
      const [frac, fracSe] = pm(r.m_memorized);
      const csv = await download(page, '[data-export="csv"]');
      const { columns, rows } = csvTable(csv);
      const col = (name) => columns.indexOf(name);
      assert.equal(rows.filter((row) => row[0] === 'entropy').length, 9);
      const traj = rows.filter((row) => row[0] === 'trajectory');
      assert.equal(traj.length, 40);
      const memorized = traj.filter((row) => Number(row[col('ratio_d1_d2')]) < 1 / 3).length / 40;
      assert.equal(memorized.toFixed(4), frac.toFixed(4));
      assert.ok(fracSe >= 0);
      const t = traj.map((row) => Number(row[col('t_hat_c')])).sort((a, b) => a - b);
      assert.equal(((t[19] + t[20]) / 2).toFixed(4), r.m_t_c_median);
      // crit/α → 1 at large t, and ≈ 0 well below t_C.
      const ent = rows.filter((row) => row[0] === 'entropy').map((row) => Number(row[col('crit_over_alpha')]));
      assert.ok(ent[ent.length - 1] > ent[0], `crit/α ${ent}`);
    },
  },
  {
    name: 'Transition times Run: measured t_S along γ (Q_opt, fast direction) beside the theory; CSV matches the readout',
    timeout: 30_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?preset=qopt-fast&mvalues=3&mpart=600&seed=2`);
      await waitForStatus(page, ['ready']);
      await waitDrawn(page, 'transitions');
      const before = await pixels(page, 'transitions');
      await run(page, 'transitions');
      assert.notEqual(await pixels(page, 'transitions'), before);
      const r = await readout(page);
      const entries = r.m_sweep_t_s.split('; ');
      assert.equal(entries.length, 3);
      const csv = await download(page, '[data-export="csv"]');
      const { columns, rows } = csvTable(csv);
      const col = (name) => columns.indexOf(name);
      const measured = rows.filter((row) => row[0] === 'measured');
      assert.equal(measured.length, 3);
      measured.forEach((row, i) => {
        const [x, se] = pm(entries[i].split(': ')[1]);
        assert.equal(Number(row[col('t_s_measured')]).toFixed(4), x.toFixed(4));
        const theory = Number(row[col('t_s')]);
        assert.ok(Math.abs(x - theory) < 4 * se + 0.08 * theory, `γ = ${row[1]}: ${x} ± ${se} vs ${theory}`);
      });
    },
  },
];
