// The playground's setup and its place in the URL's hash, so a setup can be shared and reopened:
// the image source (a dataset image, or the fact that it was drawn), the transform, the models.
// A drawing itself is not in the URL.

/** The identity transform; every field as /api/transform takes it. */
export const identityTransform = Object.freeze({
  angle: 0, scale: 1, cx: 13.5, cy: 13.5, dx: 0, dy: 0, interpolation: "linear", border: "constant",
});

/** The lesson's transform: 20° about (20, 25), then a shift of (3, 3). */
export const lessonTransform = Object.freeze({ ...identityTransform, angle: 20, cx: 20, cy: 25, dx: 3, dy: 3 });

const limits = {
  angle: [-180, 180], scale: [0.25, 3], cx: [0, 27], cy: [0, 27], dx: [-14, 14], dy: [-14, 14],
};
const interpolations = ["nearest", "linear", "cubic"];
const borders = ["constant", "replicate", "reflect", "reflect101", "wrap"];

/** The setup the page starts with: the lesson's digit, untransformed, every model. */
export function defaultState() {
  return {
    source: { kind: "dataset", split: "train", index: 5 },
    transform: { ...identityTransform },
    centre: true,      // MNIST-style centring of a drawing
    models: null,      // null: every loaded model
  };
}

/** Reads a setup from a hash such as `#img=train:5&angle=20&dx=3&dy=3&model=a&model=b`. */
export function readHash(hash) {
  const state = defaultState();
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const image = params.get("img");
  if (image === "drawn") {
    state.source = { kind: "drawn" };
  } else if (image) {
    const match = /^(train|test):(\d{1,7})$/.exec(image);
    if (match) state.source = { kind: "dataset", split: match[1], index: Number(match[2]) };
  }
  for (const [key, [low, high]] of Object.entries(limits)) {
    const value = Number(params.get(key));
    if (params.has(key) && Number.isFinite(value)) state.transform[key] = Math.min(high, Math.max(low, value));
  }
  if (interpolations.includes(params.get("interp"))) state.transform.interpolation = params.get("interp");
  if (borders.includes(params.get("border"))) state.transform.border = params.get("border");
  if (params.get("centre") === "0") state.centre = false;
  if (params.has("model")) state.models = params.getAll("model").filter((name) => name.length > 0);
  return state;
}

/** The hash for `state`, leaving out whatever has its default value to keep links short. */
export function writeHash(state) {
  const params = new URLSearchParams();
  const source = state.source;
  params.set("img", source.kind === "drawn" ? "drawn" : `${source.split}:${source.index}`);
  for (const key of Object.keys(limits)) {
    if (state.transform[key] !== identityTransform[key]) params.set(key, String(state.transform[key]));
  }
  if (state.transform.interpolation !== "linear") params.set("interp", state.transform.interpolation);
  if (state.transform.border !== "constant") params.set("border", state.transform.border);
  if (!state.centre) params.set("centre", "0");
  if (state.models) for (const name of state.models) params.append("model", name);
  return "#" + params.toString();
}

/** The body of POST /api/transform for `transform` applied to `pixels`. */
export function transformRequest(pixels, transform) {
  return {
    pixels,
    angle: transform.angle,
    scale: transform.scale,
    center: [transform.cx, transform.cy],
    shift: [transform.dx, transform.dy],
    interpolation: transform.interpolation,
    border: transform.border,
  };
}
