// A pool of module Workers, each with its own wasm instance, that splits work by index ranges and merges results in
// range order, so numbers do not depend on the pool size for a fixed seed (issue 7). This module's pool runs the
// benchmark page (www/bench/, with www/bench/pool-worker.js); the playground's simulation pool is PoolClient in
// www/client.js (Workers of www/worker.js, with supersede, cancel and crash recovery), which shares splitRange and
// defaultPoolSize from here.
//
// API
//   import { createPool, splitRange, defaultPoolSize } from "./pool.js";
//   const pool = await createPool(n, workerUrl);         // n Workers of the module at workerUrl (the bench's:
//                                                        // www/bench/pool-worker.js); resolves when every Worker
//                                                        // has loaded its wasm instance (rejects if one fails)
//   pool.size                                            // number of Workers
//   const out = await pool.run(kind, config, { total, onProgress, signal, merge });
//   pool.terminate();
//
// pool.run(kind, config, opts) splits [0, total) into pool.size contiguous ranges (splitRange: blocks of four units,
// the first ranges one block larger; empty ranges are skipped) and sends range i to Worker i, so a later run with the
// same total lands the same range on the same Worker (state kept in a Worker between runs stays with its range).
// It resolves to `merge(results)` where `results[i]` is Worker i's result in range order; the default merge
// concatenates every typed-array field in order and keeps the other fields as arrays (`{field: [r0, r1, ...]}`).
// onProgress({done, total}) is called with the summed progress the Workers report. Aborting `signal` rejects
// with an AbortError and terminates the Workers (a wasm call cannot be interrupted); create a new pool after it.
//
// Work-unit protocol (main -> Worker):  {id, kind, config, first, count}
//                     (Worker -> main):  {type: "ready"} once, or {type: "fatal", error}
//                                        {id, type: "progress", done}      (done: units finished of this range)
//                                        {id, ok: true, result} | {id, ok: false, error}
// `first`/`count` are the global indices of the work units (particles, clone pairs, curve points): a unit's random
// stream derives from (seed, first + p), never from the Worker or the pool size. Typed arrays in results are
// transferred. Kinds are implemented in www/bench/pool-worker.js (`runners`); add a kind there to pool a new computation.

/** Workers for this machine: navigator.hardwareConcurrency, capped at 8 (beyond that memory, not cores, limits). */
export function defaultPoolSize() {
  const n = (typeof navigator !== "undefined" && navigator.hardwareConcurrency) || 2;
  return Math.max(1, Math.min(8, n));
}

/**
 * Units per block of a split: the kernels' register tiles hold four particles (crates/kernels: the f32 softmax pass and
 * the f64 micro-kernel), and a range that is not a multiple of four sends its last particles through the scalar path.
 */
export const SPLIT_ALIGN = 4;

/**
 * [first, count] ranges splitting [0, total) into `parts` contiguous pieces of whole blocks of `align` units (the last
 * piece takes the partial block), the first `blocks % parts` pieces one block larger. Below 8 blocks per piece the
 * blocks are single units (small runs: an even split matters more there than whole register tiles). A unit's result
 * never depends on its range, so the split changes speed only.
 */
export function splitRange(total, parts, align = SPLIT_ALIGN) {
  if (total < 8 * align * parts) align = 1;
  const blocks = Math.ceil(total / align);
  const base = Math.floor(blocks / parts);
  const extra = blocks % parts;
  const out = [];
  let first = 0;
  for (let i = 0; i < parts; i++) {
    const count = Math.min((base + (i < extra ? 1 : 0)) * align, total - first);
    out.push([first, count]);
    first += count;
  }
  return out;
}

/** Default merge: concatenate typed-array fields in range order; other fields become arrays of the parts' values. */
export function concatMerge(results) {
  if (results.length === 0) return {};
  const out = {};
  for (const key of Object.keys(results[0])) {
    const parts = results.map((r) => r[key]);
    if (ArrayBuffer.isView(parts[0])) {
      const len = parts.reduce((s, p) => s + p.length, 0);
      const merged = new parts[0].constructor(len);
      let at = 0;
      for (const p of parts) {
        merged.set(p, at);
        at += p.length;
      }
      out[key] = merged;
    } else {
      out[key] = parts;
    }
  }
  return out;
}

function startWorker(url) {
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { type: "module" });
    const onMessage = (e) => {
      if (e.data && e.data.type === "ready") {
        w.removeEventListener("message", onMessage);
        resolve(w);
      } else if (e.data && e.data.type === "fatal") {
        w.terminate();
        reject(new Error(e.data.error));
      }
    };
    w.addEventListener("message", onMessage);
    w.addEventListener("error", (e) => reject(new Error(`pool worker failed to start: ${e.message || e}`)), { once: true });
  });
}

/** Start `n` Workers and resolve to the pool once all have loaded wasm. */
export async function createPool(n, workerUrl) {
  const workers = await Promise.all(Array.from({ length: n }, () => startWorker(workerUrl)));
  let nextId = 1;
  let dead = false;

  function call(worker, msg, onProgress) {
    return new Promise((resolve, reject) => {
      const onMessage = (e) => {
        const m = e.data || {};
        if (m.id !== msg.id) return;
        if (m.type === "progress") {
          onProgress(m.done);
          return;
        }
        worker.removeEventListener("message", onMessage);
        worker.removeEventListener("error", onError);
        if (m.ok) resolve(m.result);
        else reject(new Error(m.error));
      };
      const onError = (e) => {
        worker.removeEventListener("message", onMessage);
        reject(new Error(`pool worker crashed: ${e.message || e}`));
      };
      worker.addEventListener("message", onMessage);
      worker.addEventListener("error", onError, { once: true });
      worker.postMessage(msg);
    });
  }

  const pool = {
    size: n,
    async run(kind, config, { total, onProgress, signal, merge = concatMerge } = {}) {
      if (dead) throw new Error("the pool was terminated");
      if (!(Number.isInteger(total) && total > 0)) throw new Error(`pool.run: total must be a positive integer, got ${total}`);
      const id = nextId++;
      const ranges = splitRange(total, n);
      const done = new Array(n).fill(0);
      const report = () => onProgress && onProgress({ done: done.reduce((a, b) => a + b, 0), total });
      const jobs = ranges.map(([first, count], i) =>
        count === 0
          ? null
          : call(workers[i], { id, kind, config, first, count }, (d) => {
              done[i] = d;
              report();
            }),
      );
      const all = Promise.all(jobs.filter((j) => j !== null));
      if (!signal) return merge(await all);
      if (signal.aborted) throw new DOMException("pool run aborted", "AbortError");
      const aborted = new Promise((_, reject) =>
        signal.addEventListener(
          "abort",
          () => {
            pool.terminate();
            reject(new DOMException("pool run aborted", "AbortError"));
          },
          { once: true },
        ),
      );
      return merge(await Promise.race([all, aborted]));
    },
    terminate() {
      dead = true;
      workers.forEach((w) => w.terminate());
    },
  };
  return pool;
}
