// The simulation pool (issue 7, all cores in the page): generation and measurements split over 1, 2 or 3 Workers
// give the same numbers, equal to the committed goldens; a crash in one pool Worker is reported and recovered.
//
// Contract with the page used here: `?workers=N` sets the pool size (read once at load; `#pool-size` shows it);
// `www/client.js` exports PoolClient (the page's simulation client), importable from the page for direct runs.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, waitForStatus } from './harness.mjs';

const golden = (name) => JSON.parse(readFileSync(path.join(REPO, 'tests/golden', name), 'utf8'));

async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return readFileSync(await dl.path(), 'utf8');
}

async function readout(page) {
  return page.evaluate(() =>
    Object.fromEntries(Array.from(document.querySelectorAll('#readout dd'), (dd) => [dd.dataset.key, dd.textContent])),
  );
}

/**
 * Runs `requests` ([{kind, config}]) on a fresh PoolClient of `size` Workers inside the page; resolves to
 * {out: the results with typed arrays as plain arrays, requestsPerWorker}.
 */
function runInPool(page, size, requests) {
  return page.evaluate(async ([n, reqs]) => {
    const { PoolClient } = await import('./www/client.js');
    const pool = new PoolClient(new URL('./www/worker.js', location.href), n);
    await pool.start();
    const plain = (v) => JSON.parse(JSON.stringify(v, (k, x) => (ArrayBuffer.isView(x) ? Array.from(x) : x)));
    const out = [];
    for (const r of reqs) out.push(plain(await pool.run(r.kind, r.config, { channel: 'test' })));
    for (const m of pool.members) m.worker.terminate();
    return { out, requestsPerWorker: pool.members.map((m) => m.nextId - 1) };
  }, [size, requests]);
}

/** |a - b| within 1e-10 of the array's scale (tests/common/golden.rs). */
function close(assert, actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(1e-300, ...expected.map(Math.abs));
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= 1e-10 * scale, `${what}[${i}]: ${a} vs ${expected[i]}`));
}

