// Pictures drawn pixel by pixel: the 28x28 images, heat grids of activations, tiles of feature
// maps, and the hover tip that reads a value back. Canvases hold one canvas pixel per value and
// are scaled up by CSS (image-rendering: pixelated), so what is shown is exactly the data.

/** Draws a 28x28 image (0 paper ... 255 ink) as plt.imshow(cmap="Greys") does: ink dark. */
export function drawImage(canvas, pixels) {
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const image = context.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < pixels.length; i++) {
    const grey = 255 - pixels[i];
    image.data[i * 4] = grey;
    image.data[i * 4 + 1] = grey;
    image.data[i * 4 + 2] = grey;
    image.data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  canvas.pixels = pixels;
}

// Viridis at five stops: dark (low) to yellow (high), readable in grey and by most colour-blind eyes.
const viridis = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
// Blue, white, red for values of both signs.
const diverging = [[33, 102, 172], [247, 247, 247], [178, 24, 43]];

function ramp(stops, t) {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
}

/** 256 colours of `stops`, as packed RGB bytes (r, g, b per entry). */
function table(stops) {
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) out.set(ramp(stops, i / 255), i * 3);
  return out;
}
const viridisTable = table(viridis);
const divergingTable = table(diverging);

/** The colour table for `values` and the map from a value to its entry: diverging about zero
 * when any value is negative, else viridis from zero to the largest. */
function colourIndex(values) {
  let low = 0;
  let high = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < low) low = v;
    if (v > high) high = v;
  }
  if (low < 0) {
    const bound = Math.max(-low, high) || 1;
    return { lut: divergingTable, offset: 0.5, factor: 1 / (2 * bound) };
  }
  return { lut: viridisTable, offset: 0, factor: 1 / (high || 1) };
}

function colourAt(v, offset, factor) {
  const t = offset + v * factor;
  return t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255);
}

/** The canvas's ImageData of its size, kept between updates. */
function imageOf(canvas, context) {
  if (!canvas.image || canvas.image.width !== canvas.width || canvas.image.height !== canvas.height) {
    canvas.image = context.createImageData(canvas.width, canvas.height);
  }
  return canvas.image;
}

/** Rows and columns for `n` units: the most square exact factorisation (512 → 16×32), else a near-square grid. */
export function gridShape(n) {
  const root = Math.sqrt(n);
  for (let rows = Math.floor(root); rows >= Math.ceil(root / 2); rows--) {
    if (n % rows === 0) return { rows, columns: n / rows };
  }
  const rows = Math.max(1, Math.floor(root));
  return { rows, columns: Math.ceil(n / rows) };
}

/** Draws a Dense layer's `values` as a heat grid on `canvas` (resized to the grid). */
export function drawHeatGrid(canvas, values) {
  const { rows, columns } = gridShape(values.length);
  if (canvas.width !== columns || canvas.height !== rows) {
    canvas.width = columns;
    canvas.height = rows;
  }
  const { lut, offset, factor } = colourIndex(values);
  const context = canvas.getContext("2d");
  const image = imageOf(canvas, context);
  const data = image.data;
  for (let i = 0; i < values.length; i++) {
    const k = colourAt(values[i], offset, factor) * 3;
    data[i * 4] = lut[k];
    data[i * 4 + 1] = lut[k + 1];
    data[i * 4 + 2] = lut[k + 2];
    data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  canvas.layout = { kind: "units", rows, columns, values };
}

/** Tiles for `channels` maps: columns ≥ rows, as square as the count allows. */
function tileShape(channels) {
  const { rows, columns } = gridShape(channels);
  return { tileRows: rows, tileColumns: columns };
}

/** Draws Conv2D feature maps (`values` HWC, `shape` [H, W, C]) as small multiples on one canvas,
 * one tile per filter, one colour scale for the whole layer so the filters compare. */
export function drawFeatureMaps(canvas, values, shape) {
  const [h, w, c] = shape;
  const gap = 1;
  const { tileRows, tileColumns } = tileShape(c);
  const width = tileColumns * (w + gap) - gap;
  const height = tileRows * (h + gap) - gap;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const { lut, offset, factor } = colourIndex(values);
  const context = canvas.getContext("2d");
  const image = imageOf(canvas, context);   // the gaps stay transparent
  const data = image.data;
  for (let channel = 0; channel < c; channel++) {
    const left = (channel % tileColumns) * (w + gap);
    const top = Math.floor(channel / tileColumns) * (h + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const k = colourAt(values[(y * w + x) * c + channel], offset, factor) * 3;
        const at = ((top + y) * width + left + x) * 4;
        data[at] = lut[k];
        data[at + 1] = lut[k + 1];
        data[at + 2] = lut[k + 2];
        data[at + 3] = 255;
      }
    }
  }
  context.putImageData(image, 0, 0);
  canvas.layout = { kind: "maps", h, w, c, gap, tileColumns, values };
}

/** What sits under canvas pixel (x, y) of a heat grid or a feature-map canvas, or null. */
export function unitAt(canvas, x, y) {
  const layout = canvas.layout;
  if (!layout) return null;
  if (layout.kind === "units") {
    const i = y * layout.columns + x;
    return i < layout.values.length ? { i, value: layout.values[i] } : null;
  }
  const { h, w, c, gap, tileColumns, values } = layout;
  const column = Math.floor(x / (w + gap));
  const row = Math.floor(y / (h + gap));
  const px = x - column * (w + gap);
  const py = y - row * (h + gap);
  const channel = row * tileColumns + column;
  if (px >= w || py >= h || channel >= c) return null;
  return { channel, x: px, y: py, value: values[(py * w + px) * c + channel] };
}

const tip = () => document.getElementById("tip");

/** Shows `describe(x, y)` (canvas pixel coordinates) beside the pointer while it is over `canvas`. */
export function attachTip(canvas, describe) {
  canvas.addEventListener("pointermove", (event) => {
    const box = canvas.getBoundingClientRect();
    const x = Math.floor((event.clientX - box.left) * (canvas.width / box.width));
    const y = Math.floor((event.clientY - box.top) * (canvas.height / box.height));
    const text = x >= 0 && y >= 0 && x < canvas.width && y < canvas.height ? describe(x, y) : null;
    const element = tip();
    if (!text) { element.hidden = true; return; }
    element.textContent = text;
    element.hidden = false;
    element.style.left = `${event.clientX + 14}px`;
    element.style.top = `${event.clientY + 14}px`;
  });
  canvas.addEventListener("pointerleave", () => { tip().hidden = true; });
}

/** A value for a tip: 4 significant digits, no trailing noise. */
export function formatValue(v) {
  if (v === 0) return "0";
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}
