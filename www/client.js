// The main thread's side of the worker protocol (see www/worker.js for the messages).
//
// - Every request gets an increasing id. A request on a named channel supersedes the previous one on that channel:
//   the old one is cancelled and its result, if it still arrives, is dropped (its promise rejects with Superseded).
// - Cancel asks the worker to stop at its next chunk boundary; if the worker does not answer within
//   HARD_CANCEL_MS (a chunk that runs long), it is terminated and replaced.
// - The worker is the crash boundary: on a crash message or an error event, every pending request rejects with a
//   WorkerCrashed error, the page is told (onCrash), and a fresh worker is started. The page keeps its state.
// - With `restartStuck` (the theory worker: one theory evaluation is one wasm call of up to tens of seconds at large
//   d, with no chunk boundary), a superseded request that is still running after HARD_CANCEL_MS makes the client
//   replace the worker and resubmit the requests still pending, so the newest request never waits behind a stale one.

import { splitRange } from './pool.js';

/** How long a cancelled job may take to reach its next chunk boundary before the worker is replaced. */
const HARD_CANCEL_MS = 1500;

/** Restarts allowed in a row without a successful result, so a worker that dies at start cannot loop forever. */
const MAX_RESTARTS = 3;

export class Superseded extends Error {
  constructor() {
    super('superseded by a newer request');
    this.name = 'Superseded';
  }
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export class WorkerCrashed extends Error {
  constructor(message) {
    super(message);
    this.name = 'WorkerCrashed';
  }
}

export class SimClient {
  /**
   * @param {URL} url the worker module
   * @param {{onCrash?: (message: string) => void, onRestart?: () => void}} hooks
   * @param {{restartStuck?: boolean}} options
   */
  constructor(url, hooks = {}, { restartStuck = false } = {}) {
    this.url = url;
    this.hooks = hooks;
    this.restartStuck = restartStuck;
    this.inflight = new Set(); // ids posted to the current worker that it has not answered yet
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, onProgress, channel, hardTimer}
    this.channels = new Map(); // channel -> id
    this.restarts = 0;
    this.worker = null;
    this.ready = null;
  }

