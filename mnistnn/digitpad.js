// The browser side of mnistnn.widgets.DigitPad: draw on a canvas, send the drawing as 28 x 28 pixels.
//
// The pad is SIZE x SIZE screen pixels, GRID x GRID MNIST pixels, so each MNIST pixel is a
// SCALE x SCALE block. After each stroke every block is averaged into one number 0-255 (white
// ink on black, as in MNIST) and the 784 numbers go to Python as the model's "pixels".
// When Python sets "pixels", the pad shows them, one block per pixel.

const SIZE = 280;
const GRID = 28;
const SCALE = SIZE / GRID;
const PEN_WIDTH = 28; // in screen pixels: close to 3 MNIST pixels, as thick as MNIST's strokes

function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = SIZE;
  // touch-action: none stops a finger or pen from scrolling the page instead of drawing; an outline,
  // unlike a border, leaves the canvas exactly SIZE pixels wide; squeezed, it shrinks but stays square
  canvas.style.cssText = "touch-action: none; cursor: crosshair; display: block; outline: 1px solid #888";
  canvas.style.cssText += "; max-width: 100%; height: auto";
  const clearButton = document.createElement("button");
  clearButton.textContent = "clear";
  clearButton.style.marginTop = "4px";
  el.append(canvas, clearButton);

  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let sent = null; // the pixels this pad sent last, so that their echo does not redraw the pad
  let last = null; // where the pointer was, while a stroke is being drawn

  function fillBlack() {
    ctx.fillStyle = "black";
    ctx.fillRect(0, 0, SIZE, SIZE);
  }

  function pointAt(event) {
    const box = canvas.getBoundingClientRect(); // the canvas may be shown larger or smaller than SIZE
    return { x: ((event.clientX - box.left) * SIZE) / box.width, y: ((event.clientY - box.top) * SIZE) / box.height };
  }

  function line(from, to) {
    ctx.strokeStyle = "white";
    ctx.lineWidth = PEN_WIDTH;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  }

  // Average each SCALE x SCALE block of the canvas into one pixel (the red channel: the ink is white).
  function toPixels() {
    const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
    const sums = new Array(GRID * GRID).fill(0);
    for (let i = 0; i < SIZE * SIZE; i++) {
      const row = Math.floor(Math.floor(i / SIZE) / SCALE);
      const col = Math.floor((i % SIZE) / SCALE);
      sums[row * GRID + col] += rgba[4 * i];
    }
    return sums.map((sum) => Math.round(sum / (SCALE * SCALE)));
  }

  function send(pixels) {
    sent = pixels;
    model.set("pixels", pixels);
    model.save_changes();
  }

  // Show pixels that came from Python: one grey block per MNIST pixel.
  function show() {
    const pixels = model.get("pixels");
    if (sent !== null && pixels.length === sent.length && pixels.every((v, i) => v === sent[i])) return;
    fillBlack();
    pixels.forEach((v, i) => {
      ctx.fillStyle = `rgb(${v}, ${v}, ${v})`;
      ctx.fillRect((i % GRID) * SCALE, Math.floor(i / GRID) * SCALE, SCALE, SCALE);
    });
  }

  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId); // keep the stroke even if the pointer leaves the pad
    last = pointAt(event);
    line(last, last); // a round dot
  });
  canvas.addEventListener("pointermove", (event) => {
    if (last === null) return;
    const point = pointAt(event);
    line(last, point);
    last = point;
  });
  const endStroke = () => {
    if (last === null) return;
    last = null;
    send(toPixels());
  };
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);
  clearButton.addEventListener("click", () => {
    fillBlack();
    send(new Array(GRID * GRID).fill(0));
  });

  show();
  model.on("change:pixels", show);
  return () => model.off("change:pixels", show);
}

export default { render };
