// The playground page: controls in, frames out. Every number drawn here comes
// from the server, which runs steepest's own Network; this file only draws.
import {
  PALETTE, ZERO, closeReason, colourWords, connect, css, diverging, formatNumber, imageOf,
  paintValues, say, setText,
} from "./common.js";

const $ = (id) => document.getElementById(id);

// Settings whose URL value is a list, and the kind of its items.
const LISTS = { features: "text", layers: "number", activations: "text", columns: "text", hide: "text" };
const RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
// Schedules offered with settings that suit a playground's run (any other can be
// written in the URL).
const SCHEDULES = {
  constant: "constant",
  "step(step_size=100, factor=0.5)": "step: halve every 100 epochs",
  "exponential(rate=0.995)": "exponential: × 0.995 per epoch",
  cosine: "cosine (over the stop epochs, or 500)",
};
const UNIT_SIDE = 32;  // CSS pixels of a unit's picture, at most

const state = {
  connection: null, session: null, choices: null, limits: null,
  settings: null, layout: null, history: emptyHistory(),
  playing: false, fast: false, frame: null, drawScheduled: false, unacked: 0,
  centres: [], maps: [], atlas: null, links: [], biases: [], hoveredLink: null,
  surfacePath: [], surface: null, doctorSeen: new Map(), doctorTimer: null, surfaceTimer: null,
};

function emptyHistory() {
  return { loss: [], val_loss: [], accuracy: [], val_accuracy: [] };
}

// ------------------------------------------------------------------ the URL
// The whole state as name=value pairs after #: lists comma-separated, null for
// "none", so a link reopens the same configuration.
function readHash() {
  const settings = {};
  for (const pair of location.hash.replace(/^#/, "").split("&")) {
    if (!pair.includes("=")) continue;
    const [name, raw] = pair.split("=", 2).map(decodeURIComponent);
    if (name in LISTS) {
      const items = raw === "" ? [] : splitTopLevel(raw);
      settings[name] = LISTS[name] === "number" ? items.map(Number) : items;
    } else {
      settings[name] = scalar(raw);
    }
  }
  return settings;
}

function scalar(text) {
  if (text === "null") return null;
  if (text === "true" || text === "false") return text === "true";
  if (/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(text)) return Number(text);
  return text;
}

// "a,b(c=1, d=2),e" -> ["a", "b(c=1, d=2)", "e"]: commas inside brackets stay.
function splitTopLevel(text) {
  const items = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (text[i] === "," && depth === 0) { items.push(text.slice(start, i)); start = i + 1; }
  }
  items.push(text.slice(start));
  return items;
}

function writeHash(settings) {
  const pairs = Object.entries(settings).map(([name, value]) => {
    const text = Array.isArray(value) ? value.join(",") : value === null ? "null" : String(value);
    return `${name}=${encodeURIComponent(text).replace(/%2C/g, ",")}`;
  });
  history.replaceState(null, "", `#${pairs.join("&")}`);
}

// ------------------------------------------------------------------ the connection
function start() {
  $("connection").textContent = "connecting...";
  $("reconnect").hidden = true;
  state.connection = connect("/ws", {
    onOpen: () => {
      $("connection").textContent = "";
      state.connection.send({ type: "hello", settings: readHash() });
    },
    onJson: receive,
    onFrame: (frame) => {
      state.unacked++;
      if (!state.layout || frame.header.generation !== state.layout.generation) return ack();
      takeHistory(frame.header.history);
      state.frame = frame;
      if (!state.drawScheduled) {
        state.drawScheduled = true;
        requestAnimationFrame(drawFrame);
      }
    },
    onClose: (event) => {
      state.playing = false;
      showPlaying();
      $("connection").textContent = `disconnected: ${closeReason(event)}`;
      $("reconnect").hidden = false;
    },
  });
}

function send(message) {
  state.connection.send(message);
}

function sendSettings(changes) {
  send({ type: "settings", settings: changes });
}

function ack() {
  for (; state.unacked > 0; state.unacked--) send({ type: "ack" });
}

function receive(message) {
  switch (message.type) {
    case "welcome": return welcome(message);
    case "layout": return newLayout(message);
    case "settings":
      state.settings = message.settings;
      writeHash(state.settings);
      return showSettings();
    case "notice": return say(message.message);
    case "error": return say(message.message, "error");
    case "refused": return say(message.message, "error");
    case "explain": $("explain-text").textContent = message.text; return undefined;
    case "doctor": return showDoctor(message);
    case "surface": return showSurface(message);
    default: return undefined;
  }
}

// ------------------------------------------------------------------ the controls
function welcome(message) {
  state.session = message.session;
  state.choices = message.choices;
  state.limits = message.limits;
  $("export-model").href = `/export/model?session=${encodeURIComponent(message.session)}`;
  $("export-code").href = `/export/code?session=${encodeURIComponent(message.session)}`;
  fillSelect($("optimizer"), message.choices.optimizer);
  fillSelect($("regularization"), message.choices.regularization);
  fillSelect($("activation"), message.choices.activation);
  fillSelect($("output"), ["auto", ...message.choices.output]);
  fillSelect($("loss"), ["auto", ...message.choices.loss]);
  fillSelect($("init"), ["auto", ...message.choices.init]);
  fillSelect($("schedule"), Object.keys(SCHEDULES), SCHEDULES);
  fillList($("rates"), RATES);
  fillList($("reg-rates"), REG_RATES);
  $("points").max = message.limits.points;
}