  /** Starts (or restarts) the worker; resolves when its wasm instance is ready. */
  start() {
    if (this.worker) this.worker.terminate();
    const worker = new Worker(this.url, { type: 'module' });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.onmessage = (ev) => {
        if (worker !== this.worker) return;
        const msg = ev.data;
        if (!msg || typeof msg !== 'object') return;
        if (msg.type === 'ready') return resolve();
        if (msg.type === 'fatal') return reject(new Error(String(msg.error)));
        this.onMessage(msg);
      };
      worker.onerror = (ev) => {
        ev.preventDefault();
        if (worker !== this.worker) return;
        const message = `the simulation worker failed: ${ev.message || 'could not start'}`;
        reject(new Error(message));
        this.crashed(message);
      };
    });
    this.ready.catch(() => {});
    return this.ready;
  }

  onMessage(msg) {
    if (msg.type === 'result' || msg.type === 'cancelled') this.inflight.delete(msg.id);
    const p = this.pending.get(msg.id);
    if (msg.type === 'crash') {
      this.crashed(`the simulation core crashed (${String(msg.error).slice(0, 200)})`);
      return;
    }
    if (!p) return; // stale: superseded or cancelled
    if (msg.type === 'progress') {
      if (p.onProgress && Number.isFinite(msg.done) && Number.isFinite(msg.total)) p.onProgress(msg.done, msg.total);
      return;
    }
    if (msg.type === 'cancelled') {
      this.settle(msg.id);
      p.reject(new CancelledError());
      return;
    }
    if (msg.type === 'result') {
      this.settle(msg.id);
      this.restarts = 0;
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(String(msg.error)));
    }
  }

  settle(id) {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.hardTimer);
    this.pending.delete(id);
    if (p.channel && this.channels.get(p.channel) === id) this.channels.delete(p.channel);
  }

  /** The worker died: reject everything pending, tell the page, start a fresh worker. */
  crashed(message) {
    this.inflight.clear();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.channels.clear();
    for (const p of pending) {
      clearTimeout(p.hardTimer);
      p.reject(new WorkerCrashed(message));
    }
    if (this.hooks.onCrash) this.hooks.onCrash(message);
    this.restarts += 1;
    if (this.restarts > MAX_RESTARTS) {
      if (this.worker) this.worker.terminate();
      this.worker = null;
      this.ready = Promise.reject(new Error(`${message}; it failed ${MAX_RESTARTS} times in a row, so it was not restarted`));
      this.ready.catch(() => {});
      return;
    }
    this.start().then(() => this.hooks.onRestart && this.hooks.onRestart(), () => {});
  }

  /**
   * Runs `kind` with `config`. Options: channel (a newer request on the same channel supersedes this one),
   * onProgress(done, total). Resolves to the result; rejects with Error (the core's message), CancelledError,
   * Superseded or WorkerCrashed.
   */
  async run(kind, config, { channel = null, onProgress = null } = {}) {
    const id = this.nextId++;
    this.drop(channel);
    const promise = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress, channel, hardTimer: 0, kind, config, worker: null });
    });
    if (channel) this.channels.set(channel, id);
    try {
      await this.ready;
    } catch (e) {
      this.settle(id);
      throw e;
    }
    const entry = this.pending.get(id);
    if (!entry) return promise; // superseded while waiting for the worker
    if (entry.worker !== this.worker) this.post(id, entry);
    return promise;
  }

  /**
   * Supersedes the request on `channel` (if any): its promise rejects with Superseded and the worker is asked to stop
   * it at its next chunk boundary, without a deadline (a newer request on the worker simply waits behind that chunk).
   */
  drop(channel) {
    if (!channel || !this.channels.has(channel)) return;
    const old = this.channels.get(channel);
    const p = this.pending.get(old);
    this.settle(old);
    if (!p) return;
    p.reject(new Superseded());
    this.worker?.postMessage({ type: 'cancel', id: old });
    if (this.restartStuck && this.inflight.has(old)) {
      setTimeout(() => {
        if (this.inflight.has(old)) this.replaceStuck();
      }, HARD_CANCEL_MS);
    }
  }

  post(id, entry) {
    entry.worker = this.worker;
    this.inflight.add(id);
    this.worker.postMessage({ type: 'run', id, kind: entry.kind, config: entry.config });
  }

  /** The worker is stuck in a superseded job: replace it, and resubmit every request still pending. */
  replaceStuck() {
    this.inflight.clear();
    const ready = this.start();
    ready.then(() => {
      for (const [id, entry] of this.pending) if (entry.worker !== this.worker) this.post(id, entry);
    }, () => {});
  }

  /** Cancels the request on `channel` (if any). Resolves once it is gone. */
  cancel(channel) {
    const id = this.channels.get(channel);
    const p = id && this.pending.get(id);
    if (!p) return;
    this.worker?.postMessage({ type: 'cancel', id });
    p.hardTimer = setTimeout(() => {
      if (!this.pending.has(id)) return;
      // The job is inside a long chunk: replace the worker (other pending requests are told it restarted).
      this.settle(id);
      p.reject(new CancelledError());
      const others = [...this.pending.values()];
      this.pending.clear();
      this.channels.clear();
      for (const o of others) o.reject(new Superseded());
      this.start().catch(() => {});
    }, HARD_CANCEL_MS);
  }
}

/**
 * The page's simulations on a pool of Workers (issue 7: all cores in the page), behind the same API as SimClient:
 * run(kind, config, {channel, onProgress}), cancel(channel), start(), and the hooks onCrash/onRestart.
 *
 * - `size` Workers, each a SimClient of its own (one wasm instance, the protocol of www/worker.js).
 * - "generate" splits the particles into `size` contiguous ranges (splitRange), one per Worker ("generate" with
 *   `range`); the per-particle arrays are concatenated in range order (mergeGeneration), the shared fields come from
 *   the range starting at 0. Particle i draws from stream(seed, Generation, i) wherever it runs.
 * - "measure" asks Worker 0 for `size` ranges of about equal work ("measure_split"), runs one "measure_unit" per
 *   Worker, and merges the partials in range order on Worker 0 ("measure_merge"): the engine's merge gives the same
 *   numbers for any split (src/measure/engine.rs).
 * - Every other kind (and everything when size = 1) goes whole to one Worker: the first idle one, else Worker 0.
 * - Progress is summed over the Workers (generation: particle-steps; measurement: the engine's work units, reported
 *   once every Worker has reported). A request on a channel supersedes the previous one there (every share of it is
 *   dropped at its next chunk boundary); cancel(channel) cancels every share, each with SimClient's hard deadline.
 * - A crash of any Worker rejects every pending request with WorkerCrashed and tells the page (onCrash, each time);
 *   the crashed Worker restarts (the others' wasm instances are intact and keep running), and onRestart is called
 *   once no Worker is restarting. The page keeps its state.
 *
 * Memory: a Worker holds its share of the particles (state, snapshots, results) plus what every share needs: the
 * scenario, the score (the training set for the empirical score, in full) and the axes. The main thread holds the
 * merged arrays, as with one Worker; while merging, the shares and the merged copy coexist (twice the result size).
 */
