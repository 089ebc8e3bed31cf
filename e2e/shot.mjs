// Screenshot a page in headless Chromium, to look at what a person would see.
//
//   node e2e/shot.mjs URL OUT.png [--width 1280] [--height 800] [--dpr 1] [--dark] [--full]
//
// URL is either http(s)://127.0.0.1:PORT/... or a path such as `/` or `/index.html?x=1`:
// then the repository root is served on a free port for the shot (build www/pkg first:
// `make build`). When the page has `#status`, the shot waits (up to 60 s) until its
// data-state is "ready" or "error" and prints it. --dark emulates prefers-color-scheme:
// dark; --full captures the whole page rather than the viewport. Requests to hosts other
// than 127.0.0.1 are blocked, as in the page tests.

import { REPO, launchBrowser, readStatus, startServer, waitForStatus } from './harness.mjs';

function parseArgs(argv) {
  const opts = { width: 1280, height: 800, dpr: 1, dark: false, full: false, positional: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--dark') opts.dark = true;
    else if (a === '--full') opts.full = true;
    else if (['--width', '--height', '--dpr'].includes(a)) {
      const v = Number(argv[(i += 1)]);
      if (!(v > 0)) throw new Error(`${a} needs a positive number`);
      opts[a.slice(2)] = v;
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opts.positional.push(a);
  }
  if (opts.positional.length !== 2) {
    throw new Error('usage: node e2e/shot.mjs URL OUT.png [--width N] [--height N] [--dpr N] [--dark] [--full]');
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let [url, out] = opts.positional;
  let server = null;
  if (!/^https?:\/\//.test(url)) {
    server = await startServer(REPO);
    url = new URL(url.replace(/^\/?/, ''), server.url).href;
  }
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({
      viewport: { width: opts.width, height: opts.height },
      deviceScaleFactor: opts.dpr,
      colorScheme: opts.dark ? 'dark' : 'light',
      serviceWorkers: 'block',
    });
    await context.route('**/*', (route) =>
      new URL(route.request().url()).hostname === '127.0.0.1' ? route.fallback() : route.abort('blockedbyclient'),
    );
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') console.error(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
    await page.goto(url);
    if (await page.$('#status')) {
      await waitForStatus(page, ['ready', 'error'], { timeout: 60_000 }).catch(() => {});
      const status = await readStatus(page);
      console.log(`#status: data-state=${status?.state} text=${JSON.stringify(status?.text)}`);
    }
    await page.screenshot({ path: out, fullPage: opts.full });
    console.log(`wrote ${out} (${url}, ${opts.width}x${opts.height}${opts.dark ? ', dark' : ''})`);
  } finally {
    await browser.close();
    if (server) await server.close();
  }
}

main().catch((err) => {
  console.error(err?.message ?? err);
  process.exit(1);
});