function fillSelect(select, values, labels = {}) {
  select.replaceChildren(...values.map((value) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = labels[value] || value;
    return option;
  }));
}

function fillList(list, values) {
  list.replaceChildren(...values.map((value) => {
    const option = document.createElement("option");
    option.value = value;
    return option;
  }));
}

function chooseOption(select, value) {
  if (![...select.options].some((o) => o.value === value)) {
    const option = document.createElement("option");
    option.value = option.textContent = value;
    select.append(option);
  }
  select.value = value;
}

function showSettings() {
  const s = state.settings;
  for (const name of ["learning_rate", "reg_rate", "classes", "points", "dropout"]) $(name).value = s[name];
  for (const name of ["train_ratio", "noise", "batch_size"]) {
    $(name).value = s[name];
    $(`${name}-shown`).textContent = s[name];
  }
  $("batch_size").max = Math.max(30, s.batch_size);
  for (const name of ["optimizer", "regularization", "output", "loss", "init", "schedule"]) {
    chooseOption($(name), s[name]);
  }
  const all = s.activations.every((a) => a === s.activations[0]);
  chooseOption($("activation"), all && s.activations.length ? s.activations[0] : "mixed");
  $("stop_loss").value = s.stop_loss ?? "";
  $("stop_epochs").value = s.stop_epochs ?? "";
  $("show_test").checked = s.show_test;
  $("discretize").checked = s.discretize;
  $("reg_rate").disabled = s.regularization === "none";
  const dataset = state.choices.dataset[s.dataset];
  $("classes").disabled = !(dataset && dataset.classes);
  for (const radio of document.querySelectorAll("input[name=dataset]")) radio.checked = radio.value === s.dataset;
  for (const element of document.querySelectorAll("[data-control]")) {
    element.hidden = s.hide.includes(element.dataset.control);
  }
  drawPoints();
}

function numberInput(id, name, { optional = false, whole = false } = {}) {
  $(id).addEventListener("change", () => {
    const text = $(id).value.trim();
    if (optional && text === "") return sendSettings({ [name]: null });
    const value = Number(text);
    if (text === "" || Number.isNaN(value)) return say(`${name}: "${text}" is not a number`, "error");
    sendSettings({ [name]: whole ? Math.round(value) : value });
    return undefined;
  });
}

function bindControls() {
  numberInput("learning_rate", "learning_rate");
  numberInput("reg_rate", "reg_rate");
  numberInput("classes", "classes", { whole: true });
  numberInput("points", "points", { whole: true });
  numberInput("dropout", "dropout");
  numberInput("stop_loss", "stop_loss", { optional: true });
  numberInput("stop_epochs", "stop_epochs", { optional: true, whole: true });
  for (const name of ["train_ratio", "noise", "batch_size"]) {
    $(name).addEventListener("input", () => { $(`${name}-shown`).textContent = $(name).value; });
    $(name).addEventListener("change", () => sendSettings({ [name]: Number($(name).value) }));
  }
  for (const name of ["optimizer", "regularization", "output", "loss", "init", "schedule"]) {
    $(name).addEventListener("change", () => sendSettings({ [name]: $(name).value }));
  }
  $("activation").addEventListener("change", () => sendSettings({ activations: [$("activation").value] }));
  for (const name of ["show_test", "discretize"]) {
    $(name).addEventListener("change", () => sendSettings({ [name]: $(name).checked }));
  }
  $("play").addEventListener("click", () => {
    send({ type: state.playing ? "pause" : "play" });
    state.playing = !state.playing;
    showPlaying();
  });
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  $("regenerate").addEventListener("click", () => send({ type: "regenerate" }));
  $("fast").addEventListener("click", () => {
    state.fast = !state.fast;
    $("fast").setAttribute("aria-pressed", String(state.fast));
    send({ type: "fast", on: state.fast });
  });
  $("add-layer").addEventListener("click", () => {
    const { layers, activations } = state.settings;
    if (layers.length >= state.limits.layers) return say(`at most ${state.limits.layers} hidden layers`, "error");
    sendSettings({ layers: [...layers, layers.at(-1) || 4], activations: [...activations, activations.at(-1) || "tanh"] });
    return undefined;
  });
  $("remove-layer").addEventListener("click", () => {
    const { layers, activations } = state.settings;
    if (layers.length === 0) return undefined;
    sendSettings({ layers: layers.slice(0, -1), activations: activations.length > 1 ? activations.slice(0, -1) : activations });
    return undefined;
  });
  $("upload").addEventListener("change", upload);
  for (const id of ["column-x1", "column-x2", "column-label"]) {
    $(id).addEventListener("change", () => sendSettings({
      dataset: "upload", columns: [$("column-x1").value, $("column-x2").value, $("column-label").value],
    }));
  }
  $("reconnect").addEventListener("click", start);
  $("copy-link").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      say("link copied");
    } catch {
      say(`the link: ${location.href}`);
    }
  });
  bindPanels();
  bindWeights();
  bindChart();
  // The boxes move when the network's area changes size (the window, or a
  // scrollbar that a panel's opening brings): the pictures and links follow.
  new ResizeObserver(() => { measureUnits(); drawNetwork(); }).observe($("net"));
}

