// A Worker of the benchmark's pool (www/pool.js): one wasm instance, work units [first, first + count) per request.
// It loads the bench build (www/bench/pkg: the page's core plus the workload exports, `--features bench`).
// Protocol: see the top of www/pool.js. State that must survive between requests of the same range (a benchmark's
// set-up workload) is kept in `held`, keyed by the config's `slot`.
import init, * as core from "./pkg/diffusion_regimes.js";

const held = new Map();

const runners = {
  // Benchmark workload, phase 1 (untimed): build the range and run one warm-up step.
  workload_setup({ workload, slot = "bench" }, first, count) {
    const w = new core.BenchWorkload(workload, first, count);
    w.run(1);
    const old = held.get(slot);
    if (old) old.free();
    held.set(slot, w);
    return [{ steps: new Float64Array([w.steps()]) }, []];
  },
  // Phase 2 (timed by the caller): run to the end; return the positions (and the clones') and this Worker's own
  // time. Progress (with `chunk` > 0) counts grid steps, not units.
  workload_run({ slot = "bench", chunk = 0 }, first, count, progress) {
    const w = held.get(slot);
    if (!w) throw new Error(`no workload set up in slot ${slot}`);
    const t0 = performance.now();
    if (chunk > 0) {
      while (!w.run(chunk)) progress(w.step());
    } else {
      w.run(Number.MAX_SAFE_INTEGER);
    }
    const ms = performance.now() - t0;
    const positions = w.positions();
    const clone_positions = w.clone_positions();
    held.delete(slot);
    w.free();
    return [{ positions, clone_positions, worker_ms: new Float64Array([ms]) }, [positions.buffer, clone_positions.buffer]];
  },
  // The theory benchmark's evaluation, `count` times (no split inside: one unit is one evaluation).
  theory_evaluate(_config, first, count) {
    const ms = new Float64Array(count);
    let ts = NaN;
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      ts = core.bench_theory_evaluate();
      ms[i] = performance.now() - t0;
    }
    return [{ ms, t_s: new Float64Array([ts]) }, [ms.buffer]];
  },
};

const ready = init().then(
  () => postMessage({ type: "ready" }),
  (e) => {
    postMessage({ type: "fatal", error: `the simulation core failed to load: ${e && e.message ? e.message : e}` });
    throw e;
  },
);

self.onmessage = async (event) => {
  const { id, kind, config, first, count } = event.data || {};
  try {
    await ready;
    const run = runners[kind];
    if (!run) throw new Error(`unknown pool request kind ${JSON.stringify(kind)}`);
    const [result, transfer] = run(config || {}, first, count, (done) => postMessage({ id, type: "progress", done }));
    postMessage({ id, ok: true, result }, transfer);
  } catch (e) {
    postMessage({ id, ok: false, error: e && e.message ? e.message : String(e) });
  }
};
