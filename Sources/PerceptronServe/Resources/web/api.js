// Calls to the page's own server (/api/...), and the coalescing that keeps live updates
// fast: at most one request of each stage in flight, and the latest state sent when it returns.

/** An answer the server refused (4xx/5xx), with its one-sentence reason. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const timing = new URLSearchParams(location.search).has("timing");

async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let value = null;
  try { value = text ? JSON.parse(text) : null; } catch { value = null; }
  if (!response.ok) {
    const reason = value && typeof value.error === "string" ? value.error : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, reason);
  }
  return value;
}

export const api = {
  models: () => call("GET", "api/models"),
  sample: (split, index) => call("GET", `api/samples/${encodeURIComponent(split)}/${encodeURIComponent(index)}`),
  digitize: (request) => call("POST", "api/digitize", request),
  transform: (request) => call("POST", "api/transform", request),
  /** /api/predict; activations come as base64 float32 and are decoded into `values` (Float32Array). */
  predict: async (request) => {
    const answer = await call("POST", "api/predict", request.activations ? { ...request, activationEncoding: "float32-base64" } : request);
    const start = performance.now();
    for (const result of answer.results) for (const activation of result.activations ?? []) decodeValues(activation);
    if (timing) performance.measure("decode", { start, end: performance.now() });
    return answer;
  },
  sweep: (request) => call("POST", "api/sweep", request),
  robustness: (model) => call("GET", `api/robustness?model=${encodeURIComponent(model)}`),
  train: (request) => call("POST", "api/train", request),
  stop: () => call("POST", "api/train/stop", {}),
  resume: (run) => call("POST", "api/train/resume", { run }),
};

/** Turns an activation's `data` (little-endian float32 bytes, base64) into `values`. */
export function decodeValues(activation) {
  if (typeof activation.data !== "string") return activation;
  const text = atob(activation.data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const values = new Float32Array(bytes.length >> 2);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  activation.values = values;
  delete activation.data;
  return activation;
}

/**
 * Wraps an async `job` so that calling the result asks for one more run of it: while a run
 * is in flight, further calls only mark the work as stale, and one new run starts when it
 * returns. The job reads the latest state itself, so a slider dragged fast costs one
 * request at a time per coalesced job and the last position is always the one shown.
 * `onBusy(true|false)` reports when the chain starts and settles; `onError` gets failures.
 */
export function coalesce(job, { onBusy = () => {}, onError = () => {} } = {}) {
  let running = false;
  let stale = false;
  async function drain() {
    running = true;
    onBusy(true);
    while (stale) {
      stale = false;
      try { await job(); } catch (error) { onError(error); }
    }
    running = false;
    onBusy(false);
  }
  return function schedule() {
    stale = true;
    if (!running) drain();
  };
}