function showPlaying() {
  $("play").setAttribute("aria-label", state.playing ? "Pause" : "Play");
  $("play").title = state.playing ? "Pause" : "Play";
  $("play").innerHTML = state.playing ? "&#x275A;&#x275A;" : "&#x25B6;";
  $("play").classList.toggle("playing", state.playing);
}

async function upload() {
  const file = $("upload").files[0];
  if (!file) return;
  if (file.size > state.limits.upload_bytes) {
    say(`${file.name} is ${file.size.toLocaleString()} bytes; the playground takes files of at most ${state.limits.upload_bytes.toLocaleString()} bytes`, "error");
    return;
  }
  state.connection.sendBytes(await file.arrayBuffer());
  $("upload").value = "";
}

// ------------------------------------------------------------------ a new network
function newLayout(layout) {
  state.layout = layout;
  state.settings = layout.settings;
  state.history = emptyHistory();
  state.surfacePath = [];
  state.doctorSeen = new Map();
  writeHash(state.settings);
  buildDatasets();
  buildNetwork();
  showSettings();
  buildSurfaceChoices();
  const classes = layout.kind === "classes";
  $("problem").textContent = `${layout.source}. Problem: ${classes ? `classification, ${layout.classes.length} classes` : "regression"}; loss ${layout.loss}.`;
  $("accuracy-box").hidden = !classes;
  $("r2-box").hidden = $("rmse-box").hidden = classes;
  $("confusion-box").hidden = !classes;
  $("layer-count").textContent = `${layout.sizes.length - 2} hidden layer${layout.sizes.length === 3 ? "" : "s"}`;
  $("axis-x").textContent = layout.axes[0];
  $("axis-y").textContent = layout.axes[1];
  const columns = $("columns");
  columns.hidden = !layout.upload;
  if (layout.upload) {
    for (const [id, names] of [["column-x1", layout.upload.numeric], ["column-x2", layout.upload.numeric], ["column-label", layout.upload.header]]) {
      fillSelect($(id), names);
    }
    const chosen = state.settings.columns;
    if (chosen.length === 3) ["column-x1", "column-x2", "column-label"].forEach((id, k) => { $(id).value = chosen[k]; });
  }
  drawChart();
}

function buildDatasets() {
  const box = $("datasets");
  const names = Object.keys(state.choices.dataset);
  if (state.layout.upload) names.push("upload");
  box.replaceChildren(...names.map((name) => {
    const label = document.createElement("label");
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "dataset";
    radio.value = name;
    radio.addEventListener("change", () => sendSettings({ dataset: name }));
    const info = state.choices.dataset[name];
    label.append(radio, ` ${info ? info.label : "Uploaded file"}`);
    if (info && info.kind === "values") label.title = "regression";
    return label;
  }));
}

// The units' columns: the features (each with a box to use it), the hidden
// layers (with +/- and an activation), the output.
function buildNetwork() {
  const { sizes, activations } = state.layout;
  const s = state.settings;
  const holder = $("columns-of-units");
  const side = Math.max(10, Math.min(UNIT_SIDE, Math.floor(440 / Math.max(...sizes, 7)) - 4));
  holder.style.setProperty("--unit", `${side}px`);
  const columns = [];
  let map = 0;

  const features = column("Features");
  for (const [name, label] of Object.entries(state.choices.features)) {
    const used = s.features.includes(name);
    const unit = unitElement(used ? map : null, `${label}`);
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = `feature-${name}`;
    box.checked = used;
    box.disabled = s.hide.includes("features");
    box.addEventListener("change", () => {
      const chosen = Object.keys(state.choices.features).filter((f) => (f === name ? box.checked : s.features.includes(f)));
      sendSettings({ features: chosen });
    });
    const text = document.createElement("label");
    text.htmlFor = box.id;
    text.textContent = label;
    unit.prepend(box, text);
    unit.classList.toggle("unused", !used);
    features.append(unit);
    if (used) map++;
  }
  columns.push(features);

  for (let layer = 1; layer < sizes.length; layer++) {
    const last = layer === sizes.length - 1;
    const col = column(last ? "Output" : `Layer ${layer}`);
    if (!last) col.querySelector(".column-head").append(...layerControls(layer - 1));
    else col.querySelector(".column-head").append(small(activations.at(-1)));
    for (let unit = 0; unit < sizes[layer]; unit++) {
      const name = last ? (state.layout.classes ? `class ${state.layout.classes[unit]}` : "output") : `unit ${unit + 1}`;
      const element = unitElement(map++, name);
      const bias = document.createElement("button");
      bias.type = "button";
      bias.className = "bias";
      bias.dataset.weight = `${layer - 1},${sizes[layer - 1]},${unit}`;
      bias.setAttribute("aria-label", `Bias of ${last ? "output" : `layer ${layer}`} ${name}`);
      element.append(bias);
      col.append(element);
    }
    columns.push(col);
  }
  holder.replaceChildren(...columns);
  requestAnimationFrame(() => { measureUnits(); drawNetwork(); });
}