export class PoolClient {
  /**
   * @param {URL} url the worker module (www/worker.js)
   * @param {number} size Workers in the pool (≥ 1)
   * @param {{onCrash?: (message: string) => void, onRestart?: () => void}} hooks
   */
  constructor(url, size, hooks = {}) {
    this.size = size;
    this.hooks = hooks;
    this.members = Array.from({ length: size }, (_, i) => new SimClient(url, {
      onCrash: (message) => this.memberCrashed(i, message),
      onRestart: () => this.memberRestarted(i),
    }));
    this.nextId = 1;
    this.pending = new Map(); // id -> {id, channel, sub, used: Set of member indices, cancelled, resolve, reject}
    this.channels = new Map(); // channel -> id
    this.restarting = new Set(); // members that crashed and are not ready again
  }

  /** Starts every Worker; resolves when all have loaded their wasm instance. */
  start() {
    return Promise.all(this.members.map((m) => m.start())).then(() => undefined);
  }

  /** As SimClient.run. */
  run(kind, config, { channel = null, onProgress = null } = {}) {
    const id = this.nextId++;
    if (channel && this.channels.has(channel)) this.settle(this.pending.get(this.channels.get(channel)), new Superseded());
    const entry = { id, channel, sub: `pool#${id}`, used: new Set(), cancelled: false };
    const promise = new Promise((resolve, reject) => Object.assign(entry, { resolve, reject }));
    this.pending.set(id, entry);
    if (channel) this.channels.set(channel, id);
    this.execute(kind, config, entry, onProgress).then(
      (result) => this.settle(entry, null, result),
      (error) => this.settle(entry, error),
    );
    return promise;
  }

  /** As SimClient.cancel: every share of the request on `channel` is cancelled. */
  cancel(channel) {
    const id = this.channels.get(channel);
    const entry = id && this.pending.get(id);
    if (!entry) return;
    entry.cancelled = true;
    for (const i of entry.used) this.members[i].cancel(entry.sub);
  }

  execute(kind, config, entry, onProgress) {
    if (this.size > 1 && kind === 'generate') return this.generate(config, entry, onProgress);
    if (this.size > 1 && kind === 'measure') return this.measure(config, entry, onProgress);
    if (kind === 'gap_curve') return this.gapCurve(config, entry, onProgress);
    const idle = this.members.findIndex((m) => m.pending.size === 0);
    return this.call(entry, Math.max(0, idle), kind, config, onProgress);
  }

  /** One share of `entry` on member `i` (refused once the request is cancelled or settled). */
  call(entry, i, kind, config, onProgress = null) {
    if (entry.cancelled) return Promise.reject(new CancelledError());
    if (this.pending.get(entry.id) !== entry) return Promise.reject(new Superseded());
    entry.used.add(i);
    return this.members[i].run(kind, config, { channel: entry.sub, onProgress });
  }

  async generate(config, entry, onProgress) {
    const particles = config?.generate?.sampler?.particles;
    // Anything but a count of at least 2 goes whole to one Worker (which names the bad value).
    if (!(Number.isSafeInteger(particles) && particles >= 2)) return this.call(entry, 0, 'generate', config, onProgress);
    const ranges = splitRange(particles, this.size).filter(([, count]) => count > 0);
    const done = ranges.map(() => 0);
    const parts = await Promise.all(ranges.map(([first, count], i) =>
      this.call(entry, i, 'generate', { ...config, range: { first, count } }, (d, total) => {
        done[i] = d * count;
        if (onProgress) onProgress(done.reduce((a, b) => a + b, 0), total * particles);
      })));
    return mergeGeneration(parts);
  }

