// The drawing pad: strokes from a mouse, a pen or a finger (pointer events) onto a canvas
// whose alpha channel is the ink, 0 (paper) to 255 (ink), as /api/digitize takes it.

export class DrawingPad {
  /** Draws on `canvas`; calls `onInk()` after every change of the ink. */
  constructor(canvas, onInk) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d", { willReadFrequently: true });
    this.onInk = onInk;
    this.brush = 20;
    this.version = 0;      // bumped on every change, so callers know when to digitize again
    this.hasInk = false;
    this.last = null;
    this.pointer = null;
    canvas.addEventListener("pointerdown", (event) => this.down(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    canvas.addEventListener("pointerup", (event) => this.up(event));
    canvas.addEventListener("pointercancel", (event) => this.up(event));
  }

  /** The canvas position of a pointer event, in canvas pixels. */
  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (this.canvas.width / box.width),
      y: (event.clientY - box.top) * (this.canvas.height / box.height),
    };
  }

  down(event) {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.pointer = event.pointerId;
    this.last = this.point(event);
    this.segment(this.last, this.last);
  }

  move(event) {
    if (event.pointerId !== this.pointer) return;
    // A fast pen reports several positions per frame; draw through all of them.
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const each of events.length ? events : [event]) {
      const next = this.point(each);
      this.segment(this.last, next);
      this.last = next;
    }
  }

  up(event) {
    if (event.pointerId !== this.pointer) return;
    this.pointer = null;
    this.last = null;
  }

  segment(from, to) {
    const c = this.context;
    c.strokeStyle = "#000";
    c.lineWidth = this.brush;
    c.lineCap = "round";
    c.lineJoin = "round";
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x, to.y);
    c.stroke();
    this.hasInk = true;
    this.version += 1;
    this.onInk();
  }

  clear() {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.hasInk = false;
    this.version += 1;
    this.onInk();
  }

  /** The body of POST /api/digitize: the ink, row-major, one integer 0...255 a pixel. */
  digitizeRequest(centre) {
    const { width, height } = this.canvas;
    const rgba = this.context.getImageData(0, 0, width, height).data;
    const pixels = new Array(width * height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = rgba[i * 4 + 3];
    return { width, height, pixels, center: centre };
  }
}
