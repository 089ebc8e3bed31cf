// The page loads, draws, and says so; and it reports a missing wasm module readably.
// Contract with index.html / www/main.js: `#status[data-state]` becomes "ready" once the
// wasm module is loaded and the first plot is drawn, or "error" with a message.

import { canvasInk, waitForStatus } from './harness.mjs';

/** A canvas counts as drawn when more than this fraction of its pixels differ from its
 * most common colour (the background). Axes and labels alone pass it on a small canvas,
 * an empty or cleared canvas does not. */
const MIN_INK = 0.02;

export const tests = [
  {
    name: 'page loads and reaches ready without console errors',
    async run({ page, baseUrl, assert }) {
      await page.goto(baseUrl);
      const status = await waitForStatus(page);
      assert.equal(status.state, 'ready', `#status says ${JSON.stringify(status)}`);
    },
  },
  {
    name: 'a canvas shows a plot',
    async run({ page, baseUrl, assert }) {
      await page.goto(baseUrl);
      await waitForStatus(page, ['ready']);
      const canvases = await canvasInk(page);
      assert.ok(canvases.length > 0, 'the page has no <canvas>');
      const drawn = canvases.filter((c) => c.ink !== null && c.ink > MIN_INK);
      assert.ok(drawn.length > 0, `no canvas has more than ${MIN_INK * 100}% ink: ${JSON.stringify(canvases)}`);
    },
  },
  {
    name: 'a missing wasm module gives a readable error',
    // The 404 below is the point of this test; every other request must still succeed.
    allowFailedRequests: [/\/www\/pkg\/[^/]*\.wasm$/],
    // The page may also log the load failure; that is fine as long as it says so on screen.
    allowConsoleErrors: [/wasm|webassembly|404|not found|load/i],
    async run({ page, context, baseUrl, assert }) {
      // On the context, so a module Worker's fetch of the wasm is caught too.
      await context.route(/\/www\/pkg\/[^/]*\.wasm$/, (route) =>
        route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }),
      );
      await page.goto(baseUrl);
      const status = await waitForStatus(page);
      assert.equal(status.state, 'error', `expected data-state=error, got ${JSON.stringify(status)}`);
      assert.ok(status.text.length > 0, '#status has no message');
      assert.doesNotMatch(status.text, /\[object |undefined/, 'the message is not readable');
    },
  },
];
