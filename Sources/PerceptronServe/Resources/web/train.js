// Training from the page: the form with the lesson's settings, start, stop and resume, and the
// live view of a run from /api/train/events (Keras-style progress text, loss and accuracy curves).

import { api } from "./api.js";
import { lineChart } from "./charts.js";
import { t } from "./i18n.js";

const defaults = {
  mlp: { epochs: 30, batchSize: 1000 },
  cnn: { epochs: 15, batchSize: 128 },
};

/** The last `count` lines of Keras-style progress: an `Epoch i/N` line, then a bar line that each
 * update rewrites, kept once its epoch ends. */
class ProgressText {
  constructor(count = 14) {
    this.count = count;
    this.lines = [];
    this.current = "";
  }

  add(text) {
    const parts = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").split("\n").map((p) => p.split("\r").pop());
    const last = parts.pop();
    for (const part of parts) this.push(part);
    if (/^Epoch \d+\/\d+/.test(last)) this.push(last);
    else if (last.length > 0) this.current = last;
  }

  push(line) {
    this.commit();
    this.lines.push(line);
    this.lines = this.lines.slice(-this.count);
  }

  /** Keeps the bar line under way (at an epoch's end). */
  commit() {
    if (this.current) this.lines.push(this.current);
    this.current = "";
    this.lines = this.lines.slice(-this.count);
  }

  text() { return [...this.lines, this.current].filter((l) => l.length > 0).join("\n"); }
}

