// Page-test runner: drives the real page in Debian's headless Chromium with playwright-core.
//
// Usage:
//   node e2e/run.mjs [FILTER]      run the tests whose "file › name" contains FILTER
//   E2E_ROOT=dist node e2e/run.mjs  serve another folder as the site root (default: the repo)
//   E2E_TESTS=DIR node e2e/run.mjs  take the *.test.mjs files from DIR (default: e2e/)
//
// It starts two static servers on 127.0.0.1 (free ports): `baseUrl` serves the site root
// (the repo: index.html, www/, www/pkg/), `hostUrl` serves e2e/host/ (pages that embed the
// playground, for embedding tests). Then it runs every e2e/*.test.mjs.
//
// Writing tests. A test file exports a list:
//
//   export const tests = [
//     {
//       name: 'page reaches ready',              // unique within the file
//       timeout: 60_000,                         // optional, ms (default 60 s)
//       allowFailedRequests: [/\/pkg\/.*\.wasm$/], // optional: URLs that may fail / be >= 400
//       allowConsoleErrors: [/could not load/i],   // optional: console errors that are expected
//       async run({ page, context, browser, baseUrl, hostUrl, assert, allowFailedRequest }) {
//         await page.goto(baseUrl);
//         ...
//       },
//     },
//   ];
//
// Each test gets a fresh browser context and page (no shared storage or cache). `assert` is
// node:assert/strict; helpers (waitForStatus, canvasInk, screenshot, ...) are exported by
// e2e/harness.mjs. `allowFailedRequest(regex)` adds an allowance from inside a test.
// Wait for conditions (page.waitForFunction, waitForStatus, locators), never for time.
//
// A test FAILS when `run` throws or exceeds its timeout, and also, as soon as it happens, on
//   - a console message of type "error" (from the page or its workers),
//   - an uncaught exception or unhandled rejection in the page,
//   - a failed request or a response with HTTP status >= 400,
//   - any request to a host other than 127.0.0.1 (blocked, and recorded).
// Requests matching `allowFailedRequests` may fail (and their "Failed to load resource"
// console errors are ignored); console errors matching `allowConsoleErrors` are ignored.
// On failure a screenshot goes to e2e/artifacts/ (gitignored).
//
// Output: one PASS/FAIL line per test with its time and reason, then `N passed, M failed`.
// The exit code is non-zero when a test failed or no test ran.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { E2E_DIR, REPO, launchBrowser, readStatus, screenshot, startServer } from './harness.mjs';

const DEFAULT_TIMEOUT_MS = 60_000;
const ALLOWED_HOST = '127.0.0.1';

/** Load every *.test.mjs in `dir`, sorted by file name, as [{ id, test }]. */
async function discover(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.test.mjs'))
    .sort();
  const found = [];
  for (const file of files) {
    const mod = await import(pathToFileURL(path.join(dir, file)).href);
    if (!Array.isArray(mod.tests)) {
      throw new Error(`e2e/${file} must export \`const tests = [{ name, run }, ...]\``);
    }
    for (const test of mod.tests) {
      if (typeof test.name !== 'string' || typeof test.run !== 'function') {
        throw new Error(`e2e/${file}: every test needs a string \`name\` and a function \`run\``);
      }
      found.push({ id: `${file.replace(/\.test\.mjs$/, '')} › ${test.name}`, test });
    }
  }
  return found;
}

/** A broken rule or a timeout: its message says it all, no stack needed. */
class Violation extends Error {}

/** An error's stack without the runner's and Node's own frames. */
function describe(err) {
  const stack = err?.stack ?? String(err);
  return stack
    .split('\n')
    .filter((line) => !/^\s+at .*(node:internal|\/e2e\/run\.mjs)/.test(line))
    .join('\n');
}