export const tests = [
  {
    name: 'Generate on 1, 2 and 3 Workers: the same readout, CSV and JSON export',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      const seen = [];
      for (const workers of [1, 2, 3]) {
        await page.goto(`${baseUrl}?view=particles&particles=41&seed=5&n=30&score=empirical&tmin=0.01&workers=${workers}`);
        assert.equal((await waitForStatus(page, ['ready'])).text, 'Ready.');
        assert.equal(await page.textContent('#pool-size'), `${workers} Worker${workers === 1 ? '' : 's'}`);
        const ro = await readout(page);
        const csv = await download(page, '[data-export="csv"]');
        const json = JSON.parse(await download(page, '[data-export="json"]'));
        assert.equal(json.data.classes.length, 41);
        seen.push({ workers, ro, csv, data: json.data, config: json.config });
      }
      for (const s of seen.slice(1)) {
        assert.deepEqual(s.ro, seen[0].ro, `readout with ${s.workers} Workers`);
        assert.equal(s.csv, seen[0].csv, `CSV with ${s.workers} Workers`);
        assert.deepEqual(s.config, seen[0].config);
        assert.deepEqual(s.data, seen[0].data, `exported data with ${s.workers} Workers`);
      }
    },
  },
  {
    name: 'generation goldens: the pool of 1, 2 and 3 Workers reproduces tests/golden bit for bit across sizes',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=forward`);
      await waitForStatus(page, ['ready']);
      const files = ['generate_analytic_identity.json', 'generate_empirical_identity.json', 'generate_analytic_qopt.json'];
      const goldens = files.map(golden);
      // The page's generation job with the two first coordinates as axes and every grid time recorded: the last
      // snapshot is the samples' first two coordinates.
      const requests = goldens.map((g) => {
        const { snapshots, ...generate } = g.config;
        return {
          kind: 'generate',
          config: {
            generate,
            plan: { axes: { kind: 'coordinates', x: 0, y: 1 }, snapshots: Math.min(400, generate.sampler.grid.steps + 1) },
            theory: null,
            marks: { roots: [], t_s: null, t_c: null },
          },
        };
      });
      const bySize = {};
      for (const size of [1, 2, 3]) {
        const { out, requestsPerWorker } = await runInPool(page, size, requests);
        assert.ok(requestsPerWorker.every((n) => n >= requests.length), `every Worker had a share: ${requestsPerWorker}`);
        bySize[size] = out;
      }
      for (const size of [2, 3]) assert.deepEqual(bySize[size], bySize[1], `${size} Workers give the single Worker's numbers`);
      bySize[1].forEach((r, j) => {
        const g = goldens[j].result;
        const nt = r.times.length;
        const last = (axis) => Array.from({ length: g.particles }, (_, p) => axis[p * nt + nt - 1]);
        const coord = (c) => Array.from({ length: g.particles }, (_, p) => g.samples[p * g.d + c]);
        close(assert, last(r.axis1), coord(0), `${files[j]} x_1`);
        close(assert, last(r.axis2), coord(1), `${files[j]} x_2`);
        assert.deepEqual(r.classes, g.classes, `${files[j]} classes`);
        if (g.distance_ratio) close(assert, r.ratio, g.distance_ratio, `${files[j]} d1/d2`);
      });
    },
  },
  {
    name: 'measurements: the pool of 1, 2 and 3 Workers gives the same numbers for every experiment, and the goldens',
    timeout: 180_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=forward`);
      await waitForStatus(page, ['ready']);
      const { runs } = golden('measure_small.json');
      // The goldens, then the experiments without a golden (checked for pool-size independence only).
      const small = { process: { d: 4 }, n: 20 };
      const grid = { t_max: 3, t_min: 0.01, steps: 20, kind: 'refined' };
      const more = [
        { experiment: { kind: 'nearest_neighbour' }, score: 'empirical' },
        { experiment: { kind: 'memorization' }, score: 'empirical' },
        {
          experiment: { kind: 'sweep', parameter: 'm_tilde', values: [0.5, 1, 2], measure: ['t_s', 't_c'], split_factors: [0.5, 1, 2] },
          score: 'analytic',
        },
      ].map(({ experiment, score }, i) => ({
        scenario: small, sampler: { grid, particles: 30, score, integrator: 'exponential' }, experiment, seed: 50 + i,
      }));
      const requests = [...runs.map((r) => r.config), ...more].map((config) => ({ kind: 'measure', config }));
      const bySize = {};
      for (const size of [1, 2, 3]) {
        const { out, requestsPerWorker } = await runInPool(page, size, requests);
        assert.ok(requestsPerWorker.every((n) => n >= requests.length), `every Worker had a share: ${requestsPerWorker}`);
        bySize[size] = out;
      }
      for (const size of [2, 3]) assert.deepEqual(bySize[size], bySize[1], `${size} Workers give the single Worker's numbers`);
      assert.deepEqual(bySize[1].slice(runs.length).map((r) => r.kind), ['nearest_neighbour', 'memorization', 'sweep']);
      assert.equal(bySize[1][runs.length].arrays.t_hat.length, 30);
      assert.equal(bySize[1][runs.length + 2].arrays.values.length, 3);
      runs.forEach((run, j) => {
        const r = bySize[1][j];
        for (const [key, want] of Object.entries(run.expect)) {
          const got = r.arrays[key] ?? r.summary[key];
          assert.ok(got !== undefined, `${run.name}: ${key} missing`);
          if (Array.isArray(want)) close(assert, got, want, `${run.name}.${key}`);
          else close(assert, [got], [want], `${run.name}.${key}`);
        }
      });
    },
  },
  {
    name: 'pool: progress is summed over the Workers, Cancel stops every share, a newer request supersedes',
    timeout: 120_000,
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=forward`);
      await waitForStatus(page, ['ready']);
      const r = await page.evaluate(async () => {
        const { PoolClient, CancelledError, Superseded } = await import('./www/client.js');
        const pool = new PoolClient(new URL('./www/worker.js', location.href), 3);
        await pool.start();
        // A long cloning measurement (about 10⁹ particle-steps·d at d = 256): cancelled after its first progress.
        const long = {
          scenario: { process: { d: 256 } },
          sampler: { grid: { t_max: 6, t_min: 0, steps: 2000, kind: 'uniform' }, particles: 2000, integrator: 'exponential' },
          experiment: { kind: 'cloning', split_times: [1, 2, 3] },
          seed: 1,
        };
        const seen = [];
        let t0 = 0;
        const outcome = await new Promise((resolve) => {
          pool.run('measure', long, {
            channel: 'm',
            onProgress: (done, total) => {
              seen.push([done, total]);
              if (!t0) {
                t0 = performance.now();
                pool.cancel('m');
              }
            },
          }).then(() => resolve('finished'), (e) => resolve(e));
        });
        const cancelledAt = performance.now() - t0;
        // Supersede: two small requests on one channel; the first rejects, the second resolves.
        const small = { ...long, scenario: { process: { d: 4 } }, sampler: { ...long.sampler, grid: { ...long.sampler.grid, steps: 40 }, particles: 60 } };
        const a = pool.run('measure', small, { channel: 'x' });
        const b = pool.run('measure', small, { channel: 'x' });
        const aErr = await a.then(() => null, (e) => e);
        const bRes = await b;
        for (const m of pool.members) m.worker.terminate();
        return {
          seen, cancelled: outcome instanceof CancelledError, cancelledAt, superseded: aErr instanceof Superseded,
          phi: Array.from(bRes.arrays.phi),
        };
      });
      assert.ok(r.seen.length > 0 && r.seen.every(([d, t]) => d <= t), `progress ${JSON.stringify(r.seen)}`);
      assert.ok(r.cancelled, 'a cancelled request rejects with CancelledError');
      assert.ok(r.cancelledAt < 3000, `cancel took ${r.cancelledAt} ms`);
      assert.ok(r.superseded, 'the older request on a channel rejects with Superseded');
      assert.equal(r.phi.length, 3);
    },
  },
  {
    name: 'a crash in one pool Worker is reported, the pool recovers, and the state is kept',
    timeout: 120_000,
    async run({ page, context, baseUrl, assert }) {
      // The real worker, with the share of a pooled generation run that starts past particle 0 made to panic when
      // seed = 13: only the second of two Workers crashes.
      await context.route(/\/www\/worker\.js$/, async (route) => {
        const res = await route.fetch();
        const body = `${await res.text()}
const realGenerate = jobs.generate;
jobs.generate = async (config, ctx) => {
  if (config.generate.seed === 13 && config.range && config.range.first > 0) throw new WebAssembly.RuntimeError('unreachable (test panic)');
  return realGenerate(config, ctx);
};`;
        await route.fulfill({ response: res, body });
      });
      await page.goto(`${baseUrl}?view=trajectories&particles=20&workers=2`);
      await waitForStatus(page, ['ready']);
      await page.fill('#ctl-seed', '13');
      await page.click('section[data-view="trajectories"] [data-run]');
      const crash = await waitForStatus(page, ['error']);
      assert.match(crash.text, /crashed.*fresh worker/i);
      await page.waitForFunction(() => /worker crashed/.test(document.querySelector('[data-view="trajectories"] [data-view-error]').textContent));
      const ready = await waitForStatus(page, ['ready']);
      assert.match(ready.text, /fresh simulation worker/);
      assert.equal(await page.inputValue('#ctl-seed'), '13', 'the state is kept');
      // The restarted pool runs the next request on both Workers.
      await page.fill('#ctl-seed', '14');
      await page.click('section[data-view="trajectories"] [data-run]');
      const done = await waitForStatus(page, ['ready', 'error']);
      assert.equal(done.text, 'Ready.');
      assert.equal(await page.textContent('[data-view="trajectories"] [data-view-error]'), '');
      const json = JSON.parse(await download(page, '[data-export="json"]'));
      assert.equal(json.config.generate.seed, 14);
      assert.equal(json.data.classes.length, 20);
    },
  },
];
