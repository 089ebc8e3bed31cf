// The page's main thread: loads the wasm package (for drawing), starts the simulation Worker, wires the controls,
// and draws results with the Rust plotting code on canvases.
import init, * as core from "./pkg/diffusion_regimes.js";

const status = document.getElementById("status");
function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

// --- Worker with request ids: stale results are dropped. ---
let worker = null;
let nextId = 1;
const pending = new Map();
function startWorker() {
  worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  const ready = new Promise((resolve, reject) => {
    worker.onmessage = (ev) => {
      const msg = ev.data;
      if (msg.type === "ready") return resolve();
      if (msg.type === "fatal") return reject(new Error(msg.error));
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result); else p.reject(new Error(msg.error));
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      reject(new Error(`the simulation worker failed: ${ev.message || "could not start"}`));
    };
  });
  return ready;
}
function request(kind, config) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, kind, config });
  });
}

// --- Theme and canvas sizing. ---
function theme() {
  const forced = document.documentElement.dataset.theme;
  if (forced === "light" || forced === "dark") return forced;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}
function sizeCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth || 800;
  const cssHeight = Math.round(cssWidth * 420 / 800);
  canvas.width = Math.round(cssWidth * ratio);
  canvas.height = Math.round(cssHeight * ratio);
  return ratio;
}

// --- The forward view. ---
const form = document.getElementById("forward-controls");
const formError = document.getElementById("forward-error");
const canvas = document.getElementById("plot-forward");
let lastForward = null;
let latestForward = 0;

function readForwardConfig() {
  const fields = {};
  for (const input of form.querySelectorAll("input")) {
    input.removeAttribute("aria-invalid");
    const v = Number(input.value);
    const min = Number(input.min), max = Number(input.max);
    const integer = input.step === "1";
    if (input.value.trim() === "" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
      throw new Error(`${input.parentElement.firstChild.textContent.trim()}: expected ${integer ? "an integer" : "a number"} in [${min}, ${max}], got "${input.value}"`);
    }
    fields[input.name] = v;
  }
  return {
    schema: core.schema_version(),
    process: { d: fields.d },
    data: { sigma: fields.sigma, m_tilde: 1 },
    t_max: fields.t_max, steps: 200, particles: fields.particles, seed: fields.seed,
  };
}

function drawForward() {
  if (!lastForward) return;
  const r = lastForward;
  const ratio = sizeCanvas(canvas);
  core.draw_forward(canvas, r.times, r.projections, r.labels, r.band_mean, r.band_sd, theme(), ratio);
}

async function runForward() {
  formError.textContent = "";
  let config;
  try {
    config = readForwardConfig();
  } catch (e) {
    formError.textContent = e.message;
    return;
  }
  const mine = ++latestForward;
  setStatus("busy", "Running the forward process…");
  const t0 = performance.now();
  try {
    const result = await request("forward", config);
    if (mine !== latestForward) return; // a newer run superseded this one
    lastForward = result;
    drawForward();
    setStatus("ready", `Ready. ${config.particles} trajectories in d = ${config.process.d}, ${((performance.now() - t0) / 1000).toFixed(2)} s.`);
  } catch (e) {
    if (mine !== latestForward) return;
    formError.textContent = e.message;
    setStatus("ready", "Ready (last run refused: see the message under the controls).");
  }
}

form.addEventListener("submit", (ev) => { ev.preventDefault(); runForward(); });
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", drawForward);
let resizeTimer = 0;
window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawForward, 100); });

async function main() {
  try {
    await init();
    await startWorker();
  } catch (e) {
    setStatus("error", `The playground could not start: ${e && e.message ? e.message : e}. Reload the page; if it persists, your browser may lack WebAssembly support.`);
    return;
  }
  await runForward();
}
main();
