// The playground page: an image (a dataset digit or a drawing), a transform, and every model's
// answer, updated live; the state mirrored in the URL. The server does all the computing.

import { ApiError, api, coalesce } from "./api.js";
import { palette } from "./charts.js";
import { DrawingPad } from "./draw.js";
import { initialLanguage, language, setLanguage, t } from "./i18n.js";
import { InsideView, ModelCards } from "./models.js";
import { attachTip, drawImage } from "./render.js";
import { defaultState, identityTransform, lessonTransform, readHash, transformRequest, writeHash } from "./state.js";
import { RobustnessView, SweepView } from "./sweep.js";
import { TrainPanel } from "./train.js";

const $ = (id) => document.getElementById(id);
const sliders = ["angle", "scale", "cx", "cy", "dx", "dy"];

let state = defaultState();
let allModels = [];        // /api/models, in the server's order
let base = null;           // the image before the transform: { key, pixels, label }

// ---- messages ---------------------------------------------------------------------------

function report(error) {
  const message = $("message");
  message.textContent = error instanceof ApiError
    ? t("serverError", { message: error.message })
    : t("networkError", { message: error.message ?? String(error) });
  message.hidden = false;
}

function clearReport() { $("message").hidden = true; }

// ---- models -----------------------------------------------------------------------------

function colourOf(name) {
  const i = allModels.findIndex((m) => m.name === name);
  return palette[(i < 0 ? 0 : i) % palette.length];
}

function selectedModels() {
  return state.models ? allModels.filter((m) => state.models.includes(m.name)) : allModels;
}

const cards = new ModelCards($("cards"));
const inside = new InsideView($("inside"));
const sweep = new SweepView({ colourOf, report });
const robustness = new RobustnessView({ colourOf, report });

async function loadModels() {
  const answer = await api.models();
  allModels = answer.models;
  // A shared link may name models this server does not have; with none of them here, show all.
  if (state.models && !allModels.some((m) => state.models.includes(m.name))) state.models = null;
  const choices = $("model-choices");
  choices.replaceChildren();
  for (const model of allModels) {
    const id = `model-${allModels.indexOf(model)}`;
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = id;
    box.value = model.name;
    box.checked = selectedModels().includes(model);
    box.addEventListener("change", chooseModels);
    const label = document.createElement("label");
    label.htmlFor = id;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colourOf(model.name);
    label.append(swatch, `${model.name} (${t(`kind_${model.kind}`)})`);
    const wrap = document.createElement("span");
    wrap.className = "choice";
    wrap.append(box, label);
    choices.appendChild(wrap);
  }
  $("no-models").hidden = allModels.length > 0;
  showModels();
}

function chooseModels() {
  const checked = [...$("model-choices").querySelectorAll("input:checked")].map((box) => box.value);
  state.models = checked.length === allModels.length ? null : checked;
  showModels();
  saveHash();
  refresh();
  refreshSweep();
}

function showModels() {
  const models = selectedModels();
  $("none-selected").hidden = !(allModels.length > 0 && models.length === 0);
  cards.setModels(models, colourOf);
  inside.setModels(models, colourOf);
  robustness.setModels(models.map((m) => m.name));
}

// ---- the image before the transform -----------------------------------------------------

const pad = new DrawingPad($("pad"), () => {
  $("drawn-note").hidden = true;
  refresh();
});

function sourceKey() {
  const s = state.source;
  return s.kind === "dataset" ? `${s.split}:${s.index}` : `drawn:${pad.version}:${state.centre}`;
}

async function baseImage() {
  const key = sourceKey();
  if (base && base.key === key) return base;
  let pixels;
  let label = null;
  if (state.source.kind === "dataset") {
    const sample = await api.sample(state.source.split, state.source.index);
    pixels = sample.pixels;
    label = sample.label;
  } else if (pad.hasInk) {
    pixels = (await api.digitize(pad.digitizeRequest(state.centre))).pixels;
  } else {
    pixels = new Array(784).fill(0);
  }
  base = { key, pixels, label };
  drawImage($("source-grid"), pixels);
  showSampleLabel();
  refreshSweep();
  return base;
}

function showSampleLabel() {
  const s = state.source;
  $("sample-label").textContent = s.kind === "dataset" && base && base.label !== null
    ? t("sampleLabel", { split: s.split, index: s.index, label: base.label }) : "";
}

