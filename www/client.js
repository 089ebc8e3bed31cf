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
    if (channel && this.channels.has(channel)) {
      const old = this.channels.get(channel);
      const p = this.pending.get(old);
      this.settle(old);
      if (p) {
        p.reject(new Superseded());
        this.worker?.postMessage({ type: 'cancel', id: old });
        if (this.restartStuck && this.inflight.has(old)) {
          setTimeout(() => {
            if (this.inflight.has(old)) this.replaceStuck();
          }, HARD_CANCEL_MS);
        }
      }
    }
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
