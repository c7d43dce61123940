// The models side by side: each one's ten probabilities as bars with its answer, and inside
// it, each Dense layer's outputs and each Conv2D layer's feature maps. Elements are made once
// per model and updated in place, so live updates stay cheap.

import { t } from "./i18n.js";
import { attachTip, drawFeatureMaps, drawHeatGrid, formatValue, unitAt } from "./render.js";

const percent = (p) => `${(p * 100).toFixed(1)}%`;

function element(name, className, parent) {
  const e = document.createElement(name);
  if (className) e.className = className;
  if (parent) parent.appendChild(e);
  return e;
}

/** One card per model: header, answer, ten bars. */
export class ModelCards {
  constructor(container) {
    this.container = container;
    this.cards = new Map();
  }

  /** Makes the cards for `models` (entries of /api/models) in this order, dropping the others. */
  setModels(models, colourOf) {
    const names = new Set(models.map((m) => m.name));
    for (const [name, card] of this.cards) if (!names.has(name)) { card.root.remove(); this.cards.delete(name); }
    for (const model of models) {
      const card = this.cards.get(model.name) ?? this.makeCard(model);
      card.swatch.style.background = colourOf(model.name);
      this.container.appendChild(card.root);   // keeps the order of `models`
    }
    this.relabel(models);
  }

  makeCard(model) {
    const root = element("article", "card");
    root.dataset.model = model.name;
    const head = element("header", "card-head", root);
    const swatch = element("span", "swatch", head);
    const name = element("h3", "model-name", head);
    name.textContent = model.name;
    const meta = element("p", "meta", root);
    const answer = element("p", "answer", root);
    answer.setAttribute("aria-live", "polite");
    const bars = element("ol", "bars", root);
    const rows = [];
    for (let digit = 0; digit < 10; digit++) {
      const row = element("li", "bar-row", bars);
      row.dataset.digit = String(digit);
      const label = element("span", "digit", row);
      label.textContent = String(digit);
      const track = element("span", "track", row);
      const fill = element("span", "fill", track);
      const value = element("span", "value", row);
      rows.push({ row, fill, value });
    }
    const card = { root, swatch, meta, answer, rows, model };
    this.cards.set(model.name, card);
    return card;
  }

  /** Rewrites the words of every card (after a language switch). */
  relabel(models) {
    for (const model of models) {
      const card = this.cards.get(model.name);
      if (!card) continue;
      const parts = [t(`kind_${model.kind}`)];
      if (model.layers) parts.push(model.layers.filter((l) => l.type !== "InputLayer").map((l) => l.type).join("→"));
      if (typeof model.testAccuracy === "number") parts.push(t("testAccuracy", { acc: percent(model.testAccuracy) }));
      card.meta.textContent = parts.join(" · ");
    }
  }

  /** Shows one /api/predict result; `label` is the true class, when known. */
  show(result, label) {
    const card = this.cards.get(result.model);
    if (!card) return;
    const top = result.top;
    card.rows.forEach(({ row, fill, value }, digit) => {
      const p = result.probabilities[digit];
      row.dataset.p = String(p);     // the exact number, for whoever checks the page
      row.classList.toggle("top", digit === top);
      row.classList.toggle("truth", digit === label);
      fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      value.textContent = percent(p);
      row.setAttribute("aria-label", t("probabilityOf", { digit, p: percent(p) }));
    });
    card.root.dataset.top = String(top);
    const verdict = label === null || label === undefined ? "" : (top === label ? ` — ${t("right")}` : ` — ${t("wrong")}`);
    card.answer.textContent = `${t("prediction")}: ${top} (${percent(result.probabilities[top])})${verdict}`;
    card.answer.classList.toggle("wrong", label !== null && label !== undefined && top !== label);
    card.answer.classList.toggle("right", label !== null && label !== undefined && top === label);
  }
}

/** Inside each model: a heat grid per Dense layer, small multiples per Conv2D layer. */
export class InsideView {
  constructor(container) {
    this.container = container;
    this.columns = new Map();
  }

  setModels(models, colourOf) {
    const names = new Set(models.map((m) => m.name));
    for (const [name, column] of this.columns) if (!names.has(name)) { column.root.remove(); this.columns.delete(name); }
    for (const model of models) {
      let column = this.columns.get(model.name);
      if (!column) {
        const root = element("section", "model-inside");
        root.dataset.model = model.name;
        const heading = element("h3", "model-name", root);
        const swatch = element("span", "swatch", heading);
        heading.append(model.name);
        column = { root, swatch, layers: new Map() };
        this.columns.set(model.name, column);
      }
      column.swatch.style.background = colourOf(model.name);
      this.container.appendChild(column.root);
    }
  }

  clear() {
    for (const column of this.columns.values()) {
      for (const layer of column.layers.values()) layer.figure.remove();
      column.layers.clear();
    }
  }

  /** Draws the `activations` of one /api/predict result. */
  show(result) {
    const column = this.columns.get(result.model);
    if (!column || !result.activations) return;
    for (const activation of result.activations) {
      const { layer, type, shape, values } = activation;
      if (shape.length !== 1 && shape.length !== 3) continue;
      let view = column.layers.get(layer);
      if (!view) {
        const figure = element("figure", "layer", column.root);
        const canvas = element("canvas", "heat", figure);
        canvas.setAttribute("role", "img");
        const caption = element("figcaption", "", figure);
        view = { figure, canvas, caption };
        attachTip(canvas, (x, y) => this.describe(view, x, y));
        column.layers.set(layer, view);
      }
      view.activation = activation;
      if (shape.length === 1) drawHeatGrid(view.canvas, values);
      else drawFeatureMaps(view.canvas, values, shape);
      // Big enough to hover a single unit: 8 px a Dense unit, ~360 px across for the maps.
      // Sizes and words are written only when they change: a slider being dragged redraws
      // every layer many times a second, and each write would lay the page out again.
      const zoom = shape.length === 1 ? 8 : Math.max(1, Math.floor(360 / view.canvas.width));
      const size = shape.length === 1 ? t("layerUnits", { n: shape[0] }) : t("layerMaps", { h: shape[0], w: shape[1], c: shape[2] });
      const caption = `${layer} · ${type} · ${size}`;
      const key = `${view.canvas.width}x${view.canvas.height}x${zoom}|${caption}`;
      if (view.key !== key) {
        view.key = key;
        view.canvas.style.width = `${view.canvas.width * zoom}px`;
        view.canvas.style.height = `${view.canvas.height * zoom}px`;
        view.caption.textContent = caption;
        view.canvas.setAttribute("aria-label", caption);
      }
    }
  }

  describe(view, x, y) {
    const hit = unitAt(view.canvas, x, y);
    if (!hit) return null;
    const layer = view.activation.layer;
    if (hit.i !== undefined) return t("unitTip", { layer, i: hit.i, v: formatValue(hit.value) });
    return t("mapTip", { layer, c: hit.channel, x: hit.x, y: hit.y, v: formatValue(hit.value) });
  }
}
