// The digits page: draw, send the ink, show what the model reads; teach it one
// step. The reading and the step are the server's (steepest's Network).
import { closeReason, connect, say } from "./common.js";

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const ink = pad.getContext("2d", { willReadFrequently: true });
const state = { connection: null, drawing: false, drawn: false, last: null, timer: null, model: null };

function clearPad() {
  ink.fillStyle = "#000";
  ink.fillRect(0, 0, pad.width, pad.height);
  state.drawn = false;
  $("prediction").textContent = "–";
  $("top").replaceChildren();
}

// The drawing as the server reads it: uint16 width and height, then one byte
// of ink a pixel (the red channel: the ink is white on black).
function drawingBytes() {
  const { data } = ink.getImageData(0, 0, pad.width, pad.height);
  const bytes = new Uint8Array(4 + pad.width * pad.height);
  new DataView(bytes.buffer).setUint16(0, pad.width, true);
  new DataView(bytes.buffer).setUint16(2, pad.height, true);
  for (let i = 0; i < pad.width * pad.height; i++) bytes[4 + i] = data[i * 4];
  return bytes;
}

function sendDrawing() {
  if (state.drawn && state.model) state.connection.sendBytes(drawingBytes());
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * (pad.width / box.width), (event.clientY - box.top) * (pad.height / box.height)];
}

function bindPad() {
  pad.addEventListener("pointerdown", (event) => {
    state.drawing = true;
    state.last = point(event);
    pad.setPointerCapture(event.pointerId);
  });
  pad.addEventListener("pointermove", (event) => {
    if (!state.drawing) return;
    const here = point(event);
    ink.strokeStyle = "#fff";
    ink.lineWidth = 18;
    ink.lineCap = ink.lineJoin = "round";
    ink.beginPath();
    ink.moveTo(...state.last);
    ink.lineTo(...here);
    ink.stroke();
    state.last = here;
    state.drawn = true;
    if (!state.timer) state.timer = setTimeout(() => { state.timer = null; sendDrawing(); }, 120);
  });
  const stop = () => {
    if (!state.drawing) return;
    state.drawing = false;
    sendDrawing();
  };
  pad.addEventListener("pointerup", stop);
  pad.addEventListener("pointercancel", stop);
  $("clear").addEventListener("click", clearPad);
  $("learn").addEventListener("click", () => {
    const rate = Number($("rate").value);
    if (!state.drawn) return say("draw a digit first", "error");
    state.connection.send({ type: "learn", label: Number($("label").value), rate });
    return undefined;
  });
  $("undo").addEventListener("click", () => state.connection.send({ type: "undo" }));
}

function paintGrey(canvas, values, shape, signed = false) {
  const [rows, cols] = shape;
  canvas.width = cols;
  canvas.height = rows;
  const context = canvas.getContext("2d");
  const image = context.createImageData(cols, rows);
  let top = 0;
  for (const v of values) top = Math.max(top, Math.abs(v));
  for (let i = 0; i < rows * cols; i++) {
    const t = top ? values[i] / top : 0;
    const shade = Math.round(255 * (1 - Math.min(1, signed ? Math.abs(t) : t)));
    image.data.set([shade, shade, shade, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
}

function showReading({ header, arrays }) {
  $("undo").disabled = header.undo === 0;
  if (!header.probabilities) return;
  const p = header.probabilities;
  const best = header.top[0];
  $("prediction").textContent = `${header.classes[best]} (${(100 * p[best]).toFixed(1)}%)`;
  $("top").replaceChildren(...header.top.map((k) => {
    const item = document.createElement("li");
    const bar = document.createElement("span");
    bar.className = "bar-fill";
    bar.style.width = `${Math.round(200 * p[k])}px`;
    item.append(`${header.classes[k]}: ${(100 * p[k]).toFixed(1)}% `, bar);
    return item;
  }));
  paintGrey($("seen"), arrays.input.data, arrays.input.shape);
  const layers = Object.keys(arrays).filter((name) => name.startsWith("hidden"));
  $("hidden").replaceChildren(...layers.map((name, i) => {
    const values = arrays[name].data;
    const cols = Math.ceil(Math.sqrt(values.length));
    const rows = Math.ceil(values.length / cols);
    const padded = new Float32Array(rows * cols);
    padded.set(values);
    const canvas = document.createElement("canvas");
    canvas.className = "layer-picture";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `Hidden layer ${i + 1}: ${values.length} units`);
    paintGrey(canvas, padded, [rows, cols]);
    const figure = document.createElement("figure");
    const caption = document.createElement("figcaption");
    caption.textContent = `layer ${i + 1}: ${values.length} units`;
    figure.append(canvas, caption);
    return figure;
  }));
  if (header.learned) showLearned(header.learned, arrays.gradient);
}

function showLearned(learned, gradient) {
  $("learned").hidden = false;
  $("learned-text").textContent = `One step towards ${state.model.classes[learned.label]} at learning rate ${learned.rate}: its loss went from ${learned.loss_before.toFixed(4)} to ${learned.loss_after.toFixed(4)}.`;
  paintGrey($("gradient"), gradient.data, gradient.shape, true);
  $("gradient-norms").textContent = `|dW| per layer: ${learned.grad_norms.map((g) => g.toPrecision(3)).join(", ")}`;
}

function start() {
  state.connection = connect("/ws/digits", {
    onOpen: () => state.connection.send({ type: "hello" }),
    onJson: (message) => {
      if (message.type === "model") {
        state.model = message;
        $("source").textContent = `model: ${message.source}; ${message.sizes.join(" → ")}`;
        const select = $("label");
        select.replaceChildren(...message.classes.map((name, k) => {
          const option = document.createElement("option");
          option.value = k;
          option.textContent = name;
          return option;
        }));
        sendDrawing();
      } else if (message.type === "error" || message.type === "refused") {
        say(message.message, "error");
      } else if (message.type === "notice") {
        say(message.message);
      }
    },
    onFrame: showReading,
    onClose: (event) => say(`disconnected: ${closeReason(event)}; reload the page`, "error"),
  });
}

clearPad();
bindPad();
start();