  async measure(config, entry, onProgress) {
    const { bounds } = await this.call(entry, 0, 'measure_split', { config, parts: this.size });
    const ranges = [];
    for (let k = 0; k + 1 < bounds.length; k++) if (bounds[k + 1] > bounds[k]) ranges.push([bounds[k], bounds[k + 1]]);
    if (ranges.length <= 1) return this.call(entry, 0, 'measure', config, onProgress);
    const done = ranges.map(() => 0);
    const totals = ranges.map(() => NaN);
    const parts = await Promise.all(ranges.map(([start, end], i) =>
      this.call(entry, i, 'measure_unit', { config, start, end }, (d, total) => {
        done[i] = d;
        totals[i] = total;
        const sum = totals.reduce((a, b) => a + b, 0);
        if (onProgress && Number.isFinite(sum)) onProgress(done.reduce((a, b) => a + b, 0), sum);
      })));
    return this.call(entry, 0, 'measure_merge', { config, partials: parts.map((p) => p.partial) });
  }

  /**
   * A "gap_curve" ({report, sweep, parts}) split in order over `parts` Workers (at most the pool's size): each builds
   * the family once and takes a contiguous run of sweep.strengths. Result: {gaps} in the order of the strengths.
   */
  async gapCurve({ parts = this.size, ...config }, entry, onProgress) {
    const { strengths } = config.sweep;
    const n = strengths.length;
    const ranges = splitRange(n, Math.max(1, Math.min(parts, this.size)), 1).filter(([, count]) => count > 0);
    if (ranges.length <= 1) return this.call(entry, 0, 'gap_curve', config, onProgress);
    const done = ranges.map(() => 0);
    const share = (first, count) => ({ ...config, sweep: { ...config.sweep, strengths: strengths.slice(first, first + count) } });
    const results = await Promise.all(ranges.map(([first, count], i) =>
      this.call(entry, i, 'gap_curve', share(first, count), (d) => {
        done[i] = d;
        if (onProgress) onProgress(done.reduce((a, b) => a + b, 0), n);
      })));
    return { gaps: results.flatMap((r) => r.gaps) };
  }

  /**
   * Whether a request other than the one on `channel` is pending (shares of a split request count once): a request
   * that would supersede the one on `channel` need not wait for it.
   */
  busyBesides(channel = null) {
    for (const entry of this.pending.values()) if (channel === null || entry.channel !== channel) return true;
    return false;
  }

  /**
   * Ends request `entry` (if still pending): resolves it, or rejects it with `error` and drops its shares still
   * running (a cancelled request's shares are left to their own cancel and its deadline).
   */
  settle(entry, error, result) {
    if (!entry || this.pending.get(entry.id) !== entry) return;
    this.pending.delete(entry.id);
    if (entry.channel && this.channels.get(entry.channel) === entry.id) this.channels.delete(entry.channel);
    if (!error) {
      entry.resolve(result);
      return;
    }
    if (!entry.cancelled) for (const i of entry.used) this.members[i].drop(entry.sub);
    entry.reject(error);
  }

  memberCrashed(i, message) {
    for (const entry of [...this.pending.values()]) this.settle(entry, new WorkerCrashed(message));
    this.restarting.add(i);
    if (this.hooks.onCrash) this.hooks.onCrash(message);
  }

  memberRestarted(i) {
    this.restarting.delete(i);
    if (this.restarting.size === 0 && this.hooks.onRestart) this.hooks.onRestart();
  }
}

/**
 * The shares of a pooled "generate" (in range order) as one result: per-particle arrays (axis1, axis2 laid out
 * [p * times.length + k], classes, ratio, captured interleaved [x, y] per particle) concatenated; every other field
 * from the first share (times, training points, marks, axis names, warning, d).
 */
export function mergeGeneration(parts) {
  const out = { ...parts[0] };
  for (const key of ['axis1', 'axis2', 'classes', 'ratio', 'captured']) {
    const arrays = parts.map((p) => p[key]);
    const merged = new arrays[0].constructor(arrays.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrays) {
      merged.set(a, at);
      at += a.length;
    }
    out[key] = merged;
  }
  return out;
}
