// The simulation Worker: owns a wasm instance and runs the core's computations off the main thread.
//
// Protocol (main -> worker): {id, kind, config}   kind: "forward" | "relaxation"
//          (worker -> main): {type: "ready"} once, then {id, ok: true, result} or {id, ok: false, error}
//                            {type: "fatal", error} if the wasm module cannot load.
// Typed arrays in results are transferred, not copied. Layout of "forward": projections[p * times.length + k].
import init, * as core from "./pkg/diffusion_regimes.js";

const runners = {
  forward(config) {
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
  relaxation(config) {
    return [JSON.parse(core.relaxation_report(JSON.stringify(config))), []];
  },
};

const ready = init().then(
  () => postMessage({ type: "ready" }),
  (e) => { postMessage({ type: "fatal", error: `the simulation core failed to load: ${e && e.message ? e.message : e}` }); throw e; },
);

self.onmessage = async (event) => {
  const { id, kind, config } = event.data || {};
  try {
    await ready;
    const run = runners[kind];
    if (!run) throw new Error(`unknown request kind ${JSON.stringify(kind)}`);
    const [result, transfer] = run(config);
    postMessage({ id, ok: true, result }, transfer);
  } catch (e) {
    postMessage({ id, ok: false, error: e && e.message ? e.message : String(e) });
  }
};
