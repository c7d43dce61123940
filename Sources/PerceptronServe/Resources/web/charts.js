// Small SVG line charts: a few series over shared axes, with ticks, a legend and an optional
// vertical marker. Nothing but the points given is drawn (no smoothing).

const svgNS = "http://www.w3.org/2000/svg";

function node(name, attributes = {}, parent = null) {
  const element = document.createElementNS(svgNS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (parent) parent.appendChild(element);
  return element;
}

/** Round tick values covering [low, high], about `count` of them. */
export function ticks(low, high, count = 5) {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const values = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) values.push(Number(v.toPrecision(12)));
  return values;
}

/**
 * A line chart as a <figure>: `series` are `{name, colour, points: [[x, y]], dashed, dots}`;
 * `x` and `y` are `{label, domain: [low, high]}` (the y domain grows to fit the data when
 * `y.grow` is set); `marker` draws a vertical line at that x, which the figure's `moveMarker(x)` moves (null hides it). The figure's `data-points` holds
 * the number of points drawn, which tests read.
 */
export function lineChart({ title, x, y, series, marker = null, width = 360, height = 210 }) {
  const margin = { left: 46, right: 12, top: 10, bottom: 36 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  let [yLow, yHigh] = y.domain;
  if (y.grow) {
    for (const s of series) for (const [, v] of s.points) if (Number.isFinite(v)) { yLow = Math.min(yLow, v); yHigh = Math.max(yHigh, v); }
  }
  const [xLow, xHigh] = x.domain;
  const sx = (v) => margin.left + ((v - xLow) / (xHigh - xLow || 1)) * plotWidth;
  const sy = (v) => margin.top + plotHeight - ((v - yLow) / (yHigh - yLow || 1)) * plotHeight;

  const figure = document.createElement("figure");
  figure.className = "chart";
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img" });
  node("title", {}, svg).textContent = title;
  figure.appendChild(svg);

  const axes = node("g", { class: "axes" }, svg);
  for (const v of ticks(xLow, xHigh, 6)) {
    node("line", { x1: sx(v), x2: sx(v), y1: margin.top, y2: margin.top + plotHeight, class: "grid" }, axes);
    node("text", { x: sx(v), y: margin.top + plotHeight + 14, "text-anchor": "middle" }, axes).textContent = String(v);
  }
  for (const v of ticks(yLow, yHigh, 4)) {
    node("line", { x1: margin.left, x2: margin.left + plotWidth, y1: sy(v), y2: sy(v), class: "grid" }, axes);
    node("text", { x: margin.left - 5, y: sy(v) + 4, "text-anchor": "end" }, axes).textContent = String(v);
  }
  node("rect", { x: margin.left, y: margin.top, width: plotWidth, height: plotHeight, class: "frame" }, axes);
  node("text", { x: margin.left + plotWidth / 2, y: height - 4, "text-anchor": "middle", class: "label" }, axes).textContent = x.label;
  node("text", { x: 11, y: margin.top + plotHeight / 2, "text-anchor": "middle", class: "label",
                 transform: `rotate(-90 11 ${margin.top + plotHeight / 2})` }, axes).textContent = y.label;

  // The marker line is made once and moved in place (`figure.moveMarker`): a slider being
  // dragged moves it many times a second, and rebuilding the chart would lay out and paint it
  // all again each time.
  const markerLine = node("line", { y1: margin.top, y2: margin.top + plotHeight, class: "marker" }, svg);
  figure.moveMarker = (at) => {
    const shown = at !== null && at >= xLow && at <= xHigh;
    if (shown) {
      markerLine.setAttribute("x1", sx(at));
      markerLine.setAttribute("x2", sx(at));
    }
    markerLine.style.display = shown ? "" : "none";
  };
  figure.moveMarker(marker);

  let count = 0;
  for (const s of series) {
    const points = s.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py));
    count += points.length;
    if (points.length === 0) continue;
    const coordinates = points.map(([px, py]) => `${sx(px).toFixed(1)},${sy(py).toFixed(1)}`).join(" ");
    const line = node("polyline", { points: coordinates, fill: "none", stroke: s.colour, "stroke-width": 2,
                                    "stroke-dasharray": s.dashed ? "5 3" : "none" }, svg);
    node("title", {}, line).textContent = s.name;
    if (s.dots || points.length === 1) {
      for (const [px, py] of points) node("circle", { cx: sx(px), cy: sy(py), r: 3, fill: s.colour }, svg);
    }
  }
  figure.dataset.points = String(count);

  const caption = document.createElement("figcaption");
  const heading = document.createElement("strong");
  heading.textContent = title;
  caption.appendChild(heading);
  for (const s of series) {
    const key = document.createElement("span");
    key.className = "key";
    key.style.setProperty("--colour", s.colour);
    if (s.dashed) key.classList.add("dashed");
    key.textContent = s.name;
    caption.appendChild(key);
  }
  figure.appendChild(caption);
  return figure;
}

/** Colours for models, in the order /api/models lists them (Tableau 10, distinct in print). */
export const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
