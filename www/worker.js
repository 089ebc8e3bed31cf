// The simulation Worker: owns a wasm instance and runs the core's computations off the main thread. It is the crash
// boundary: a panic in wasm poisons the instance, so the worker reports it and closes; the page starts a fresh one.
//
// Protocol. main -> worker:
//   {type: "run", id, kind, config}   id: a positive integer, increasing; kind: a key of `jobs` below
//                                     ("forward", "generate", "theory", "sweep", "relaxation", "gap_curve",
//                                     "measure", "measure_split", "measure_unit", "measure_merge", "memory")
//   {type: "cancel", id}              stop job `id` at its next chunk boundary (or drop it if still queued)
// worker -> main:
//   {type: "ready"}                   once the wasm module is loaded
//   {type: "fatal", error}            the wasm module could not load (the worker is useless)
//   {type: "progress", id, done, total}
//   {type: "result", id, ok: true, result} | {type: "result", id, ok: false, error}
//   {type: "cancelled", id}
//   {type: "crash", id, error}        a panic (WebAssembly.RuntimeError) in job `id`; the worker closes itself
// Jobs run one at a time, in order. Between chunks a job yields to the event loop, so a cancel message is seen.
// Typed arrays in results are transferred, not copied. Layout of "forward": projections[p * times.length + k].
// "generate": axis1, axis2 (the view's two axes) are [p * times.length + k] with times from T down to t_min;
// training and captured are interleaved [x0, y0, x1, y1, ...] (captured: NaN for a particle not memorized).
import init, * as core from "./pkg/diffusion_regimes.js";

class Cancelled extends Error {}

/** Up to this dimension a generation job evaluates its scenario's theory itself (well under a second). */
const INLINE_THEORY_MAX_DIM = 64;

/** Yields to the event loop (a MessageChannel round trip: faster than setTimeout's clamped delay). */
function yieldToEvents() {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(null);
  });
}

/** `run.step(chunk)`; a failure (a diverged particle) also says the run's step warning, which often names its cause. */
function stepWithWarning(run, chunk) {
  try {
    return run.step(chunk);
  } catch (e) {
    const warning = run.step_warning();
    if (warning && e instanceof Error && !(e instanceof WebAssembly.RuntimeError)) {
      e.message = `${e.message}. Before the run: ${warning}`;
    }
    throw e;
  }
}