/** Run one test in a fresh context; resolves to null on success or a failure reason. */
async function runOne(browser, servers, { id, test }) {
  const timeout = test.timeout ?? DEFAULT_TIMEOUT_MS;
  const allowedFailures = [...(test.allowFailedRequests ?? [])];
  const allowedConsole = [...(test.allowConsoleErrors ?? [])];
  const isAllowedFailure = (url) => allowedFailures.some((re) => re.test(url));

  const context = await browser.newContext({ serviceWorkers: 'block' });
  context.setDefaultTimeout(timeout);
  const page = await context.newPage();

  // Every rule break rejects `violated`, which ends the test at once.
  const violations = [];
  let reject;
  const violated = new Promise((_, rej) => {
    reject = rej;
  });
  violated.catch(() => {});
  const violate = (msg) => {
    violations.push(msg);
    reject(new Violation(msg));
  };

  const blocked = new Set();
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === ALLOWED_HOST) return route.fallback();
    blocked.add(url.href);
    violate(`request to another host: ${url.href}`);
    return route.abort('blockedbyclient');
  });
  context.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const where = msg.location()?.url ?? '';
    if (/^Failed to load resource/.test(text) && (isAllowedFailure(where) || blocked.has(where))) return;
    if (allowedConsole.some((re) => re.test(text))) return;
    violate(`console error: ${text}${where ? ` (${where})` : ''}`);
  });
  context.on('weberror', (err) => violate(`page error: ${err.error()?.stack ?? err.error()}`));
  context.on('requestfailed', (req) => {
    if (blocked.has(req.url()) || isAllowedFailure(req.url())) return;
    violate(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  context.on('response', (res) => {
    if (res.status() >= 400 && !isAllowedFailure(res.url())) {
      violate(`HTTP ${res.status()}: ${res.url()}`);
    }
  });

  let timer;
  const timedOut = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Violation(`timed out after ${timeout / 1000} s`)), timeout);
  });
  let reason = null;
  try {
    await Promise.race([
      test.run({
        page,
        context,
        browser,
        baseUrl: servers.base.url,
        hostUrl: servers.host.url,
        assert,
        allowFailedRequest: (re) => allowedFailures.push(re),
      }),
      violated,
      timedOut,
    ]);
    // A test that finished may still have broken a rule while finishing.
    if (violations.length) throw new Violation(violations[0]);
  } catch (err) {
    reason = err instanceof Violation ? err.message : describe(err);
    if (violations.length > 1) reason += `\n  also: ${violations.slice(1, 6).join('\n  also: ')}`;
    try {
      const status = await readStatus(page);
      if (status) reason += `\n  #status: data-state=${status.state} text=${JSON.stringify(status.text)}`;
      reason += `\n  screenshot: ${path.relative(REPO, await screenshot(page, id))}`;
    } catch {
      // The page may be gone (crash, timeout mid-navigation): the reason is what matters.
    }
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => {});
  }
  return reason;
}

async function main() {
  const filter = process.argv[2] ?? '';
  const all = await discover(path.resolve(REPO, process.env.E2E_TESTS ?? E2E_DIR));
  const selected = all.filter((t) => t.id.includes(filter));
  if (selected.length === 0) {
    console.log(`no page tests${filter ? ` match '${filter}'` : ' found in e2e/*.test.mjs'}`);
    console.log('0 passed, 0 failed');
    return 1;
  }

  const root = path.resolve(REPO, process.env.E2E_ROOT ?? '.');
  const servers = {
    base: await startServer(root),
    host: await startServer(path.join(E2E_DIR, 'host')),
  };
  const browser = await launchBrowser();
  console.log(`page tests: ${selected.length} test(s); site ${servers.base.url} (${root}), host pages ${servers.host.url}`);
  let passed = 0;
  let failed = 0;
  try {
    for (const t of selected) {
      const start = performance.now();
      const reason = await runOne(browser, servers, t);
      const secs = ((performance.now() - start) / 1000).toFixed(1);
      if (reason === null) {
        passed += 1;
        console.log(`PASS ${t.id} (${secs} s)`);
      } else {
        failed += 1;
        console.log(`FAIL ${t.id} (${secs} s)\n  ${reason.replace(/\n(?! {2})/g, '\n  ')}`);
      }
    }
  } finally {
    await browser.close();
    await servers.base.close();
    await servers.host.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err?.stack ?? err);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
