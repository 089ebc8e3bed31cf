// The bench page (bench.html): runs one workload in a Worker pool of the requested size and reports milliseconds
// per step (median of repeats), the checksum of the final positions (one running sum in global particle order,
// originals then clones, as benches/generation.rs computes it natively) and GFLOP/s where the count is clear.
// The result is also left in `window.benchResult` for scripts/bench.mjs.
import { createPool } from "../pool.js";

/** Particles (or clone pairs) of each workload: the split unit (src/workloads.rs, WorkloadId::particles). */
const PARTICLES = { W1: 1000, W2: 1000, W3: 500, W4: 1000, Cloning: 1000 };
/** Flops per step where the count is clear (WorkloadId::flops_per_step). */
const FLOPS = { W2: 4 * 1000 * 64 * 1000, W3: 4 * 4000 * 256 * 500, W4: 2 * 64 * 64 * 1000 };

const status = document.querySelector("#status");
const rows = document.querySelector("#rows");
const say = (state, text) => {
  status.dataset.state = state;
  status.textContent = text;
};
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main() {
  const q = new URLSearchParams(location.search);
  const workload = q.get("workload") || "W2";
  const workers = Math.max(1, Number(q.get("workers") || 1));
  const repeats = Math.max(1, Number(q.get("repeats") || 3));
  if (workload !== "Theory" && !(workload in PARTICLES)) throw new Error(`unknown workload ${workload}`);
  say("running", `Starting ${workers} Worker(s)…`);
  const t0 = performance.now();
  const pool = await createPool(workers, new URL("./pool-worker.js", import.meta.url));
  const load_ms = performance.now() - t0;
  const all = [];
  let checksum = null;
  let extra = {};
  try {
    if (workload === "Theory") {
      // One unit per evaluation; in one Worker (the theory redraw's computation, off the main thread).
      // Warm-up: evaluations for 400 ms (at least one), so that V8 has tiered the hot wasm functions up from its
      // baseline compiler, as it has after the first moments of a drag; the first evaluation is reported apart.
      const r = await pool.run("theory_evaluate", {}, { total: 1 });
      const warm = r.ms;
      for (const w0 = performance.now(); performance.now() - w0 < 400; ) await pool.run("theory_evaluate", {}, { total: 1 });
      for (let i = 0; i < Math.max(repeats + 2, 15); i++) {
        const s = await pool.run("theory_evaluate", {}, { total: 1 });
        all.push(s.ms[0]);
        extra.t_s = s.t_s[0];
      }
      extra.first_ms = warm[0];
    } else {
      const total = PARTICLES[workload];
      for (let i = 0; i < repeats; i++) {
        say("running", `${workload}: repeat ${i + 1} of ${repeats}, ${workers} Worker(s)…`);
        const setup = await pool.run("workload_setup", { workload }, { total });
        const steps = setup.steps[0];
        const t1 = performance.now();
        const r = await pool.run("workload_run", {}, { total });
        const ms = (performance.now() - t1) / (steps - 1);
        all.push(ms);
        let sum = 0;
        for (const v of r.positions) sum += v;
        for (const v of r.clone_positions) sum += v;
        if (checksum !== null && sum !== checksum) throw new Error(`checksum changed between repeats: ${checksum} vs ${sum}`);
        checksum = sum;
        const tr = document.createElement("tr");
        tr.innerHTML = `<td>${i + 1}</td><td>${ms.toFixed(3)}</td>`;
        rows.append(tr);
      }
    }
  } finally {
    pool.terminate();
  }
  const ms = median(all);
  const gflops = FLOPS[workload] ? FLOPS[workload] / (ms * 1e6) : null;
  window.benchResult = { workload, workers, ms, all, checksum, gflops, load_ms, ...extra };
  say("ready", `${workload}, ${workers} Worker(s): ${ms.toFixed(3)} ms per ${workload === "Theory" ? "evaluation" : "step"}` +
    (gflops ? `, ${gflops.toFixed(2)} GFLOP/s` : "") + (checksum !== null ? `, checksum ${checksum}` : ""));
}

main().catch((e) => {
  window.benchResult = { error: String(e && e.message ? e.message : e) };
  say("error", `Benchmark failed: ${window.benchResult.error}`);
});
