// What both pages share: the connection to the server, binary frames, colours
// and the message line. Plain ES modules, no build step, nothing from elsewhere.

// ------------------------------------------------------------------ frames
// A frame is a little-endian uint32 n, n bytes of JSON (the header), then the
// arrays the header lists, each at a multiple of 4 bytes (see views.py).
export function decodeFrame(buffer) {
  const size = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size)));
  const start = Math.ceil((4 + size) / 4) * 4;
  const arrays = {};
  for (const item of header.arrays) {
    const count = item.shape.reduce((a, b) => a * b, 1);
    const Kind = item.dtype === "f4" ? Float32Array : Uint8Array;
    arrays[item.name] = { data: new Kind(buffer, start + item.offset, count), shape: item.shape };
  }
  return { header, arrays };
}

// ------------------------------------------------------------------ the connection
// One WebSocket to the page's own server; onJson and onFrame get its messages.
export function connect(path, { onOpen, onJson, onFrame, onClose }) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${path}`);
  socket.binaryType = "arraybuffer";
  socket.addEventListener("open", () => onOpen());
  socket.addEventListener("message", (event) => {
    if (typeof event.data === "string") onJson(JSON.parse(event.data));
    else onFrame(decodeFrame(event.data));
  });
  socket.addEventListener("close", (event) => onClose(event));
  return {
    send(message) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
    sendBytes(data) {
      if (socket.readyState === WebSocket.OPEN) socket.send(data);
    },
    get open() { return socket.readyState === WebSocket.OPEN; },
  };
}

// Why a connection closed, in words.
export function closeReason(event) {
  const reasons = {
    1006: "the server stopped or the network dropped",
    1008: "the server refused this page",
    1009: "a message was too large for the server",
    1013: "the server is full",
  };
  return reasons[event.code] || `code ${event.code}`;
}

// ------------------------------------------------------------------ messages to the reader
// Notices fade; errors stay until closed (the newest five).
export function say(text, kind = "notice") {
  const box = document.getElementById("messages");
  const line = document.createElement("div");
  line.className = `message ${kind}`;
  line.setAttribute("role", kind === "error" ? "alert" : "status");
  line.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", "Close this message");
  close.addEventListener("click", () => line.remove());
  line.append(close);
  box.append(line);
  while (box.children.length > 5) box.firstElementChild.remove();
  if (kind !== "error") setTimeout(() => line.remove(), 8000);
}

// ------------------------------------------------------------------ colours
// TensorFlow Playground's: orange for negative, white-ish for 0, blue for positive.
export const NEGATIVE = [245, 147, 34];
export const ZERO = [232, 234, 235];
export const POSITIVE = [8, 119, 189];
// One colour per class (the first two as the scale's ends).
export const PALETTE = [NEGATIVE, POSITIVE, [58, 166, 87], [142, 78, 198], [214, 59, 59],
  [26, 163, 163], [156, 107, 48], [214, 86, 159]];

function mix(a, b, t) {
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t));
}

// The colour of a value in [-1, 1] (beyond: the ends).
export function diverging(value) {
  const t = Math.max(-1, Math.min(1, value));
  return t < 0 ? mix(ZERO, NEGATIVE, -t) : mix(ZERO, POSITIVE, t);
}

export function css(rgb) {
  return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
}

// A quantised picture (bytes, 128 = 0, 1 and 255 = -scale and +scale, see
// views.py) into a canvas of side `size`, coloured by value. The colours of a
// scale are a table of 256 packed RGBA words, and each canvas keeps its
// ImageData: a frame allocates nothing.
const BYTE_COLOURS = new Map();
function byteColours(scale) {
  const key = scale.toPrecision(3);
  if (!BYTE_COLOURS.has(key)) {
    const bytes = new Uint8ClampedArray(256 * 4);
    for (let b = 0; b < 256; b++) bytes.set([...diverging(((b - 128) / 127) * scale), 255], b * 4);
    BYTE_COLOURS.set(key, new Uint32Array(bytes.buffer));
    if (BYTE_COLOURS.size > 512) BYTE_COLOURS.delete(BYTE_COLOURS.keys().next().value);
  }
  return BYTE_COLOURS.get(key);
}

export function imageOf(context, size) {
  if (!context.image || context.image.width !== size) {
    context.image = context.createImageData(size, size);
    context.words = new Uint32Array(context.image.data.buffer);
  }
  return context.image;
}

export function paintValues(context, bytes, offset, size, scale, discrete = false) {
  const image = imageOf(context, size);
  colourWords(context.words, 0, bytes, offset, size * size, scale, discrete);
  context.putImageData(image, 0, 0);
}

// `count` quantised values from bytes[offset] as packed RGBA words into
// words[at], coloured as paintValues colours them.
export function colourWords(words, at, bytes, offset, count, scale, discrete = false) {
  const table = byteColours(scale);
  for (let i = 0; i < count; i++) {
    const b = bytes[offset + i];
    words[at + i] = table[discrete ? (b >= 128 ? 255 : 1) : b];
  }
}

// Set an element's text only when it changes: an unchanged figure costs no layout.
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

export function formatNumber(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const size = Math.abs(value);
  if (size !== 0 && (size < 1e-3 || size >= 1e5)) return value.toExponential(digits - 1);
  return value.toFixed(digits);
}