// ---- the live chain: image → transform → every model ------------------------------------
// Two stages, each with at most one request in flight and each taking the latest state when
// it starts: the transform of the current image and sliders, then every model's answer for
// the newest transformed image. While the models answer one image the next transform is
// already on its way, so a dragged slider waits for one round trip per update, not two in a row.

// Open the page with `?timing` to have each live update's steps recorded as performance
// measures (transform, predict, decode, cards, inside, update), for the browser's profiler.
const timing = new URLSearchParams(location.search).has("timing");
function measure(name, start) {
  if (timing) performance.measure(name, { start, end: performance.now() });
  return performance.now();
}

let transformed = null;    // the newest transform not yet answered: { image, transform, answer, begin }

async function transformStage() {
  const begin = performance.now();
  const image = await baseImage();
  const transform = { ...state.transform };
  const mark = performance.now();
  const answer = await api.transform(transformRequest(image.pixels, transform));
  measure("transform", mark);
  transformed = { image, transform, answer, begin };
  answers();
}

async function answerStage() {
  if (!transformed) return;
  const { image, transform, answer, begin } = transformed;
  transformed = null;
  const models = selectedModels().map((m) => m.name);
  const activations = $("show-inside").checked;
  let results = [];
  if (models.length > 0) {
    const mark = performance.now();
    results = (await api.predict({ pixels: answer.pixels, models, activations })).results;
    measure("predict", mark);
  }
  // The image and its answers are drawn together, so the page never shows one image's bars under another.
  drawImage($("model-grid"), answer.pixels);
  $("matrix").textContent = `[${answer.matrix.slice(0, 3).map(short).join(", ")}; ${answer.matrix.slice(3).map(short).join(", ")}]`;
  let mark = performance.now();
  for (const result of results) cards.show(result, image.label);
  mark = measure("cards", mark);
  if (activations) for (const result of results) inside.show(result);
  measure("inside", mark);
  sweep.mark(markedAngle());
  document.body.dataset.shown = `${image.key}|${JSON.stringify(transform)}|${models.join(",")}`;
  document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
  measure("update", begin);
  clearReport();
}

const short = (v) => String(Number(v.toFixed(3)));

// `data-busy` is "true" while either stage runs; tests wait for it to settle.
const running = { transform: false, answer: false };
function busy(stage) {
  return (value) => {
    running[stage] = value;
    document.body.dataset.busy = String(running.transform || running.answer);
  };
}
const answers = coalesce(answerStage, { onBusy: busy("answer"), onError: report });
const refresh = coalesce(transformStage, { onBusy: busy("transform"), onError: report });

// The sweep depends only on the image before the transform and on the models; it waits for
// a pause (a stroke being drawn changes the image many times a second).
let sweepTimer = null;
const sweepNow = coalesce(() => sweep.run(base, selectedModels().map((m) => m.name), markedAngle()), { onError: report });
function refreshSweep() {
  clearTimeout(sweepTimer);
  sweepTimer = setTimeout(sweepNow, 250);
}

/** The sweep turns the image about its centre; its chart marks the slider's angle when the slider does the same. */
function markedAngle() {
  const tr = state.transform;
  return tr.cx === 13.5 && tr.cy === 13.5 && tr.scale === 1 && tr.dx === 0 && tr.dy === 0 ? tr.angle : null;
}

// ---- controls ↔ state ↔ URL --------------------------------------------------------------

let hashTimer = null;
function saveHash() {
  // Browsers refuse floods of history updates; a slider drag writes the URL once it pauses.
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => history.replaceState(null, "", writeHash(state)), 200);
}

function showTab(kind) {
  const drawing = kind === "drawn";
  $("tab-draw").setAttribute("aria-selected", String(drawing));
  $("tab-dataset").setAttribute("aria-selected", String(!drawing));
  $("tab-draw").tabIndex = drawing ? 0 : -1;
  $("tab-dataset").tabIndex = drawing ? -1 : 0;
  $("draw-pane").hidden = !drawing;
  $("dataset-pane").hidden = drawing;
}

/** Puts `state` into every control. */
function showState() {
  showTab(state.source.kind);
  if (state.source.kind === "dataset") {
    $("split").value = state.source.split;
    $("index").value = String(state.source.index);
  }
  $("drawn-note").hidden = !(state.source.kind === "drawn" && !pad.hasInk);
  $("centre").checked = state.centre;
  for (const key of sliders) {
    $(key).value = String(state.transform[key]);
    $(`${key}-out`).textContent = String(state.transform[key]);
  }
  $("interpolation").value = state.transform.interpolation;
  $("border").value = state.transform.border;
}

