// Embedding in a blog post (issue 6): the embed page in an iframe and the <regimes-playground> element, both in a
// host page served from another origin (the runner's hostUrl), and the height the embedded page reports.

import { canvasInk, waitForStatus } from './harness.mjs';

const MIN_INK = 0.02;

/** The frame whose URL contains `embed=`, once it exists (a frame may attach as about:blank and navigate later). */
async function embedFrame(page) {
  const find = () => page.frames().find((x) => x.url().includes('embed='));
  if (find()) return find();
  return new Promise((resolve) => {
    const check = () => {
      const f = find();
      if (!f) return;
      page.off('frameattached', check);
      page.off('framenavigated', check);
      resolve(f);
    };
    page.on('frameattached', check);
    page.on('framenavigated', check);
  });
}

export const tests = [
  {
    name: "the iframe snippet's height holds each view's embedded page in a 720 px column",
    timeout: 120_000,
    async run({ page, context, baseUrl, assert }) {
      await page.goto(baseUrl);
      await waitForStatus(page, ['ready']);
      const embed = await context.newPage();
      await embed.setViewportSize({ width: 720, height: 200 });
      for (const view of ['trajectories', 'particles', 'speciation', 'collapse', 'transitions', 'forward', 'relaxation']) {
        await page.click(`#tab-${view}`);
        const snippet = await page.inputValue('#embed-iframe');
        const height = Number(/height="(\d+)"/.exec(snippet)[1]);
        await embed.goto(`${baseUrl}?embed=${view}`);
        await waitForStatus(embed);
        const needed = await embed.evaluate(() => Math.ceil(document.body.getBoundingClientRect().bottom
          + parseFloat(getComputedStyle(document.body).marginBottom || 0)));
        assert.ok(needed <= height, `${view}: the page needs ${needed} px, the snippet gives ${height}`);
      }
    },
  },
  {
    name: "the iframe snippet's script line sizes the iframe to its content on another origin, and ignores other senders",
    timeout: 60_000,
    async run({ page, context, baseUrl, hostUrl, assert }) {
      await page.goto(`${baseUrl}?view=relaxation&d=8`);
      await waitForStatus(page, ['ready']);
      const snippet = await page.inputValue('#embed-iframe');
      const given = Number(/height="(\d+)"/.exec(snippet)[1]);
      // In a 480 px column the Relaxation view stacks its three plots: its page is taller than the snippet's height.
      const host = await context.newPage();
      await host.setViewportSize({ width: 480, height: 700 });
      await host.goto(hostUrl);
      await host.evaluate((html) => {
        document.open();
        document.write(`<!doctype html><html><body style="margin:0">${html}</body></html>`);
        document.close();
      }, snippet);
      const frame = await embedFrame(host);
      assert.equal((await waitForStatus(frame, ['ready'])).state, 'ready');
      await host.waitForFunction((g) => parseFloat(document.querySelector('iframe').style.height) > g, given);
      await frame.waitForFunction(() => Number(document.querySelector('section[data-view="relaxation"]').dataset.draws || 0) > 0);
      await host.waitForTimeout(300);
      const shown = await host.evaluate(() => document.querySelector('iframe').getBoundingClientRect().height);
      const needed = await frame.evaluate(() => document.documentElement.scrollHeight);
      assert.ok(needed > given && Math.abs(shown - needed) <= 1, `iframe ${shown} px, page ${needed} px, snippet ${given} px`);
      // A message of the right shape from another window (here the host itself) changes nothing.
      await host.evaluate(() => window.postMessage({ type: 'regimes-playground:height', height: 150 }, '*'));
      await host.waitForTimeout(200);
      assert.equal(await host.evaluate(() => document.querySelector('iframe').getBoundingClientRect().height), shown);
      // In a wider column the view puts its plots side by side: the iframe shrinks back to the content (the page
      // used to post its scrollHeight, never less than the iframe's own height, so it only ever grew).
      await host.setViewportSize({ width: 900, height: 700 });
      await host.waitForFunction((s) => parseFloat(document.querySelector('iframe').style.height) < s - 200, shown, { timeout: 10_000 });
      await host.waitForTimeout(300);
      const wide = await host.evaluate(() => document.querySelector('iframe').getBoundingClientRect().height);
      const content = await frame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY));
      assert.ok(Math.abs(wide - content) <= 1, `iframe ${wide} px, content ${content} px`);
    },
  },
  {
    name: 'embed mode in an iframe on another origin shows one view, a link back, and reports its height',
    async run({ page, baseUrl, hostUrl, assert }) {
      const src = `${baseUrl}?v=1&embed=relaxation&preset=plane-jordan&origin=${encodeURIComponent(new URL(hostUrl).origin)}`;
      await page.goto(`${hostUrl}?src=${encodeURIComponent(src)}&width=600&height=300`);
      const frame = await embedFrame(page);
      assert.equal((await waitForStatus(frame, ['ready'])).state, 'ready');
      const [c] = await canvasInk(frame, '#plot-relaxation');
      assert.ok(c.ink > MIN_INK, `ink ${c.ink}`);
      assert.equal(await frame.isVisible('#controls'), false, 'no parameter panel in embed mode');
      assert.equal(await frame.isVisible('#tab-forward'), false, 'no tabs in embed mode');
      const link = await frame.getAttribute('#full-link', 'href');
      assert.ok(link.includes('preset=plane-jordan') && !link.includes('embed='), link);
      assert.ok(await frame.isVisible('#full-link'));
    },
  },
  {
    name: 'the custom element renders a view from another origin and resizes to the reported height',
    async run({ page, context, baseUrl, hostUrl, assert }) {
      // A static host serving embed.js to other origins must allow CORS (module scripts are fetched in CORS mode;
      // GitHub Pages sends this header). Python's http.server does not, so the test adds it.
      await context.route(/\/www\/embed\.js$/, async (route) => {
        const res = await route.fetch();
        await route.fulfill({ response: res, headers: { ...res.headers(), 'access-control-allow-origin': '*' } });
      });
      const module = `${baseUrl}www/embed.js`;
      await page.goto(`${hostUrl}element.html?module=${encodeURIComponent(module)}&view=relaxation` +
        `&preset=optimal-transient&params=${encodeURIComponent('d=8&kappa=30')}&theme=dark&height=150`);
      const frame = await embedFrame(page);
      assert.equal((await waitForStatus(frame, ['ready'])).state, 'ready');
      assert.equal(await frame.inputValue('#ctl-d'), '8');
      assert.equal(await frame.getAttribute('html', 'data-theme'), 'dark');
      const [c] = await canvasInk(frame, '#plot-relaxation');
      assert.ok(c.ink > MIN_INK, `ink ${c.ink}`);
      // The element started at 150 px and grows to the page's reported height.
      await page.waitForFunction(() => {
        const f = document.querySelector('regimes-playground').shadowRoot.querySelector('iframe');
        return parseFloat(f.style.height) > 300;
      });
    },
  },
  {
    name: 'the embedded page ignores messages of the wrong shape or origin, and obeys a documented one',
    async run({ page, baseUrl, hostUrl, assert }) {
      const origin = new URL(hostUrl).origin;
      const src = `${baseUrl}?embed=forward&origin=${encodeURIComponent(origin)}`;
      await page.goto(`${hostUrl}?src=${encodeURIComponent(src)}`);
      const frame = await embedFrame(page);
      await waitForStatus(frame, ['ready']);
      const send = (msg, target) => page.evaluate(([m, t]) => {
        document.querySelector('#embed').contentWindow.postMessage(m, t);
      }, [msg, target]);
      await send({ type: 'regimes-playground:theme', theme: '<img src=x>' }, '*');
      await send({ type: 'something-else', theme: 'dark' }, '*');
      await send('regimes-playground:theme', '*');
      await send({ type: 'regimes-playground:theme', theme: 'dark' }, '*');
      await frame.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
      assert.equal(await frame.evaluate(() => document.querySelectorAll('img').length), 0);
    },
  },
];
