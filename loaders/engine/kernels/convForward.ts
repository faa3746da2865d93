// Conv2D and FusedConv2D on ../convGemm.ts (NHWC float32, any stride, dilation and padding, output channels
// a multiple of 8), the rest on XNNPACK; and the table of window starts that the filter gradient reads too.
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

/**
 * Whether ../convGemm.ts can run this convolution: NHWC float32, output channels a multiple of 8, no
 * cropping, and no "ceil" rounding of a numeric pad (whose last windows would reach past the padded input).
 */
export function convGemmApplies(conv: tf.backend_util.Conv2DInfo, dimRoundingMode: RoundingMode, ...infos: Info[]): boolean {
  const { top, bottom, left, right } = conv.padInfo;
  return (
    conv.dataFormat === "channelsLast" &&
    dimRoundingMode !== "ceil" &&
    infos.every((info) => info.dtype === "float32") &&
    conv.outChannels % 8 === 0 &&
    Math.min(top, bottom, left, right) >= 0 &&
    conv.batchSize * conv.outHeight * conv.outWidth > 0
  );
}

/** The two kernels' shared part: our convolution, with tfjs' fused bias and ReLU; null where it does not apply. */
function convolve(backend: WasmBackend, x: Info, filter: Info, attrs: Conv2DAttrs, bias: Info | null, relu: boolean): Info | null {
  const kernel = convGemmFor(backend);
  if (kernel == null || (attrs.dataFormat != null && attrs.dataFormat !== "NHWC")) return null;
  const [kh, kw, inC, outC] = filter.shape;
  if (bias != null && (bias.dtype !== "float32" || tf.util.sizeFromShape(bias.shape) !== outC)) return null;
  const conv = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad as "valid", attrs.dimRoundingMode, false, "channelsLast"
  );
  if (!convGemmApplies(conv, attrs.dimRoundingMode, x, filter)) return null;
  const { starts, paddedWidth, temps } = convWindows(backend, x, conv);
  const out = backend.makeOutput(conv.outShape, "float32");
  try {
    const pixelBytes = 4 * inC;
    kernel.convGemm(
      offsetOf(backend, starts), offsetOf(backend, filter), offsetOf(backend, out), inC, outC, kh, kw,
      conv.dilationHeight * paddedWidth * pixelBytes, conv.dilationWidth * pixelBytes, starts.shape[0],
      bias == null ? 0 : offsetOf(backend, bias), (bias == null ? 0 : 1) | (relu ? 2 : 0)
    );
    return out;
  } catch (error) {
    disposeAll(backend, [out]);
    throw error;
  } finally {
    disposeAll(backend, temps);
  }
}

export function conv2dForward(args: KernelArgs): Info {
  const { x, filter } = args.inputs as { x: Info; filter: Info };
  const out = convolve(args.backend as unknown as WasmBackend, x, filter, args.attrs as unknown as Conv2DAttrs, null, false);
  if (out != null) return out;
  if (stock.Conv2D == null) throw new Error("Conv2D (wasm training kernels): unsupported case and no stock kernel");
  return stock.Conv2D(args) as Info;
}

/**
 * FusedConv2D: what tfjs runs for a layer's convolution outside gradients, and inside them where the
 * activation is linear (a batch-normalised CNN's). Bias and ReLU go in our kernel's last step; other
 * activations and PReLU weights go to the stock kernel.
 */
export function fusedConv2dForward(args: KernelArgs): Info {
  const { x, filter, bias, preluActivationWeights } = args.inputs as { x: Info; filter: Info; bias?: Info; preluActivationWeights?: Info };
  const attrs = args.attrs as unknown as Conv2DAttrs & { activation?: string };
  const activation = attrs.activation ?? "linear";
  const out =
    preluActivationWeights == null && (activation === "linear" || activation === "relu")
      ? convolve(args.backend as unknown as WasmBackend, x, filter, attrs, bias ?? null, activation === "relu")
      : null;
  if (out != null) return out;
  if (stock.FusedConv2D == null) throw new Error("FusedConv2D (wasm training kernels): unsupported case and no stock kernel");
  return stock.FusedConv2D(args) as Info;
}