function column(title) {
  const col = document.createElement("div");
  col.className = "column";
  const head = document.createElement("div");
  head.className = "column-head";
  const name = document.createElement("div");
  name.className = "column-title";
  name.textContent = title;
  head.append(name);
  col.append(head);
  return col;
}

function small(text) {
  const span = document.createElement("span");
  span.className = "quiet";
  span.textContent = text;
  return span;
}

// A unit's box. Its picture, number `map` of a frame's unit pictures (null: none),
// is drawn into the network's one canvas underneath (drawNetwork), not into a
// canvas of its own: a browser that composites in software pays for every
// canvas that changes in a frame, and a 6 x 8 network has 52 pictures.
function unitElement(map, title) {
  const unit = document.createElement("div");
  unit.className = "unit";
  const picture = document.createElement("div");
  picture.className = "map";
  picture.title = title;
  if (map !== null) picture.dataset.map = String(map);
  unit.append(picture);
  return unit;
}

function layerControls(index) {
  const s = state.settings;
  const controls = document.createElement("div");
  controls.className = "layer-controls";
  controls.dataset.control = "layers";
  const more = button("+", `Add a neuron to layer ${index + 1}`, () => {
    if (s.layers[index] >= state.limits.neurons) return say(`at most ${state.limits.neurons} neurons a layer`, "error");
    sendSettings({ layers: s.layers.map((n, k) => (k === index ? n + 1 : n)), activations: s.activations });
    return undefined;
  });
  const fewer = button("−", `Remove a neuron from layer ${index + 1}`, () => {
    if (s.layers[index] <= 1) return undefined;
    sendSettings({ layers: s.layers.map((n, k) => (k === index ? n - 1 : n)), activations: s.activations });
    return undefined;
  });
  const count = small(`${s.layers[index]} neuron${s.layers[index] === 1 ? "" : "s"}`);
  const select = document.createElement("select");
  select.id = `activation-${index}`;
  select.setAttribute("aria-label", `Activation of layer ${index + 1}`);
  select.dataset.control = "activations";
  fillSelect(select, state.choices.activation);
  chooseOption(select, s.activations[index]);
  select.addEventListener("change", () => sendSettings({ activations: s.activations.map((a, k) => (k === index ? select.value : a)) }));
  controls.append(more, fewer, count);
  return [controls, select];
}

function button(text, label, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "round small";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", action);
  return b;
}

// Where each unit's picture is, in the network box's coordinates: the links
// are drawn between these points.
function measureUnits() {
  const net = $("net").getBoundingClientRect();
  state.centres = [];
  for (const col of $("columns-of-units").children) {
    const units = [...col.querySelectorAll(".unit")].filter((u) => !u.classList.contains("unused"));
    state.centres.push(units.map((unit) => {
      const box = unit.querySelector(".map").getBoundingClientRect();
      return { left: box.left - net.left, right: box.right - net.left, y: box.top - net.top + box.height / 2 };
    }));
  }
  // Where each unit's picture goes in the network's canvas: inside its box's border.
  state.maps = [];
  for (const picture of $("columns-of-units").querySelectorAll(".map[data-map]")) {
    const box = picture.getBoundingClientRect();
    // Whole pixels: a picture drawn at a fraction of one is blurred all over.
    state.maps[Number(picture.dataset.map)] = {
      x: Math.round(box.left - net.left + 1), y: Math.round(box.top - net.top + 1),
      side: Math.round(box.width - 2),
    };
  }
  // Every link's ends and weight, and every bias button's weight: found once per
  // layout, so a frame only looks the weights up.
  state.links = [];
  const sizes = state.layout ? state.layout.sizes : [];
  for (let layer = 0; layer < sizes.length - 1; layer++) {
    const from = state.centres[layer], to = state.centres[layer + 1];
    if (!from || !to || from.length !== sizes[layer] || to.length !== sizes[layer + 1]) break;
    for (let r = 0; r < sizes[layer]; r++) {
      for (let c = 0; c < sizes[layer + 1]; c++) {
        const a = from[r], b = to[c];
        state.links.push({ layer, row: r, col: c, x1: a.right, y1: a.y, x2: b.left, y2: b.y,
          weight: weightAt(layer, r, c) });
      }
    }
  }
  state.biases = [...document.querySelectorAll(".bias")].map((element) => {
    const [layer, row, col] = element.dataset.weight.split(",").map(Number);
    return { element, weight: weightAt(layer, row, col) };
  });
  const canvas = $("links");
  canvas.width = Math.round(net.width);
  canvas.height = Math.round(net.height);
}

// ------------------------------------------------------------------ drawing a frame
function drawFrame() {
  state.drawScheduled = false;
  const frame = state.frame;
  if (!frame) return;
  const h = frame.header;
  setText($("epoch"), String(h.epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ","));
  showFigures(h.figures);
  if (state.playing !== h.playing && !h.playing) {
    state.playing = false;
    showPlaying();
  }
  setText($("stopped"), h.stopped || "");
  drawUnits(frame);
  drawOutput(frame);
  drawNetwork();
  drawChart();
  if (h.gradients) drawGradients(h.gradients);
  if (h.path) {
    state.surfacePath.push(h.path);
    drawSurface();
  }
  ack();
}