export class TrainPanel {
  /** `onCompleted(run)` is called when a run finishes; `report(error)` shows a failure. */
  constructor({ onCompleted, report }) {
    this.onCompleted = onCompleted;
    this.report = report;
    this.form = document.getElementById("train-form");
    this.arch = document.getElementById("t-arch");
    this.startButton = document.getElementById("train-start");
    this.stopButton = document.getElementById("train-stop");
    this.resumeButton = document.getElementById("train-resume");
    this.status = document.getElementById("train-status");
    this.log = document.getElementById("train-log");
    this.charts = document.getElementById("train-charts");
    this.state = { run: null, state: "idle", message: "" };
    this.reset();

    this.arch.addEventListener("change", () => this.showDefaults());
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.start(); });
    this.stopButton.addEventListener("click", () => this.stop());
    this.resumeButton.addEventListener("click", () => this.resume());
    this.showDefaults();
    this.listen();
  }

  reset() {
    this.epochs = 1;
    this.batches = [];      // [x in epochs, loss, accuracy]
    this.epochEnds = [];    // [x, loss, accuracy, val_loss, val_accuracy]
    this.progress = new ProgressText();
    this.log.textContent = "";
    this.drawCharts();
  }

  showDefaults() {
    const d = defaults[this.arch.value] ?? defaults.mlp;
    document.getElementById("t-epochs").placeholder = String(d.epochs);
    document.getElementById("t-batch").placeholder = String(d.batchSize);
    document.getElementById("t-hidden").disabled = this.arch.value !== "mlp";
  }

  /** Fills the form with a preset: the lesson's MLP, or a CNN trained with data augmentation. */
  preset(arch) {
    this.form.reset();
    this.arch.value = arch;
    if (arch === "cnn") {
      document.getElementById("t-rotation").value = "20";
      document.getElementById("t-shift").value = "3";
    }
    this.showDefaults();
  }

  /** The body of POST /api/train from the form; empty fields are left to the server's defaults. */
  request() {
    const value = (id) => document.getElementById(id).value.trim();
    const number = (id) => (value(id) === "" ? undefined : Number(value(id)));
    const body = { arch: this.arch.value, optimizer: value("t-optimizer") };
    if (body.arch === "mlp" && value("t-hidden") !== "") body.hidden = value("t-hidden").split(",").map((w) => Number(w.trim()));
    for (const [key, id] of [["epochs", "t-epochs"], ["batchSize", "t-batch"], ["learningRate", "t-lr"]]) {
      if (number(id) !== undefined) body[key] = number(id);
    }
    const augmentation = { rotation: number("t-rotation") ?? 0, shift: number("t-shift") ?? 0, zoom: number("t-zoom") ?? 0 };
    body.augmentation = augmentation.rotation || augmentation.shift || augmentation.zoom ? augmentation : null;
    body.rawPixels = value("t-pixels") === "raw";
    body.trainLimit = number("t-limit") ?? null;
    return body;
  }

  async start() {
    if (!this.form.reportValidity()) return;
    try {
      const { run } = await api.train(this.request());
      this.adopt(run);
    } catch (error) { this.report(error); }
  }

  async stop() {
    try { await api.stop(); } catch (error) { this.report(error); }
  }

  async resume() {
    if (!this.state.run) return;
    try { await api.resume(this.state.run); } catch (error) { this.report(error); }
  }

  /** Starts showing `run`, clearing the curves of any other. */
  adopt(run) {
    if (run === this.state.run) return;
    this.state = { run, state: "training", message: "" };
    this.reset();
    this.showState();
  }

  listen() {
    const events = new EventSource("api/train/events");
    const on = (type, handle) => events.addEventListener(type, (event) => {
      try { handle(JSON.parse(event.data)); } catch (error) { this.report(error); }
    });
    // Each (re)connection replays the status and the history so far: start from clean curves.
    events.addEventListener("open", () => { this.state.run = null; });
    on("status", (s) => {
      this.adopt(s.run ?? null);
      const finished = s.state === "completed" && this.state.state !== "completed";
      this.state = { run: s.run ?? null, state: s.state, message: s.message ?? "" };
      this.showState();
      if (finished && s.run) this.onCompleted(s.run);
    });
    on("epoch", (e) => { this.epochs = Math.max(1, e.epochs); this.drawCharts(); });
    // Epochs and steps count from 1, as Keras prints them: batch `step` of epoch `e` sits at e - 1 + step/steps.
    on("batch", (b) => {
      const x = b.epoch - 1 + b.step / b.steps;
      this.batches.push([x, b.logs.loss, b.logs.categorical_accuracy]);
      this.scheduleDraw();
    });
    on("epochEnd", (e) => {
      const l = e.logs;
      this.epochEnds.push([e.epoch, l.loss, l.categorical_accuracy, l.val_loss, l.val_categorical_accuracy]);
      this.epochs = Math.max(this.epochs, e.epoch);
      this.scheduleDraw();
      this.progress.commit();
      this.log.textContent = this.progress.text();
    });
    on("progress", (p) => {
      this.progress.add(p.line);
      this.log.textContent = this.progress.text();
    });
    this.events = events;
  }

  showState() {
    const { run, state, message } = this.state;
    const words = t(`state_${state}`, { run: run ?? "" });
    this.status.textContent = message ? `${words} ${message}` : words;
    this.status.dataset.state = state;
    const training = state === "training";
    this.startButton.disabled = training;
    this.stopButton.disabled = !training;
    this.resumeButton.disabled = training || !run || !(state === "stopped" || state === "failed");
  }

  scheduleDraw() {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => { this.drawPending = false; this.drawCharts(); });
  }

  drawCharts() {
    const x = { label: t("epochAxis"), domain: [0, this.epochs] };
    const series = (index, valIndex) => [
      { name: t("training"), colour: "#1f77b4", points: this.batches.map((b) => [b[0], b[index]]) },
      { name: t("validation"), colour: "#ff7f0e", dots: true, points: this.epochEnds.map((e) => [e[0], e[valIndex]]) },
    ];
    const loss = lineChart({ title: t("lossChart"), x, y: { label: t("lossChart"), domain: [0, 0.5], grow: true }, series: series(1, 3) });
    loss.id = "loss-chart";
    const accuracy = lineChart({ title: t("accuracyChart"), x, y: { label: t("accuracyAxis"), domain: [0, 1] }, series: series(2, 4) });
    accuracy.id = "accuracy-chart";
    this.charts.replaceChildren(loss, accuracy);
  }

  /** Rewrites the words after a language switch. */
  relabel() {
    this.showState();
    this.drawCharts();
  }
}
