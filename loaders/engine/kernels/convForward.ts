// Conv2D on ../convGemm.ts (NHWC float32, any stride, dilation and padding, output channels a multiple of 8),
// the rest on XNNPACK; and the table of window starts that the filter gradient on ../convGemm.ts reads too.
import * as tf from "@tensorflow/tfjs-core";
import { type Info, type KernelArgs, type PadAttr, type RoundingMode, type WasmBackend, convGemmFor, dilateAndPad, disposeAll, offsetOf, stock } from "./common.js";

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: "NHWC" | "NCHW";
  dilations?: number | [number, number];
  dimRoundingMode?: RoundingMode;
}

/** The input of a convolution as ../convGemm.ts reads it: zero-padded, with where each output pixel's window starts. */
export interface ConvWindows {
  /** x padded by the convolution's padding (x itself when there is none). */
  padded: Info;
  /** int32 [N * outH * outW]: the byte offset in wasm memory of each output pixel's window in `padded`. */
  starts: Info;
  /** The padded width, for the taps' byte offsets. */
  paddedWidth: number;
  /** What the caller must dispose (the padded copy, the table). */
  temps: Info[];
}

/** Pads x once and tables its windows; the caller disposes `temps`, also when it throws. */
export function convWindows(backend: WasmBackend, x: Info, conv: tf.backend_util.Conv2DInfo): ConvWindows {
  const [n, h, w, c] = x.shape;
  const { top, bottom, left, right } = conv.padInfo;
  const temps: Info[] = [];
  try {
    const padded = top || bottom || left || right ? dilateAndPad(backend, x, 1, 1, top, bottom, left, right) : x;
    if (padded !== x) temps.push(padded);
    const starts = backend.makeOutput([n * conv.outHeight * conv.outWidth], "int32");
    temps.push(starts);
    const [hp, wp] = [h + top + bottom, w + left + right];
    const pixelBytes = 4 * c;
    const table = backend.typedArrayFromHeap(starts) as Int32Array;
    const base = offsetOf(backend, padded);
    for (let img = 0, p = 0; img < n; img++) {
      for (let oy = 0; oy < conv.outHeight; oy++) {
        const row = base + (img * hp + oy * conv.strideHeight) * wp * pixelBytes;
        for (let ox = 0; ox < conv.outWidth; ox++) table[p++] = row + ox * conv.strideWidth * pixelBytes;
      }
    }
    return { padded, starts, paddedWidth: wp, temps };
  } catch (error) {
    disposeAll(backend, temps);
    throw error;
  }
}

/** Whether ../convGemm.ts can run this convolution: NHWC float32, output channels a multiple of 8, no cropping. */
export function convGemmApplies(conv: tf.backend_util.Conv2DInfo, ...infos: Info[]): boolean {
  const { top, bottom, left, right } = conv.padInfo;
  return (
    conv.dataFormat === "channelsLast" &&
    infos.every((info) => info.dtype === "float32") &&
    conv.outChannels % 8 === 0 &&
    Math.min(top, bottom, left, right) >= 0 &&
    conv.batchSize * conv.outHeight * conv.outWidth > 0
  );
}

export function conv2dForward(args: KernelArgs): Info {
  const backend = args.backend as unknown as WasmBackend;
  const { x, filter } = args.inputs as { x: Info; filter: Info };
  const attrs = args.attrs as unknown as Conv2DAttrs;
  const kernel = convGemmFor(backend);
  if (kernel == null || (attrs.dataFormat != null && attrs.dataFormat !== "NHWC")) return fallback(args);
  const [kh, kw, inC, outC] = filter.shape;
  const conv = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad as "valid", attrs.dimRoundingMode, false, "channelsLast"
  );
  if (!convGemmApplies(conv, x, filter)) return fallback(args);
  const { starts, paddedWidth, temps } = convWindows(backend, x, conv);
  try {
    const out = backend.makeOutput(conv.outShape, "float32");
    const pixelBytes = 4 * inC;
    kernel.convGemm(
      offsetOf(backend, starts), offsetOf(backend, filter), offsetOf(backend, out), inC, outC, kh, kw,
      conv.dilationHeight * paddedWidth * pixelBytes, conv.dilationWidth * pixelBytes, starts.shape[0]
    );
    return out;
  } finally {
    disposeAll(backend, temps);
  }
}

function fallback(args: KernelArgs): Info {
  if (stock.Conv2D == null) throw new Error("Conv2D (wasm training kernels): unsupported case and no stock kernel");
  return stock.Conv2D(args) as Info;
}