function takeHistory(history) {
  if (!history) return;
  for (const key of Object.keys(state.history)) {
    if (history[key]) state.history[key].splice(history.from, Infinity, ...history[key]);
  }
}

function showFigures(f) {
  setText($("test-loss"), formatNumber(f.test_loss));
  setText($("train-loss"), formatNumber(f.train_loss));
  if (f.accuracy !== undefined) setText($("accuracy"), `${(100 * f.accuracy).toFixed(1)}%`);
  if (f.r2 !== undefined) {
    setText($("r2"), formatNumber(f.r2));
    setText($("rmse"), formatNumber(f.rmse));
  }
  if (f.confusion) showConfusion(f.confusion);
}

function showConfusion(matrix) {
  const table = $("confusion");
  const key = JSON.stringify(matrix);
  if (table.dataset.shown === key) return;  // unchanged: no new rows, no layout
  table.dataset.shown = key;
  const names = state.layout.classes;
  const rows = [["", ...names.map((n) => `→ ${n}`)], ...matrix.map((row, k) => [names[k], ...row])];
  table.replaceChildren(...rows.map((row, r) => {
    const tr = document.createElement("tr");
    row.forEach((cell, c) => {
      const td = document.createElement(r === 0 || c === 0 ? "th" : "td");
      td.textContent = cell;
      if (r > 0 && c > 0 && r === c) td.className = "diagonal";
      tr.append(td);
    });
    return tr;
  }));
}

// Every unit's picture into one canvas that is not on the page (an atlas, one
// picture below the other, a clear row between them so that a picture scaled
// down never takes colour from its neighbour); drawNetwork copies them to their
// boxes.
function drawUnits(frame) {
  const { data } = frame.arrays.units;
  const size = state.layout.grids.unit;
  const scales = frame.header.scales;
  const atlas = unitAtlas(size, scales.length);
  scales.forEach((scale, k) => {
    colourWords(atlas.words, k * (size + 1) * size, data, k * size * size, size * size, scale);
  });
  atlas.context.putImageData(atlas.image, 0, 0);
}

function unitAtlas(size, count) {
  const atlas = state.atlas;
  if (atlas && atlas.size === size && atlas.count === count) return atlas;
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = (size + 1) * count;
  const context = canvas.getContext("2d");
  const image = context.createImageData(size, (size + 1) * count);
  state.atlas = { size, count, canvas, context, image, words: new Uint32Array(image.data.buffer) };
  return state.atlas;
}

