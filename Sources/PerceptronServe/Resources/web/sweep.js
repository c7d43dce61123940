// Sweeps: one image's class probability against angle and shift (POST /api/sweep), and the
// whole test set's accuracy against angle and shift per model (GET /api/robustness).

import { api } from "./api.js";
import { lineChart } from "./charts.js";
import { t } from "./i18n.js";

/**
 * The shift curves of a result as drawable series: horizontal and vertical moves, when the
 * result has them as separate `horizontal`/`vertical` arrays (their mean is `field`), else one line.
 */
function shiftSeries(name, colour, values, entry, field) {
  const both = (h, v) => [
    { name: `${name} · ${t("horizontal")}`, colour, points: values.map((s, i) => [s, h[i]]) },
    { name: `${name} · ${t("vertical")}`, colour, dashed: true, points: values.map((s, i) => [s, v[i]]) },
  ];
  if (Array.isArray(entry.horizontal) && Array.isArray(entry.vertical)) return both(entry.horizontal, entry.vertical);
  return [{ name, colour, points: values.map((s, i) => [s, entry[field][i]]) }];
}

export class SweepView {
  constructor({ colourOf, report }) {
    this.colourOf = colourOf;
    this.report = report;
    this.charts = document.getElementById("sweep-charts");
    this.note = document.getElementById("sweep-note");
    this.last = null;
  }

  /** Sweeps `image` ({pixels, label}) for `models`; `angle` marks the current rotation (or null). */
  async run(image, models, angle) {
    if (!image || models.length === 0) {
      this.last = null;
      this.charts.replaceChildren();
      return;
    }
    const request = (kind) => api.sweep({ pixels: image.pixels, models, kind, label: image.label ?? null });
    const [angles, shifts] = await Promise.all([request("angle"), request("shift")]);
    this.last = { angles, shifts, label: image.label ?? null, angle };
    this.draw();
  }

  /** Moves the marker of the current angle without asking the server again. */
  mark(angle) {
    if (!this.last || this.last.angle === angle) return;
    this.last.angle = angle;
    const chart = this.charts.querySelector("#sweep-angle");
    if (chart && chart.moveMarker) chart.moveMarker(angle);
    else this.draw();
  }

  draw() {
    if (!this.last) return;
    const { angles, shifts, label, angle } = this.last;
    this.note.textContent = label === null ? t("sweepTop") : t("sweepTrue", { label });
    const name = (curve) => (label === null ? `${curve.model} (${curve.class})` : curve.model);
    const angleChart = lineChart({
      title: t("againstAngle"),
      x: { label: t("angleAxis"), domain: [angles.values[0], angles.values[angles.values.length - 1]] },
      y: { label: t("probabilityAxis"), domain: [0, 1] },
      series: angles.curves.map((c) => ({ name: name(c), colour: this.colourOf(c.model), points: angles.values.map((v, i) => [v, c.probabilities[i]]) })),
      marker: angle,
    });
    angleChart.id = "sweep-angle";
    const shiftChart = lineChart({
      title: t("againstShift"),
      x: { label: t("shiftAxis"), domain: [shifts.values[0], shifts.values[shifts.values.length - 1]] },
      y: { label: t("probabilityAxis"), domain: [0, 1] },
      series: shifts.curves.flatMap((c) => (c.direction
        ? [{ name: `${name(c)} · ${t(c.direction)}`, colour: this.colourOf(c.model), dashed: c.direction === "vertical",
             points: shifts.values.map((v, i) => [v, c.probabilities[i]]) }]
        : shiftSeries(name(c), this.colourOf(c.model), shifts.values, c, "probabilities"))),
    });
    shiftChart.id = "sweep-shift";
    this.charts.replaceChildren(angleChart, shiftChart);
  }
}

export class RobustnessView {
  constructor({ colourOf, report }) {
    this.colourOf = colourOf;
    this.report = report;
    this.results = new Map();   // model name → /api/robustness answer, kept for the page's life
    this.button = document.getElementById("robust-run");
    this.status = document.getElementById("robust-status");
    this.charts = document.getElementById("robust-charts");
    this.models = [];
    this.button.addEventListener("click", () => this.compute());
  }

  /** The models whose curves are drawn (and computed on request). */
  setModels(names) {
    this.models = names;
    this.draw();
  }

  async compute() {
    this.button.disabled = true;
    const panel = document.getElementById("sweep-panel");
    panel.setAttribute("aria-busy", "true");
    try {
      for (const model of this.models) {
        if (this.results.has(model)) continue;
        this.status.textContent = t("robustComputing", { model });
        this.status.classList.add("computing");
        this.results.set(model, await api.robustness(model));
        this.draw();
      }
      this.status.textContent = t("robustDone");
    } catch (error) {
      this.status.textContent = "";
      this.report(error);
    } finally {
      this.status.classList.remove("computing");
      panel.removeAttribute("aria-busy");
      this.button.disabled = false;
    }
  }

  draw() {
    const shown = this.models.filter((m) => this.results.has(m)).map((m) => this.results.get(m));
    if (shown.length === 0) { this.charts.replaceChildren(); return; }
    const first = shown[0];
    const angleChart = lineChart({
      title: t("againstAngle"),
      x: { label: t("angleAxis"), domain: [first.angles.values[0], first.angles.values[first.angles.values.length - 1]] },
      y: { label: t("accuracyAxis"), domain: [0, 1] },
      series: shown.map((r) => ({ name: r.model, colour: this.colourOf(r.model), points: r.angles.values.map((v, i) => [v, r.angles.accuracy[i]]) })),
    });
    angleChart.id = "robust-angle";
    const shiftChart = lineChart({
      title: t("againstShift"),
      x: { label: t("shiftAxis"), domain: [first.shifts.values[0], first.shifts.values[first.shifts.values.length - 1]] },
      y: { label: t("accuracyAxis"), domain: [0, 1] },
      series: shown.flatMap((r) => shiftSeries(r.model, this.colourOf(r.model), r.shifts.values, r.shifts, "accuracy")),
    });
    shiftChart.id = "robust-shift";
    this.charts.replaceChildren(angleChart, shiftChart);
  }
}
