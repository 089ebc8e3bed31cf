// Shared pieces of the page tests: the browser, the static servers, and helpers that
// test files import. The runner is e2e/run.mjs; screenshots by hand: e2e/shot.mjs.
//
// playwright-core comes from .tools/node_modules (installed by scripts/setup.sh). ES
// modules ignore NODE_PATH, so it is loaded with createRequire from that folder.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(E2E_DIR, '..');
export const ARTIFACTS = path.join(E2E_DIR, 'artifacts');
const TOOLS = path.join(REPO, '.tools');

/** Debian's Chromium; Playwright cannot download browsers on these machines. */
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/**
 * Flags for Chromium started by hand as root (shared TOOLCHAIN.md, trap 5): without the
 * networking ones it keeps trying to reach the closed network. Playwright's `launch()`
 * adds `--headless` and a fresh temporary `--user-data-dir` (it refuses one in `args`),
 * deleted again on `browser.close()`.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function loadPlaywright() {
  const require = createRequire(path.join(TOOLS, 'package.json'));
  try {
    return require('playwright-core');
  } catch (err) {
    throw new Error(`playwright-core not found in ${TOOLS}/node_modules: run scripts/setup.sh (${err.message})`);
  }
}

/** Launch headless Chromium. */
export async function launchBrowser() {
  const { chromium } = loadPlaywright();
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run scripts/setup.sh`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// Servers still running; ended when this process exits, even on Ctrl-C (they run in their
// own process groups, so the terminal's SIGINT does not reach them).
const liveServers = new Set();
process.on('exit', () => liveServers.forEach((kill) => kill()));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(130));
}

/**
 * Serve `root` with `python3 -m http.server` on 127.0.0.1 and a free port (port 0: the
 * kernel picks one, and the server prints it). Resolves to `{ url, close }`, where `url`
 * ends with a slash. Python serves `.wasm` as application/wasm.
 */
export function startServer(root) {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so `close` also ends a python started through a wrapper (pyenv shim).
      detached: true,
    });
    const kill = () => {
      liveServers.delete(kill);
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill();
      }
    };
    liveServers.add(kill);
    let out = '';
    let done = false;
    const fail = (err) => {
      if (!done) {
        done = true;
        kill();
        reject(err);
      }
    };
    const timer = setTimeout(() => fail(new Error(`http.server for ${root} did not start in 10 s: ${out}`)), 10_000);
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`http.server for ${root} exited with ${code}: ${out}`)));
    child.stderr.on('data', () => {}); // The access log; read it so the pipe never fills.
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /port (\d+)/.exec(out);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        const close = () =>
          new Promise((res) => {
            if (child.exitCode !== null) return res();
            child.once('exit', () => res());
            kill();
          });
        resolve({ url: `http://127.0.0.1:${m[1]}/`, close });
      }
    });
  });
}

/**
 * Wait until `#status` has one of `states` in its `data-state` (default: "ready" or
 * "error"). Resolves to `{ state, text }`. Times out with the page's default timeout,
 * which the runner sets to the test's timeout.
 */
export async function waitForStatus(page, states = ['ready', 'error'], options = {}) {
  const handle = await page.waitForFunction(
    (wanted) => {
      const el = document.querySelector('#status');
      const state = el && el.getAttribute('data-state');
      return wanted.includes(state) ? { state, text: el.textContent.trim() } : null;
    },
    states,
    options,
  );
  return handle.jsonValue();
}

/** `#status`'s state and text now, or null when the page has none. For failure reports. */
export async function readStatus(page) {
  return page.evaluate(() => {
    const el = document.querySelector('#status');
    return el ? { state: el.getAttribute('data-state'), text: el.textContent.trim() } : null;
  });
}

/**
 * For each <canvas> on the page (or those matching `selector`): its id, size, and the
 * fraction of its pixels that differ from its most common colour ("ink"). A blank or
 * single-colour canvas has ink 0. Canvases whose 2D context cannot be read (WebGL, or
 * zero size) report ink null.
 */
export async function canvasInk(page, selector = 'canvas') {
  return page.evaluate((sel) => {
    return Array.from(document.querySelectorAll(sel), (c) => {
      const info = { id: c.id || null, width: c.width, height: c.height, ink: null };
      if (!c.width || !c.height) return info;
      let ctx = null;
      try {
        ctx = c.getContext('2d');
      } catch {
        return info; // e.g. control transferred to an OffscreenCanvas
      }
      if (!ctx) return info;
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      const counts = new Map();
      for (let i = 0; i < data.length; i += 4) {
        const key = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
        counts.set(key, (counts.get(key) || 0) + 1);
      }
      const top = Math.max(...counts.values());
      const pixels = data.length / 4;
      info.ink = (pixels - top) / pixels;
      return info;
    });
  }, selector);
}

/** Save a full-page PNG as e2e/artifacts/NAME.png (NAME made file-safe); returns the path. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