function useDataset(split, index) {
  state.source = { kind: "dataset", split, index: Math.max(0, Math.floor(index)) };
  showState();
  saveHash();
  refresh();
}

function useTransform(transform) {
  state.transform = { ...transform };
  showState();
  saveHash();
  refresh();
}

function wireControls() {
  $("tab-dataset").addEventListener("click", () => useDataset($("split").value, Number($("index").value) || 0));
  $("tab-draw").addEventListener("click", () => {
    state.source = { kind: "drawn" };
    showState();
    saveHash();
    refresh();
  });
  for (const tab of [$("tab-dataset"), $("tab-draw")]) {
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      const other = tab.id === "tab-draw" ? $("tab-dataset") : $("tab-draw");
      other.focus();
      other.click();
    });
  }
  $("split").addEventListener("change", () => useDataset($("split").value, Number($("index").value) || 0));
  $("index").addEventListener("change", () => useDataset($("split").value, Number($("index").value) || 0));
  $("prev-sample").addEventListener("click", () => useDataset($("split").value, (Number($("index").value) || 0) - 1));
  $("next-sample").addEventListener("click", () => useDataset($("split").value, (Number($("index").value) || 0) + 1));
  $("tutorial-digit").addEventListener("click", () => useDataset("train", 5));

  $("brush").addEventListener("input", () => {
    pad.brush = Number($("brush").value);
    $("brush-out").textContent = $("brush").value;
  });
  $("clear-pad").addEventListener("click", () => pad.clear());
  $("centre").addEventListener("change", () => {
    state.centre = $("centre").checked;
    saveHash();
    refresh();
  });

  for (const key of sliders) {
    $(key).addEventListener("input", () => {
      state.transform[key] = Number($(key).value);
      $(`${key}-out`).textContent = $(key).value;
      saveHash();
      refresh();
    });
  }
  for (const [id, key] of [["interpolation", "interpolation"], ["border", "border"]]) {
    $(id).addEventListener("change", () => {
      state.transform[key] = $(id).value;
      saveHash();
      refresh();
    });
  }
  $("tutorial-transform").addEventListener("click", () => useTransform(lessonTransform));
  $("reset-transform").addEventListener("click", () => useTransform(identityTransform));

  $("show-inside").addEventListener("change", () => {
    if (!$("show-inside").checked) inside.clear();
    refresh();
  });

  $("lang-toggle").addEventListener("click", () => {
    setLanguage(language() === "ko" ? "en" : "ko");
    relabel();
    refresh();   // the answers' words too
  });

  window.addEventListener("hashchange", () => {
    state = readHash(location.hash);
    showState();
    for (const box of $("model-choices").querySelectorAll("input")) box.checked = selectedModels().some((m) => m.name === box.value);
    showModels();
    refresh();
  });

  for (const id of ["source-grid", "model-grid"]) {
    const canvas = $(id);
    attachTip(canvas, (x, y) => (canvas.pixels ? t("pixelTip", { x, y, v: canvas.pixels[y * 28 + x] }) : null));
  }
}

// ---- training ---------------------------------------------------------------------------

const train = new TrainPanel({
  report,
  onCompleted: async (run) => {
    try {
      if (state.models && !state.models.includes(run)) state.models.push(run);
      await loadModels();
      saveHash();
      refresh();
      refreshSweep();
    } catch (error) { report(error); }
  },
});

function offer(arch) {
  train.preset(arch);
  $("train-panel").scrollIntoView({ behavior: "smooth" });
  train.start();
}

function relabel() {
  $("lang-toggle").textContent = t("langButton");
  cards.relabel(selectedModels());
  showSampleLabel();
  train.relabel();
  sweep.draw();
  robustness.draw();
  if (allModels.length) loadModels().catch(report);
}

// ---- start ------------------------------------------------------------------------------

async function main() {
  setLanguage(initialLanguage());
  $("lang-toggle").textContent = t("langButton");
  state = readHash(location.hash);
  showState();
  wireControls();
  $("offer-mlp").addEventListener("click", () => offer("mlp"));
  $("offer-cnn").addEventListener("click", () => offer("cnn"));
  try { await loadModels(); } catch (error) { report(error); }
  refresh();
}

main();
