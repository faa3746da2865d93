// A canvas to draw a digit on with a mouse, a pen or a finger (pointer events). Its value is the ink,
// {ink: Float32Array (alpha 0..1 per canvas pixel), width, height}, or null while blank; it dispatches
// "input" while drawing (at most once per animation frame) and when cleared, so a page can view() it.
import {inkFromImageData} from "./mnistPreprocess.js";

/** The pad's value once something is drawn: the alpha (0..1) of each canvas pixel, row by row. */
export interface DrawPadInk {
  ink: Float32Array;
  width: number;
  height: number;
}

/** Options of DrawPad. */
export interface DrawPadOptions {
  /** The side in canvas pixels (default 280). */
  size?: number;
  /** The nib in canvas pixels (default 20). */
  lineWidth?: number;
  /** The canvas's accessible name. */
  label?: string;
}

/** The pad: a canvas carrying its ink as `value` (null while blank), with a `clear()` method. */
export type DrawPadElement = HTMLCanvasElement & {value: DrawPadInk | null; clear(): void};

type Point = [number, number];

/**
 * A square drawing pad of `size` canvas pixels (its CSS size follows the container, at most `size`).
 * `lineWidth` is the nib in canvas pixels: about a tenth of the side gives MNIST-like strokes once a
 * digit is scaled to 20×20. The element has a `clear()` method.
 */
export function DrawPad({size = 280, lineWidth = 20, label = "Drawing pad: draw one digit"}: DrawPadOptions = {}): DrawPadElement {
  const canvas = document.createElement("canvas") as DrawPadElement;
  canvas.width = size;
  canvas.height = size;
  canvas.className = "draw-pad";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  canvas.style.touchAction = "none"; // a finger draws instead of scrolling the page
  const context = canvas.getContext("2d", {willReadFrequently: true})!;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.lineWidth = lineWidth;

  let drawing: {id: number; last: Point} | null = null; // the active pointer's id and last point
  let blank = true;
  let frame: number | null = null;

  canvas.value = null;
  const update = () => {
    frame = null;
    canvas.value = blank ? null : {ink: inkFromImageData(context.getImageData(0, 0, size, size)), width: size, height: size};
    canvas.dispatchEvent(new Event("input", {bubbles: true}));
  };
  const schedule = () => {
    if (frame == null) frame = requestAnimationFrame(update);
  };
  const point = (event: PointerEvent): Point => {
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) / rect.width) * size, ((event.clientY - rect.top) / rect.height) * size];
  };
  const stroke = (from: Point, to: Point): void => {
    // Ink colour is irrelevant (the models read the alpha channel); the theme's text colour shows on any ground.
    context.strokeStyle = getComputedStyle(canvas).color || "black";
    context.beginPath();
    context.moveTo(...from);
    context.lineTo(...to);
    context.stroke();
    blank = false;
  };

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || drawing) return;
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    const p = point(event);
    drawing = {id: event.pointerId, last: p};
    stroke(p, p); // a dot for a tap
    schedule();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing || event.pointerId !== drawing.id) return;
    const events = event.getCoalescedEvents?.() ?? [];
    for (const e of events.length ? events : [event]) {
      const p = point(e);
      stroke(drawing.last, p);
      drawing.last = p;
    }
    schedule();
  });
  const end = (event: PointerEvent): void => {
    if (!drawing || event.pointerId !== drawing.id) return;
    drawing = null;
    if (frame != null) cancelAnimationFrame(frame);
    update();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  canvas.clear = () => {
    context.clearRect(0, 0, size, size);
    blank = true;
    drawing = null;
    if (frame != null) cancelAnimationFrame(frame);
    update();
  };
  return canvas;
}
