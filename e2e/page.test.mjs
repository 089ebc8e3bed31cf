// The playground page (issue 6): every view draws, the URL holds the state, bad values are refused next to their
// control, exports, keyboard, theme, and the worker as the crash boundary.
//
// Contract with www/main.js used here: `#status[data-state]` ("ready" once the first plot is drawn); each view is a
// `section[data-view=KEY]` with `canvas#plot-KEY`, and its `data-draws` attribute counts the draws; readout values
// are `#readout dd[data-key=KEY]`; controls are `#ctl-KEY` with their messages in `#err-KEY`.

import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { canvasInk, waitForStatus } from './harness.mjs';

const MIN_INK = 0.02;

/** Number of draws of a view so far. */
async function draws(page, view) {
  return Number(await page.getAttribute(`section[data-view="${view}"]`, 'data-draws')) || 0;
}

/** Waits until the view has been drawn more than `before` times. */
async function waitForDraw(page, view, before) {
  await page.waitForFunction(
    ([v, n]) => Number(document.querySelector(`section[data-view="${v}"]`).dataset.draws || 0) > n
      // The theory of the latest controls is drawn (an earlier state's may land first while a newer one is pending).
      && document.documentElement.dataset.theory !== 'busy',
    [view, before],
  );
}

async function readout(page) {
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
    name: 'every view draws after load, and the forward view again after Run',
    async run({ page, baseUrl, assert }) {
      await page.goto(baseUrl);
      assert.equal((await waitForStatus(page)).state, 'ready');
      for (const view of ['trajectories', 'forward', 'relaxation']) {
        await openView(page, view);
        const i = await ink(page, view);
        assert.ok(i > MIN_INK, `${view}: ink ${i}`);
      }
      await openView(page, 'forward');
      const before = await draws(page, 'forward');
      await page.fill('#ctl-seed', '5');
      await page.click('section[data-view="forward"] [data-run]');
      await waitForDraw(page, 'forward', before);
      assert.ok((await ink(page, 'forward')) > MIN_INK);
      assert.match(await page.textContent('section[data-view="forward"] [data-elapsed]'), /\d s$/);
    },
  },
  {
    name: 'relaxation readout: the LNP test vector U = diag(1, 4) reaches the bound 2.5',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?v=1&view=relaxation&d=2&U=diagonal&uvals=1,4&drift=optimal`);
      await waitForStatus(page, ['ready']);
      const r = await readout(page);
      assert.equal(r.gap, '2.5000');
      assert.equal(r.bound, '2.5000');
      assert.equal(r.u_min, '1.0000');
    },
  },
  {
    name: 'changing controls updates the URL, and that URL restores the controls and the readout',
    async run({ page, context, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=relaxation`);
      await waitForStatus(page, ['ready']);
      let before = await draws(page, 'relaxation');
      await page.fill('#ctl-d', '12');
      await page.selectOption('#ctl-U', 'log_spaced');
      await page.fill('#ctl-kappa', '50');
      await page.selectOption('#ctl-drift', 'scaled');
      await page.fill('#ctl-gamma', '0.5');
      await waitForDraw(page, 'relaxation', before);
      // The last change may still be in flight: wait until the drawn result is the one for the final state.
      await page.waitForFunction(() => document.querySelector('#readout dd[data-key="gain"]') &&
        document.querySelector('section[data-view="relaxation"]').dataset.drawnQuery === location.search.slice(1));
      const url = page.url();
      const q = new URL(url).searchParams;
      assert.equal(q.get('v'), '1');
      assert.equal(q.get('d'), '12');
      assert.equal(q.get('kappa'), '50');
      assert.equal(q.get('gamma'), '0.5');
      assert.equal(q.get('drift'), 'scaled');
      assert.equal(q.get('view'), 'relaxation');
      assert.equal(q.get('seed'), null, 'defaults are omitted');
      const numbers = await readout(page);

      const page2 = await context.newPage();
      await page2.goto(url);
      await waitForStatus(page2, ['ready']);
      assert.equal(await page2.inputValue('#ctl-d'), '12');
      assert.equal(await page2.inputValue('#ctl-U'), 'log_spaced');
      assert.equal(await page2.inputValue('#ctl-kappa'), '50');
      assert.equal(await page2.inputValue('#ctl-gamma'), '0.5');
      assert.deepEqual(await readout(page2), numbers);
      before = await draws(page2, 'relaxation');
      assert.ok(before > 0 && (await ink(page2, 'relaxation')) > MIN_INK);
    },
  },
  {
    name: 'a bad value shows the allowed range next to its control, and the page still runs',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=relaxation`);
      await waitForStatus(page, ['ready']);
      await page.fill('#ctl-d', '0');
      assert.match(await page.textContent('#err-d'), /integer in \[1, 512\]/);
      assert.equal(await page.getAttribute('#ctl-d', 'aria-invalid'), 'true');
      assert.doesNotMatch(page.url(), /[?&]d=0/, 'an invalid value never reaches the URL');
      await page.fill('#ctl-d', 'abc');
      assert.match(await page.textContent('#err-d'), /got "abc"/);
      // A rule across parameters: a diagonal U needs d values.
      await page.fill('#ctl-d', '3');
      await page.selectOption('#ctl-U', 'diagonal');
      assert.match(await page.textContent('#err-uvals'), /expected d = 3 values, got 2/);
      // Fixing it runs again.
      const before = await draws(page, 'relaxation');
      await page.fill('#ctl-uvals', '1, 2, 9');
      await waitForDraw(page, 'relaxation', before);
      assert.equal(await page.textContent('#err-uvals'), '');
      assert.equal(await page.textContent('#err-d'), '');
      const r = await readout(page);
      assert.equal(r.bound, '4.0000');
      assert.equal(r.gap, '1.0000', 'Q = 0: the gap is u_min');
      assert.equal((await waitForStatus(page)).state, 'ready');
    },
  },
  {
    name: 'garbage in the URL is ignored parameter by parameter with a visible notice',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?v=1&view=relaxation&d=abc&kappa=-5&U=log_spaced&zzz=1&theme=purple&preset=nope&drift=optimal`);
      assert.equal((await waitForStatus(page)).state, 'ready');
      const notice = await page.textContent('#notice');
      for (const text of ['Dimension d', 'Condition number', 'zzz', 'theme', 'nope']) {
        assert.ok(notice.includes(text), `the notice does not mention ${text}: ${notice}`);
      }
      assert.ok(await page.isVisible('#notice'));
      // The good values were kept.
      assert.equal(await page.inputValue('#ctl-U'), 'log_spaced');
      assert.equal(await page.inputValue('#ctl-drift'), 'optimal');
      assert.equal(await page.inputValue('#ctl-d'), '64');
      assert.ok((await ink(page, 'relaxation')) > MIN_INK);
    },
  },
  {
    name: 'export: PNG at the chosen scale, a valid SVG, and CSV and JSON whose numbers match the readout',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=relaxation&preset=optimal-transient`);
      await waitForStatus(page, ['ready']);
      const r = await readout(page);
      const cssWidth = await page.evaluate(() => document.querySelector('#plot-relaxation').clientWidth);

      await page.selectOption('#png-scale', '3');
      const png = await download(page, '[data-export="png"]');
      assert.match(png.name, /\.png$/);
      assert.deepEqual([...png.bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
      assert.equal(png.bytes.readUInt32BE(16), Math.round(cssWidth * 3), 'PNG width = CSS width × scale');
      // The image carries its citation in tEXt chunks (valid CRCs), and still decodes.
      const texts = {};
      for (let at = 8; at < png.bytes.length;) {
        const len = png.bytes.readUInt32BE(at);
        const type = png.bytes.subarray(at + 4, at + 8).toString('latin1');
        const body = png.bytes.subarray(at + 4, at + 8 + len);
        assert.equal(png.bytes.readUInt32BE(at + 8 + len), crc32(body), `CRC of ${type}`);
        if (type === 'tEXt') {
          const [key, value] = body.subarray(4).toString('latin1').split('\0');
          texts[key] = value;
        }
        at += 12 + len;
      }
      assert.ok(texts.Source.includes('preset=optimal-transient'), JSON.stringify(texts));
      assert.match(texts.Comment, /view relaxation, seed \d+: http/);
      const size = await page.evaluate(async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        return [bmp.width, bmp.height];
      }, png.bytes.toString('base64'));
      assert.equal(size[0], Math.round(cssWidth * 3));

      const svg = await download(page, '[data-export="svg"]');
      const text = svg.bytes.toString('utf8');
      const parsed = await page.evaluate((s) => {
        const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
        return { root: doc.documentElement.nodeName, error: doc.querySelector('parsererror') !== null };
      }, text);
      assert.deepEqual(parsed, { root: 'svg', error: false });
      assert.ok(text.includes('Eigenvalues of A'));
      assert.match(text, /<desc>diffusion-regimes playground [^<]*view relaxation, seed \d+: http[^<]*preset=optimal-transient/);

      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      assert.match(csv, /^# generator: /m);
      assert.match(csv, /^# seed: /m);
      const config = JSON.parse(/^# config: (.*)$/m.exec(csv)[1]);
      assert.equal(config.report.process.d, 16);
      const row = (name) => Number(csv.split('\n').find((l) => l.startsWith(`${name},`)).split(',')[2]);
      assert.equal(row('gap').toFixed(4), r.gap);
      assert.equal(row('bound_tau').toFixed(4), r.bound);
      assert.equal(row('u_min').toFixed(4), r.u_min);

      const json = JSON.parse((await download(page, '[data-export="json"]')).bytes.toString('utf8'));
      assert.equal(json.view, 'relaxation');
      assert.equal(json.data.report.gap.toFixed(4), r.gap);
      assert.ok(json.link.includes('preset=optimal-transient'));
    },
  },
  {
    name: 'forward view exports carry the seed, and their paths match the drawn run',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=forward&seed=42&particles=7`);
      await waitForStatus(page, ['ready']);
      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      assert.match(csv, /^# seed: 42$/m);
      const header = csv.split('\n').find((l) => l.startsWith('t,'));
      assert.equal(header.split(',').length, 3 + 7);
      const svg = (await download(page, '[data-export="svg"]')).bytes.toString('utf8');
      assert.ok(svg.startsWith('<svg') && svg.includes('forward time t'));
    },
  },
  {
    name: 'New seed draws a fresh seed below 2^53 into the control and the URL, and that URL reproduces it',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=forward&seed=42&particles=7`);
      await waitForStatus(page, ['ready']);
      const seeds = [];
      for (let i = 0; i < 2; i += 1) {
        await page.focus('#new-seed');
        await page.keyboard.press('Enter');
        await page.waitForFunction((old) => document.querySelector('#ctl-seed').value !== old, String(seeds.at(-1) ?? 42));
        const seed = Number(await page.inputValue('#ctl-seed'));
        assert.ok(Number.isSafeInteger(seed) && seed >= 0, `seed ${seed}`);
        await page.waitForFunction((v) => new URL(location.href).searchParams.get('seed') === v, String(seed));
        assert.equal(await page.textContent('#err-seed'), '');
        seeds.push(seed);
      }
      assert.notEqual(seeds[0], seeds[1], 'two draws differ');
      await page.goto(page.url());
      await waitForStatus(page, ['ready']);
      assert.equal(await page.inputValue('#ctl-seed'), String(seeds[1]));
    },
  },
  {
    name: 'after a control change without Run, the plot says it is stale and exports cite the run that made the data',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=forward&seed=42&particles=7`);
      await waitForStatus(page, ['ready']);
      assert.equal(await page.textContent('#view-forward [data-stale-note]'), '');
      await page.fill('#ctl-seed', '43');
      await page.waitForFunction(() => new URL(location.href).searchParams.get('seed') === '43');
      assert.match(await page.textContent('#view-forward [data-stale-note]'), /settings changed since/);
      const json = JSON.parse((await download(page, '[data-export="json"]')).bytes.toString('utf8'));
      assert.equal(json.seed, 42);
      assert.equal(new URL(json.link).searchParams.get('seed'), '42');
      assert.equal(json.controls_changed_since_run, true);
      assert.equal(new URL(json.current_link).searchParams.get('seed'), '43');
      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      assert.match(csv, /^# seed: 42$/m);
      await page.click('#view-forward [data-run]');
      await page.waitForFunction(() => document.querySelector('#view-forward [data-stale-note]').textContent === '');
      const again = JSON.parse((await download(page, '[data-export="json"]')).bytes.toString('utf8'));
      assert.equal(again.seed, 43);
      assert.equal(again.controls_changed_since_run, undefined);
    },
  },
  {
    name: 'a link notice names a repeated key, a T below the core\'s range, and says how many lines it left out',
    async run({ page, baseUrl, assert }) {
      const unknown = Array.from({ length: 25 }, (_, i) => `zz${i}=1`).join('&');
      await page.goto(`${baseUrl}?d=8&d=16&T=1e-320&${unknown}`);
      await waitForStatus(page, ['ready']);
      const notice = await page.textContent('#notice');
      assert.match(notice, /"d" given more than once; the last value is used/);
      assert.equal(await page.inputValue('#ctl-d'), '16');
      assert.match(notice, /Final time T: expected a number in \[1e-10, 100\], got "1e-320"; kept 4/);
      // 2 lines above and 25 unknown keys: 20 shown, then the count of the others.
      assert.match(notice, /… and 7 more/);
      // A swept range outside the swept parameter's own range is named at "from", not at that parameter's control.
      await page.goto(`${baseUrl}?view=transitions&sweep=n&sfrom=1&sto=3`);
      await waitForStatus(page, ['ready']);
      assert.match(await page.textContent('#notice'), /Transition times: from: outside the range of Training points n \(α = ln n \/ d\): an integer in \[2, 200000\]; kept the default/);
      assert.equal(await page.textContent('#err-n'), '');
    },
  },
  {
    name: 'a theory view kept after a refused value, and a measured view after a seed change, export the data\'s own link and seed',
    timeout: 90_000,
    async run({ page, baseUrl, assert }) {
      // Relaxation: eigenvalues the core refuses keep the last plot; its exports cite the accepted values.
      await page.goto(`${baseUrl}?view=relaxation&d=2&U=diagonal&uvals=1,9`);
      await waitForStatus(page, ['ready']);
      await page.fill('#ctl-uvals', '1e-300,1e6');
      const error = 'section[data-view="relaxation"] [data-view-error]';
      await page.waitForFunction((s) => /last values the core accepted/.test(document.querySelector(s).textContent), error);
      const kept = JSON.parse((await download(page, '[data-export="json"]')).bytes.toString('utf8'));
      assert.equal(new URL(kept.link).searchParams.get('uvals'), '1,9', kept.link);
      assert.equal(kept.controls_changed_since_run, true);
      assert.equal(new URL(kept.current_link).searchParams.get('uvals'), '1e-300,1000000');
      // Speciation: the markers of a Run at seed 4242, then the seed changed: the exports cite seed 4242's run.
      await page.goto(`${baseUrl}?view=speciation&d=16&mpart=200&mtimes=5&seed=4242`);
      await waitForStatus(page, ['ready']);
      await page.click('section[data-view="speciation"] [data-run]');
      await page.waitForFunction(() => document.querySelector('section[data-view="speciation"]').dataset.measured === 'done', null, { timeout: 60_000 });
      await page.fill('#ctl-seed', '99');
      await page.waitForFunction(() => new URL(location.href).searchParams.get('seed') === '99');
      const json = JSON.parse((await download(page, '[data-export="json"]')).bytes.toString('utf8'));
      assert.equal(json.seed, 4242);
      assert.equal(new URL(json.link).searchParams.get('seed'), '4242');
      assert.equal(new URL(json.measured.link).searchParams.get('seed'), '4242');
      assert.equal(json.controls_changed_since_run, true);
      assert.equal(new URL(json.current_link).searchParams.get('seed'), '99');
      assert.ok('theory_of_current_controls' in json && !('theory' in json));
      const svg = (await download(page, '[data-export="svg"]')).bytes.toString('utf8');
      assert.match(svg, /<desc>[^<]*seed 4242: [^<]*seed=4242[^<]*\(the controls changed since; current link: [^<]*seed=99/);
    },
  },
  {
    name: 'limits: the gap sweep stays within the core range at γ = 1000, a refused theory says why, coordinates are 1-based',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=relaxation&drift=scaled&gamma=1000`);
      assert.equal((await waitForStatus(page)).state, 'ready');
      assert.equal(await page.textContent('#view-relaxation [data-view-error]'), '');
      assert.equal(await page.textContent('#err-gamma'), '');
      assert.ok((await ink(page, 'relaxation')) > MIN_INK);
      // A theory the core refuses says why next to the readout (t_S and t_C are missing), a huge value in scientific
      // notation, and the page does not widen.
      await page.goto(`${baseUrl}?U=diagonal&d=2&uvals=1e-300,1e6&particles=2`);
      await waitForStatus(page);
      await page.waitForFunction(() => /Theory unavailable for these controls: .*condition number of U = 1e306/
        .test(document.querySelector('#theory-status').textContent));
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true);
      // A coordinate beyond d is refused next to its control in the control's own 1-based numbering.
      await page.goto(`${baseUrl}?view=particles&axes=coordinates&d=4&particles=5`);
      await waitForStatus(page, ['ready']);
      await page.fill('#ctl-cx', '9');
      assert.match(await page.textContent('#err-cx'), /expected a coordinate in \[1, d = 4\]/);
    },
  },
  {
    name: 'a long theory shows its time at the top with a Stop button; Stop says so, and a new control computes again',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=relaxation&d=512&U=log_spaced&drift=optimal`);
      await page.waitForSelector('#theory-busy:not([hidden])');
      assert.match(await page.textContent('#theory-busy-text'), /Computing the theory \(d = 512\)… \d+ s/);
      await page.click('#theory-stop');
      await waitForStatus(page, ['ready']);
      assert.match(await page.textContent('#status'), /stopped/);
      assert.match(await page.textContent('#view-relaxation [data-view-error]'), /theory was stopped/);
      await page.fill('#ctl-d', '16');
      await waitForDraw(page, 'relaxation', 0);
      assert.equal(await page.textContent('#view-relaxation [data-view-error]'), '');
      assert.ok((await ink(page, 'relaxation')) > MIN_INK);
    },
  },
  {
    name: 'keyboard: Space plays and pauses the time cursor, arrows step it; theme switch redraws dark',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=forward`);
      await waitForStatus(page, ['ready']);
      const cursor = () => page.textContent('section[data-view="forward"] [data-cursor-value]');
      const play = 'section[data-view="forward"] [data-play]';
      assert.equal(await cursor(), 't = 0.000');
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('ArrowRight');
      assert.equal(await cursor(), 't = 0.080');
      await page.keyboard.press(' ');
      assert.equal(await page.getAttribute(play, 'aria-pressed'), 'true');
      await page.waitForFunction(() =>
        document.querySelector('section[data-view="forward"] [data-cursor-value]').textContent !== 't = 0.080');
      await page.keyboard.press(' ');
      assert.equal(await page.getAttribute(play, 'aria-pressed'), 'false');

      const before = await draws(page, 'forward');
      await page.selectOption('#theme', 'dark');
      await waitForDraw(page, 'forward', before);
      assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
      const corner = await page.evaluate(() => Array.from(
        document.querySelector('#plot-forward').getContext('2d').getImageData(2, 2, 1, 1).data));
      assert.ok(corner[0] < 60 && corner[1] < 60 && corner[2] < 60, `dark background expected, got ${corner}`);
      await page.waitForFunction(() => /theme=dark/.test(location.search)); // the address follows within 350 ms

      // Run from the keyboard keeps a focused control: Cancel while it runs, Run again at the end.
      await page.focus('#view-forward [data-run]');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => !document.querySelector('#view-forward [data-run]').disabled);
      assert.equal(await page.evaluate(() => document.activeElement.matches('#view-forward [data-run]')), true);
      // Tabs: Home and End go to the first and last view.
      await page.focus('#tab-forward');
      await page.keyboard.press('End');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-relaxation');
      assert.equal(await page.getAttribute('#tab-relaxation', 'aria-selected'), 'true');
      await page.keyboard.press('Home');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-trajectories');
    },
  },
  {
    name: 'a crash of the simulation worker is reported, a fresh worker starts, and the state is kept',
    async run({ page, context, baseUrl, assert }) {
      // The real worker, with its relaxation job made to panic (as a wasm panic surfaces: a RuntimeError) when d = 13.
      await context.route(/\/www\/worker\.js$/, async (route) => {
        const res = await route.fetch();
        const body = `${await res.text()}
const realRelaxation = jobs.relaxation;
jobs.relaxation = async (config, ctx) => {
  if (config.report.process.d === 13) throw new WebAssembly.RuntimeError('unreachable (test panic)');
  return realRelaxation(config, ctx);
};`;
        await route.fulfill({ response: res, body });
      });
      await page.goto(`${baseUrl}?view=relaxation&kappa=20&U=log_spaced`);
      await waitForStatus(page, ['ready']);
      await page.fill('#ctl-d', '13');
      const crash = await waitForStatus(page, ['error']);
      assert.match(crash.text, /crashed.*fresh worker/i);
      await page.waitForFunction(() => /worker crashed/.test(document.querySelector('[data-view="relaxation"] [data-view-error]').textContent));
      const ready = await waitForStatus(page, ['ready']);
      assert.match(ready.text, /fresh simulation worker/);
      assert.equal(await page.inputValue('#ctl-d'), '13', 'the state is kept');
      const before = await draws(page, 'relaxation');
      await page.fill('#ctl-d', '12');
      await waitForDraw(page, 'relaxation', before);
      assert.equal(await page.inputValue('#ctl-kappa'), '20');
      assert.ok((await ink(page, 'relaxation')) > MIN_INK);
    },
  },
  {
    name: 'trajectories: generation draws T on the left, exports its paths, and Cancel stops a long run',
    async run({ page, baseUrl, assert }) {
      await page.goto(`${baseUrl}?view=trajectories&particles=20&seed=3`);
      await waitForStatus(page, ['ready']);
      assert.ok((await ink(page, 'trajectories')) > MIN_INK);
      // The cursor starts at the left edge of the axis: t = T = 4.
      assert.equal(await page.textContent('section[data-view="trajectories"] [data-cursor-value]'), 't = 4.000');
      const csv = (await download(page, '[data-export="csv"]')).bytes.toString('utf8');
      const rows = csv.split('\n').filter((l) => /^\d/.test(l));
      assert.equal(Number(rows[0].split(',')[0]), 4, 'the first row is t = T');
      assert.equal(Number(rows[rows.length - 1].split(',')[0]), 0, 'the last row is t = 0');
      // A long run (d = 512, 2000 paths, 2000 steps) is cancelled from its progress bar.
      await page.fill('#ctl-d', '512');
      await page.fill('#ctl-particles', '2000');
      await page.fill('#ctl-steps', '2000');
      const before = await draws(page, 'trajectories');
      await page.click('section[data-view="trajectories"] [data-run]');
      await page.waitForFunction(() => {
        const p = document.querySelector('section[data-view="trajectories"] [data-progress]');
        return p.hasAttribute('value') && p.value > 0;
      });
      await page.click('section[data-view="trajectories"] [data-cancel]');
      await page.waitForFunction(() => !document.querySelector('section[data-view="trajectories"] [data-run]').disabled);
      assert.equal(await draws(page, 'trajectories'), before, 'a cancelled run draws nothing');
      // The page still runs.
      await page.fill('#ctl-d', '8');
      await page.fill('#ctl-particles', '10');
      await page.fill('#ctl-steps', '50');
      await page.click('section[data-view="trajectories"] [data-run]');
      await waitForDraw(page, 'trajectories', before);
    },
  },
  {
    name: 'the page is usable at 400 px: no horizontal scroll, the plot is visible and drawn',
    async run({ page, baseUrl, assert }) {
      await page.setViewportSize({ width: 400, height: 800 });
      await page.goto(`${baseUrl}?view=relaxation`);
      await waitForStatus(page, ['ready']);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `horizontal overflow of ${overflow} px`);
      assert.ok((await ink(page, 'relaxation')) > MIN_INK);
    },
  },
];