// Each job: async (config, ctx) => [result, transferList]. ctx.step(done, total) reports progress and is the
// cancellation point.
const jobs = {
  async forward(config) {
    const r = core.run_forward(JSON.stringify(config));
    try {
      const result = {
        times: r.times(), projections: r.projections(), labels: r.labels(),
        band_mean: r.band_mean(), band_sd: r.band_sd(),
      };
      return [result, [result.times.buffer, result.projections.buffer, result.labels.buffer,
        result.band_mean.buffer, result.band_sd.buffer]];
    } finally {
      r.free();
    }
  },

  // config: {generate: GenerateConfig, plan: {axes, snapshots}, theory: TheoryConfig, marks?, range?}. The regime
  // marks come from the page (`marks`, when its theory worker already evaluated this scenario), or from the theory
  // here when it is cheap (d ≤ INLINE_THEORY_MAX_DIM); otherwise they stay empty (hasMarks: false) and the page adds
  // them when its theory arrives. Then the run is stepped in chunks of about 1/50 of the grid.
  // range: {first, count} runs only particles first..first+count (a share of a pool, www/client.js PoolClient): the
  // per-particle arrays (axis1, axis2, classes, ratio, captured) cover that range; only the share with first = 0
  // returns the training points and evaluates the inline theory (the pool takes the shared fields from it).
  async generate(config, ctx) {
    const range = config.range || null;
    const lead = !range || range.first === 0;
    let marks = config.marks || { roots: [], t_s: null, t_c: null };
    let hasMarks = Boolean(config.marks);
    let theoryNote = "";
    if (lead && !hasMarks && config.generate.scenario.process.d <= INLINE_THEORY_MAX_DIM) {
      try {
        const r = JSON.parse(core.theory_report(JSON.stringify(config.theory))).result.report;
        if (r) marks = { roots: r.speciation_roots, t_s: r.t_s, t_c: r.t_c };
        hasMarks = true;
      } catch (e) {
        theoryNote = e && e.message ? e.message : String(e);
      }
    }
    const run = range
      ? core.GenerationRun.forRange(JSON.stringify(config.generate), JSON.stringify(config.plan), range.first, range.count)
      : new core.GenerationRun(JSON.stringify(config.generate), JSON.stringify(config.plan));
    try {
      const total = run.total_steps();
      const chunk = Math.max(1, Math.ceil(total / 50));
      while (!stepWithWarning(run, chunk)) await ctx.step(run.done_steps(), total);
      await ctx.step(total, total);
      const result = {
        times: run.times(), axis1: run.projections(0), axis2: run.projections(1), classes: run.classes(), classCount: run.class_count(),
        ratio: run.distance_ratio(), captured: run.captured(), training: lead ? run.training() : new Float64Array(0),
        axisNames: run.axis_names().split("\n"), warning: run.step_warning(), stepFix: JSON.parse(run.step_fix_json()), marks, hasMarks, theoryNote,
        d: config.generate.scenario.process.d,
      };
      const transfer = [result.times, result.axis1, result.axis2, result.classes, result.ratio, result.captured,
        result.training].map((a) => a.buffer);
      return [result, transfer];
    } finally {
      run.free();
    }
  },

  // config: TheoryConfig. Returns {result: TheoryResult, biroli_t_c}.
  async theory(config) {
    return [JSON.parse(core.theory_report(JSON.stringify(config))), []];
  },

  // config: {sweep: SweepConfig, current}. Each value is a full theory evaluation, so the values go in chunks
  // (progress, cancel); the chunks' results are concatenated (message indices shifted to the whole sweep). From
  // d = 128 (a value takes 40 ms to seconds) a chunk is one value, so a superseded sweep frees its Worker soon; below,
  // four values share a call.
  async sweep(config, ctx) {
    const { values, scenario, parameter } = config.sweep;
    const d = scenario?.process?.d;
    const CHUNK = d >= 128 || parameter === 'd' ? 1 : 4;
    const out = { values: [], speciation_roots: [], t_s: [], t_c: [], spectral_gap: [], trace_bound: [], u_min: [], messages: [] };
    const manifold = [];
    for (let i = 0; i < values.length; i += CHUNK) {
      await ctx.step(i, values.length);
      const part = JSON.parse(core.theory_sweep(JSON.stringify({ ...config.sweep, values: values.slice(i, i + CHUNK) })));
      for (const k of ["values", "speciation_roots", "t_s", "t_c", "spectral_gap", "trace_bound", "u_min"]) out[k].push(...part.theory[k]);
      for (const m of part.theory.messages) out.messages.push({ ...m, index: m.index + i });
      manifold.push(...part.manifold_t_c);
    }
    await ctx.step(values.length, values.length);
    return [{ result: { parameter: config.sweep.parameter, theory: out, manifold_t_c: manifold }, sweep: config.sweep.parameter, current: config.current }, []];
  },

  // config: a MeasureConfig (src/config/measure.rs). The whole run in this Worker, in about MEASURE_CHUNKS chunks
  // (progress in the engine's work units: particle-steps or estimator terms). Result: {kind, summary, arrays}:
  // summary = the whole result (scalars, messages, theory); arrays = the non-empty typed arrays of MEASURE_ARRAYS,
  // laid out as documented in src/wasm/measure.rs (per split time, per time, per trajectory or per sweep value).
  async measure(config, ctx) {
    const json = JSON.stringify(config);
    const job = new core.MeasureJob(json, 0, core.MeasureJob.total(json));
    try {
      await stepMeasure(job, ctx);
      return measureOutput(job.finish());
    } finally {
      job.free();
    }
  },

  // config: {config: MeasureConfig, parts}. Result: {bounds}: parts + 1 global indices splitting the run into
  // `parts` contiguous ranges of about equal work (MeasureJob.split), for "measure_unit" on a pool.
  async measure_split({ config, parts }) {
    return [{ bounds: Array.from(core.MeasureJob.split(JSON.stringify(config), parts)) }, []];
  },

  // config: {config: MeasureConfig, start, end}: one work unit of a pool (global indices start..end, see
  // MeasureJob.total). Result: {partial} (a JSON string), to be merged with "measure_merge".
  async measure_unit({ config, start, end }, ctx) {
    const job = new core.MeasureJob(JSON.stringify(config), start, end);
    try {
      await stepMeasure(job, ctx);
      return [{ partial: job.partial_json() }, []];
    } finally {
      job.free();
    }
  },

  // config: {config: MeasureConfig, partials: [partial JSON strings, in range order]}. Result: as "measure" (the same
  // numbers: the engine's merge does not depend on the split).
  async measure_merge({ config, partials }) {
    return measureOutput(core.merge_measure(JSON.stringify(config), `[${partials.join(",")}]`));
  },

  // config: ignored. Result: {bytes}: the size of this Worker's wasm memory, which never shrinks, so it is the peak
  // of every job so far (documenting the pool's memory, scripts/page-speedup.mjs).
  async memory() {
    return [{ bytes: wasmMemory ? wasmMemory.buffer.byteLength : NaN }, []];
  },

  // config: {report: DriftConfig, sweep: {parameter, strengths, current, design: Design, key}}
  // The report of the current design, then the spectral gap at each strength of its family (GapCurve). The page
  // may pass only the first strengths of its curve here and the others to the pool's "gap_curve" (www/main.js).
  async relaxation(config, ctx) {
    const report = JSON.parse(core.relaxation_report(JSON.stringify(config.report)));
    const { sweep } = config;
    const [{ gaps }] = await jobs.gap_curve(config, ctx);
    const result = {
      report,
      sweep: { parameter: sweep.parameter, strengths: sweep.strengths, gaps, current: sweep.current },
    };
    return [result, []];
  },

  // config: as "relaxation" ({report, sweep}; the report is not computed). Result: {gaps}, one per strength of
  // sweep.strengths. The family is built once (U and Q₁); each strength then costs the eigenvalues of
  // A = (I + sQ₁)U only.
  async gap_curve(config, ctx) {
    const { strengths } = config.sweep;
    const total = strengths.length;
    const gaps = [];
    if (total > 0) {
      const curve = new core.GapCurve(JSON.stringify(familyProcess(config)));
      try {
        for (let i = 0; i < total; i += 1) {
          await ctx.step(i, total);
          gaps.push(curve.gap(strengths[i]));
        }
      } finally {
        curve.free();
      }
    }
    await ctx.step(total, total);
    return [{ gaps }, []];
  },
};