function drawOutput(frame) {
  const context = $("output-map").getContext("2d");
  const size = state.layout.grids.output;
  const { data } = frame.arrays.output;
  const discrete = state.settings.discretize;
  if (state.layout.kind !== "classes") {
    paintValues(context, data, 0, size, frame.header.value_scale, discrete);
    return;
  }
  const k = state.layout.classes.length;
  const image = imageOf(context, size);
  const pixels = image.data;
  for (let i = 0; i < size * size; i++) {
    const sure = discrete ? 1 : Math.max(0, (data[size * size + i] / 255 - 1 / k) / (1 - 1 / k));
    const colour = PALETTE[data[i] % PALETTE.length];
    for (let c = 0; c < 3; c++) pixels[i * 4 + c] = ZERO[c] + (colour[c] - ZERO[c]) * sure;
    pixels[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

function drawPoints() {
  const layout = state.layout;
  if (!layout) return;
  const canvas = $("plane-points");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const scale = canvas.width / (2 * layout.extent);
  const sets = [[layout.points.train, "white"]];
  if (state.settings.show_test) sets.push([layout.points.test, "black"]);
  for (const [points, stroke] of sets) {
    for (const [x1, x2, target] of points) {
      const colour = layout.kind === "classes" ? PALETTE[target % PALETTE.length] : diverging(target);
      context.beginPath();
      context.arc((x1 + layout.extent) * scale, (layout.extent - x2) * scale, 3.5, 0, 2 * Math.PI);
      context.fillStyle = css(colour);
      context.fill();
      context.lineWidth = 1;
      context.strokeStyle = stroke;
      context.stroke();
    }
  }
}

// ------------------------------------------------------------------ the links
function weightAt(layer, row, col) {
  const sizes = state.layout.sizes;
  let offset = 0;
  for (let i = 0; i < layer; i++) offset += (sizes[i] + 1) * sizes[i + 1];
  const nIn = sizes[layer], nOut = sizes[layer + 1];
  return offset + (row === nIn ? nIn * nOut + col : row * nOut + col);
}

// Links of the same width and colour share one path: a few dozen strokes a frame
// instead of one per weight (a 6 x 8 network has 352 links), which is most of
// what drawing the links costs a browser that rasterises in software.
const LINK_WIDTH_STEP = 0.25;
const LINK_COLOUR_STEPS = 24;

// A link's style as one number: its width in LINK_WIDTH_STEPs, and its colour
// in LINK_COLOUR_STEPS from -1 to 1 (see diverging); linkStroke reads it back.
const STYLE_SPAN = 4 * LINK_COLOUR_STEPS;

function linkStyle(w) {
  const width = Math.round(Math.min(8, 0.6 + Math.abs(w) * 1.6) / LINK_WIDTH_STEP);
  const shade = Math.round(Math.sign(w) * Math.min(1, 0.35 + Math.abs(w)) * LINK_COLOUR_STEPS);
  return width * STYLE_SPAN + shade + 2 * LINK_COLOUR_STEPS;
}

function linkStroke(style) {
  const shade = (style % STYLE_SPAN) - 2 * LINK_COLOUR_STEPS;
  return { width: Math.floor(style / STYLE_SPAN) * LINK_WIDTH_STEP,
    colour: css(diverging(shade / LINK_COLOUR_STEPS)) };
}

// The network: the links, then every unit's picture in its box, in one canvas.
function drawNetwork() {
  const canvas = $("links");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (!state.frame) return;
  const params = state.frame.arrays.params.data;
  const paths = new Map();
  for (const link of state.links) {
    const style = linkStyle(params[link.weight]);
    if (!paths.has(style)) paths.set(style, []);
    paths.get(style).push(link);
  }
  context.globalAlpha = 0.75;
  for (const [style, links] of paths) {
    context.beginPath();
    for (const link of links) {
      context.moveTo(link.x1, link.y1);
      context.lineTo(link.x2, link.y2);
    }
    const { width, colour } = linkStroke(style);
    context.lineWidth = width;
    context.strokeStyle = colour;
    context.stroke();
  }
  context.globalAlpha = 1;
  const atlas = state.atlas;
  if (atlas && atlas.count === state.frame.header.scales.length) {
    state.maps.forEach((box, k) => {
      if (box) context.drawImage(atlas.canvas, 0, k * (atlas.size + 1), atlas.size, atlas.size, box.x, box.y, box.side, box.side);
    });
  }
  for (const { element, weight } of state.biases) {
    const colour = css(diverging(params[weight]));
    if (element.dataset.colour !== colour) {
      element.dataset.colour = colour;
      element.style.background = colour;
    }
  }
}

function weightName([layer, row, col]) {
  const sizes = state.layout.sizes;
  const target = layer === sizes.length - 2 ? "output" : `layer ${layer + 1}`;
  if (row === sizes[layer]) return `b${layer}[${col}], the bias of ${target} unit ${col + 1}`;
  const source = layer === 0 ? state.layout.features[row] : `layer ${layer} unit ${row + 1}`;
  return `W${layer}[${row}, ${col}], ${source} → ${target} unit ${col + 1}`;
}

function nearestLink(x, y) {
  let best = null, distance = 5;
  for (const link of state.links) {
    const dx = link.x2 - link.x1, dy = link.y2 - link.y1;
    const t = Math.max(0, Math.min(1, ((x - link.x1) * dx + (y - link.y1) * dy) / (dx * dx + dy * dy || 1)));
    const d = Math.hypot(link.x1 + t * dx - x, link.y1 + t * dy - y);
    if (d < distance) { best = link; distance = d; }
  }
  return best;
}

function bindWeights() {
  const net = $("net");
  const tip = $("weight-tip");
  const place = (element, event) => {
    const box = net.getBoundingClientRect();
    element.style.left = `${event.clientX - box.left + 12}px`;
    element.style.top = `${event.clientY - box.top + 12}px`;
  };
  const pointed = (event) => {
    if (event.target.classList.contains("bias")) return event.target.dataset.weight.split(",").map(Number);
    if (event.target.closest(".unit") || event.target.closest("select, button, input, label")) return null;
    const box = net.getBoundingClientRect();
    const link = nearestLink(event.clientX - box.left, event.clientY - box.top);
    return link && [link.layer, link.row, link.col];
  };
  net.addEventListener("mousemove", (event) => {
    const weight = state.frame && pointed(event);
    tip.hidden = !weight;
    if (!weight) return;
    const value = state.frame.arrays.params.data[weightAt(...weight)];
    tip.textContent = `${weightName(weight)} = ${value.toPrecision(4)} (click to set)`;
    place(tip, event);
  });
  net.addEventListener("mouseleave", () => { tip.hidden = true; });
  net.addEventListener("click", (event) => {
    const weight = state.frame && pointed(event);
    if (!weight) return;
    const editor = $("weight-editor");
    editor.dataset.weight = weight.join(",");
    $("weight-name").textContent = weightName(weight);
    $("weight-value").value = state.frame.arrays.params.data[weightAt(...weight)].toPrecision(4);
    editor.hidden = false;
    place(editor, event);
    $("weight-value").focus();
  });
  $("weight-editor").addEventListener("submit", (event) => {
    event.preventDefault();
    const [layer, row, col] = $("weight-editor").dataset.weight.split(",").map(Number);
    const value = Number($("weight-value").value);
    if (Number.isNaN(value)) return say("a weight is a number", "error");
    send({ type: "set_weight", layer, row, col, value });
    $("weight-editor").hidden = true;
    return undefined;
  });
  $("weight-value").addEventListener("keydown", (event) => {
    if (event.key === "Escape") $("weight-editor").hidden = true;
  });
}

// ------------------------------------------------------------------ the loss chart
function drawChart(highlight = null) {
  const canvas = $("chart");
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const { loss, val_loss: test } = state.history;
  const n = Math.max(loss.length, test.length);
  if (n === 0) return;
  // A loop, not Math.max(...values): a long run's history is more arguments than
  // a call may take.
  let top = 1e-9;
  for (const values of [loss, test]) {
    for (const v of values) if (Number.isFinite(v) && v > top) top = v;
  }
  const x = (i) => (n === 1 ? width / 2 : (i / (n - 1)) * (width - 4) + 2);
  const y = (v) => height - 3 - (Math.min(v, top) / top) * (height - 8);
  const stride = Math.max(1, Math.floor(n / width));
  for (const [values, colour] of [[loss, "#9aa0a6"], [test, "#202124"]]) {
    context.beginPath();
    values.forEach((v, i) => {
      if (i % stride && i !== values.length - 1) return;
      if (i === 0) context.moveTo(x(i), y(v)); else context.lineTo(x(i), y(v));
    });
    context.strokeStyle = colour;
    context.lineWidth = 1.5;
    context.stroke();
  }
  if (highlight !== null) {
    context.strokeStyle = "#d93025";
    context.beginPath();
    context.moveTo(x(highlight), 0);
    context.lineTo(x(highlight), height);
    context.stroke();
  }
}

function bindChart() {
  const canvas = $("chart");
  const tip = $("chart-tip");
  canvas.addEventListener("mousemove", (event) => {
    const { loss, val_loss: test } = state.history;
    const n = Math.max(loss.length, test.length);
    if (!n) return;
    const box = canvas.getBoundingClientRect();
    const i = Math.round(((event.clientX - box.left) / box.width) * (n - 1));
    const epoch = Math.max(0, Math.min(n - 1, i));
    tip.textContent = `epoch ${epoch + 1}: training loss ${formatNumber(loss[epoch], 4)}, test loss ${formatNumber(test[epoch], 4)}`;
    tip.hidden = false;
    tip.style.left = `${event.clientX - box.left}px`;
    drawChart(epoch);
  });
  canvas.addEventListener("mouseleave", () => { tip.hidden = true; drawChart(); });
}

// ------------------------------------------------------------------ the panels
function openPanels() {
  return [...document.querySelectorAll(".panel[open]")].map((p) => p.id.replace("panel-", ""))
    .filter((name) => state.choices.panels.includes(name));
}

function bindPanels() {
  for (const panel of document.querySelectorAll(".panel")) {
    panel.addEventListener("toggle", () => {
      if (!state.settings) return;
      send({ type: "panels", shown: openPanels() });
      if (panel.open && panel.id === "panel-doctor") send({ type: "doctor" });
      if (panel.open && panel.id === "panel-surface") requestSurface();
    });
  }
  $("doctor-run").addEventListener("click", () => send({ type: "doctor" }));
  $("explain-run").addEventListener("click", () => send({ type: "explain" }));
  $("surface-draw").addEventListener("click", () => { state.surfacePath = []; requestSurface(); });
  state.doctorTimer = setInterval(() => {
    if (state.playing && $("panel-doctor").open && $("doctor-auto").checked) send({ type: "doctor" });
  }, 2000);
  state.surfaceTimer = setInterval(() => {
    if (state.playing && $("panel-surface").open) requestSurface();
  }, 3000);
}

function drawGradients({ grad_norms: norms, update_ratios: ratios }) {
  const canvas = $("gradient-bars");
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const low = -8, high = 2, bottom = height - 38, left = 40;
  const y = (v) => bottom - ((Math.max(low, Math.min(high, Math.log10(Math.max(v, 1e-30)))) - low) / (high - low)) * (bottom - 8);
  context.fillStyle = "#5f6368";
  context.font = "11px sans-serif";
  for (let e = low; e <= high; e += 2) {
    context.fillText(`1e${e}`, 2, y(10 ** e) + 4);
    context.fillStyle = "#e0e0e0";
    context.fillRect(left, y(10 ** e), width - left, 1);
    context.fillStyle = "#5f6368";
  }
  const group = (width - left) / norms.length;
  norms.forEach((norm, i) => {
    const x = left + i * group + group * 0.15;
    const bar = group * 0.3;
    context.fillStyle = "#0877bd";
    context.fillRect(x, y(norm), bar, bottom - y(norm));
    context.fillStyle = "#8ec5ea";
    context.fillRect(x + bar, y(ratios[i]), bar, bottom - y(ratios[i]));
    context.fillStyle = "#202124";
    context.font = "10px sans-serif";
    context.fillText(`layer ${i}`, x, bottom + 12);
    context.fillText(formatNumber(norm, 2), x, bottom + 23);
    context.fillText(formatNumber(ratios[i], 2), x, bottom + 34);
  });
}

function showDoctor(report) {
  const errors = report.findings.filter((f) => f.severity === "error").length;
  const warnings = report.findings.filter((f) => f.severity === "warning").length;
  $("doctor-verdict").textContent = `epoch ${report.epoch}: ${report.healthy ? "healthy" : "not healthy"} (${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"})`;
  $("doctor-verdict").className = `verdict ${report.healthy ? "good" : "bad"}`;
  for (const f of report.findings) if (!state.doctorSeen.has(f.code)) state.doctorSeen.set(f.code, report.epoch);
  $("doctor-findings").replaceChildren(...report.findings.map((f) => {
    const item = document.createElement("li");
    item.className = f.severity;
    const head = document.createElement("strong");
    head.textContent = `${f.severity} (since epoch ${state.doctorSeen.get(f.code)}): `;
    const fix = document.createElement("div");
    fix.className = "fix";
    fix.textContent = `fix: ${f.fix}`;
    item.append(head, f.message, fix);
    return item;
  }));
  $("doctor-report").textContent = report.report;
}

function buildSurfaceChoices() {
  const sizes = state.layout.sizes;
  const weights = [];
  for (let layer = 0; layer < sizes.length - 1; layer++) {
    for (let row = 0; row <= sizes[layer]; row++) {
      for (let col = 0; col < sizes[layer + 1]; col++) weights.push([layer, row, col]);
    }
  }
  for (const [id, chosen] of [["surface-first", 0], ["surface-second", 1]]) {
    const select = $(id);
    select.replaceChildren(...weights.slice(0, 400).map((w) => {
      const option = document.createElement("option");
      option.value = w.join(",");
      option.textContent = weightName(w);
      return option;
    }));
    select.selectedIndex = Math.min(chosen, weights.length - 1);
  }
  state.surface = null;
  drawSurface();
}

function requestSurface() {
  const first = $("surface-first").value.split(",").map(Number);
  const second = $("surface-second").value.split(",").map(Number);
  send({ type: "surface", first, second });
}

function showSurface(surface) {
  const same = state.surface && String(state.surface.first) === String(surface.first) && String(state.surface.second) === String(surface.second);
  state.surface = surface;
  state.surfacePath = same ? [...surface.path, ...state.surfacePath.slice(-1)] : surface.path;
  drawSurface();
}

// The loss over the two weights: a smooth picture (dark is low) with contour
// lines at 12 levels of log(loss), and the path the weights took.
function drawSurface() {
  const canvas = $("surface");
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const surface = state.surface;
  if (!surface) return;
  const n = surface.loss.length;
  const logs = surface.loss.map((row) => row.map((v) => (Number.isFinite(v) ? Math.log(v + 1e-12) : NaN)));
  const finite = logs.flat().filter(Number.isFinite);
  const low = Math.min(...finite), high = Math.max(...finite);
  const level = (v) => (Number.isFinite(v) ? (v - low) / (high - low || 1) : 1);
  const small = document.createElement("canvas");
  small.width = small.height = n;
  const image = small.getContext("2d").createImageData(n, n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const t = level(logs[r][c]);
      image.data.set([Math.round(30 + 200 * t), Math.round(60 + 170 * t), Math.round(110 + 120 * t), 255],
        ((n - 1 - r) * n + c) * 4);  // row 0 is the lowest value of the second weight
    }
  }
  small.getContext("2d").putImageData(image, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(small, 0, 0, width, height);
  const x = (c) => ((c + 0.5) / n) * width;
  const y = (r) => height - ((r + 0.5) / n) * height;
  context.strokeStyle = "rgba(255,255,255,0.7)";
  context.lineWidth = 1;
  context.beginPath();
  for (let k = 1; k < 12; k++) contour(logs.map((row) => row.map(level)), k / 12, x, y, context);
  context.stroke();
  const [[a0, a1], [b0, b1]] = surface.limits;
  const px = (a) => (((a - a0) / (a1 - a0)) * (n - 1) + 0.5) / n * width;
  const py = (b) => height - (((b - b0) / (b1 - b0)) * (n - 1) + 0.5) / n * height;
  context.strokeStyle = "#d93025";
  context.lineWidth = 2;
  context.beginPath();
  state.surfacePath.forEach(([a, b], i) => (i ? context.lineTo(px(a), py(b)) : context.moveTo(px(a), py(b))));
  context.stroke();
  const last = state.surfacePath.at(-1);
  if (last) {
    context.fillStyle = "#000";
    context.beginPath();
    context.arc(px(last[0]), py(last[1]), 4, 0, 2 * Math.PI);
    context.fill();
  }
}

// Marching squares: the segments where `grid` (rows r, columns c) crosses `value`.
function contour(grid, value, x, y, context) {
  const at = (r0, c0, r1, c1) => {
    const a = grid[r0][c0], b = grid[r1][c1];
    const t = a === b ? 0.5 : (value - a) / (b - a);
    return [x(c0 + (c1 - c0) * t), y(r0 + (r1 - r0) * t)];
  };
  for (let r = 0; r + 1 < grid.length; r++) {
    for (let c = 0; c + 1 < grid.length; c++) {
      const crossings = [];
      const corners = [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]];
      for (let k = 0; k < 4; k++) {
        const [r0, c0] = corners[k], [r1, c1] = corners[(k + 1) % 4];
        if ((grid[r0][c0] < value) !== (grid[r1][c1] < value)) crossings.push(at(r0, c0, r1, c1));
      }
      for (let k = 0; k + 1 < crossings.length; k += 2) {
        context.moveTo(...crossings[k]);
        context.lineTo(...crossings[k + 1]);
      }
    }
  }
}

bindControls();
start();