/** The ProcessConfig of a relaxation request's family at strength 1 (its design with `key` set to 1). */
function familyProcess({ report, sweep }) {
  return { ...report.process, drift: { ...sweep.design, [sweep.key]: 1 } };
}

// Chunks of a measurement between progress reports (and cancel checks).
const MEASURE_CHUNKS = 200;
const MEASURE_ARRAYS = ["split_times", "grid_times", "phi", "phi_se", "same_class", "theory_phi", "phi_c", "phi_c_se",
  "times", "crit", "crit_se", "theory_f", "t_hat", "ratio", "values", "theory_t_s", "measured_t_s", "measured_t_s_se",
  "theory_t_c", "measured_t_c", "measured_t_c_se"];

/** [{kind, summary, arrays}, transfer] of a MeasureOutput (freed here). */
function measureOutput(out) {
  try {
    const arrays = {};
    for (const name of MEASURE_ARRAYS) {
      const a = out[name]();
      if (a.length) arrays[name] = a;
    }
    const warnings = out.step_warnings();
    const result = { kind: out.kind(), summary: JSON.parse(out.summary_json()), arrays, warnings: warnings ? warnings.split("\n") : [],
      stepFix: JSON.parse(out.step_fix_json()) };
    return [result, Object.values(arrays).map((a) => a.buffer)];
  } finally {
    out.free();
  }
}

/** Steps a MeasureJob to the end, reporting progress (and honouring cancel) between chunks. */
async function stepMeasure(job, ctx) {
  const total = job.total_work();
  const chunk = Math.max(1, Math.ceil(total / MEASURE_CHUNKS));
  while (!job.is_done()) {
    job.step(chunk);
    await ctx.step(job.done_work(), total);
  }
}

const queue = [];
const cancelled = new Set();
let running = false;

async function runJob({ id, kind, config }) {
  const ctx = {
    async step(done, total) {
      postMessage({ type: "progress", id, done, total });
      await yieldToEvents();
      if (cancelled.has(id)) throw new Cancelled();
    },
  };
  try {
    const job = Object.hasOwn(jobs, kind) ? jobs[kind] : null;
    if (!job) throw new Error(`unknown request kind ${JSON.stringify(String(kind).slice(0, 40))}`);
    const [result, transfer] = await job(config, ctx);
    postMessage({ type: "result", id, ok: true, result }, transfer);
  } catch (e) {
    if (e instanceof Cancelled) {
      postMessage({ type: "cancelled", id });
    } else if (e instanceof WebAssembly.RuntimeError) {
      // A panic: the instance is poisoned. Say so and stop; the page starts a fresh worker.
      postMessage({ type: "crash", id, error: e.message || "a panic in the simulation core" });
      self.close();
    } else {
      postMessage({ type: "result", id, ok: false, error: e && e.message ? e.message : String(e) });
    }
  } finally {
    cancelled.delete(id);
  }
}

async function pump() {
  if (running) return;
  running = true;
  try {
    while (queue.length) {
      const job = queue.shift();
      if (cancelled.has(job.id)) {
        cancelled.delete(job.id);
        postMessage({ type: "cancelled", id: job.id });
        continue;
      }
      await runJob(job);
    }
  } finally {
    running = false;
  }
}

let wasmMemory = null; // the instance's linear memory (it only grows: its size is this Worker's peak)

const ready = init().then(
  (exports) => {
    wasmMemory = exports.memory;
    postMessage({ type: "ready" });
  },
  (e) => {
    postMessage({ type: "fatal", error: `the simulation core failed to load: ${e && e.message ? e.message : e}` });
    throw e;
  },
);
ready.catch(() => {}); // Reported as "fatal" above; nothing else to do with it.

self.onmessage = async (event) => {
  const msg = event.data;
  if (!msg || typeof msg !== "object" || !Number.isSafeInteger(msg.id) || msg.id <= 0) return;
  if (msg.type === "cancel") {
    cancelled.add(msg.id);
    return;
  }
  if (msg.type !== "run" || typeof msg.kind !== "string") return;
  try {
    await ready;
  } catch {
    return;
  }
  queue.push(msg);
  pump();
};
