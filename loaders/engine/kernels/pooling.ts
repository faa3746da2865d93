// MaxPoolGrad over the wasm heap, with the cpu backend's tie rule, and a branch-free 2x2 path.
import * as tf from "@tensorflow/tfjs-core";
import type { SimdKernels } from "../simd.js";
import { type Float, type Info, type KernelArgs, type PadAttr, type RoundingMode, type WasmBackend, heapF32, offsetOf, sameShape, simdFor, stock, wasmKernelOptions } from "./common.js";

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: RoundingMode;
}

interface PoolGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  c: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  fH: number;
  fW: number;
  padTop: number;
  padLeft: number;
}

/**
 * Exact cpu semantics, any window/stride/padding: each dy value goes to the first position (in
 * row-major window order) whose value is strictly greater than everything before it, i.e. the
 * first maximum; NaN never wins and a window with nothing above -Infinity routes nothing.
 * Gradients of overlapping windows add up.
 */
export function maxPoolGradGeneral(out: Float, x: Float, g: Float, p: PoolGeometry): void {
  const { batchSize, inHeight, inWidth, c, outHeight, outWidth, strideHeight, strideWidth, fH, fW, padTop, padLeft } = p;
  out.fill(0);
  const maxVal = new Float64Array(c);
  const maxAt = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * c;
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - padTop;
      const rMin = Math.max(0, rCorner);
      const rMax = Math.min(inHeight, rCorner + fH);
      for (let yC = 0; yC < outWidth; yC++) {
        const cCorner = yC * strideWidth - padLeft;
        const cMin = Math.max(0, cCorner);
        const cMax = Math.min(inWidth, cCorner + fW);
        maxVal.fill(-Infinity);
        maxAt.fill(-1);
        for (let r = rMin; r < rMax; r++) {
          for (let col = cMin; col < cMax; col++) {
            const base = xBatch + (r * inWidth + col) * c;
            for (let d = 0; d < c; d++) {
              const v = x[base + d];
              if (v > maxVal[d]) {
                maxVal[d] = v;
                maxAt[d] = base + d;
              }
            }
          }
        }
        const gBase = ((b * outHeight + yR) * outWidth + yC) * c;
        for (let d = 0; d < c; d++) {
          const at = maxAt[d];
          if (at >= 0) out[at] += g[gBase + d];
        }
      }
    }
  }
}

/**
 * 2x2 windows, stride 2, no padding (windows tile x and never overlap). Uses the forward output y
 * (the window maxima, which MaxPoolGrad receives): the gradient goes to the first of the four
 * positions equal to y, computed without branches (ReLU zeros make ties, and so branch
 * mispredictions, common). A window whose y is NaN, -Infinity or matches none of its values is
 * redone with the exact scalar rule, so the result equals maxPoolGradGeneral.
 */
export function maxPoolGrad2x2(out: Float, x: Float, y: Float, g: Float, p: PoolGeometry): void {
  const { batchSize, inHeight, inWidth, c, outHeight, outWidth } = p;
  if (outHeight * 2 !== inHeight || outWidth * 2 !== inWidth) out.fill(0); // an uncovered last row/column
  const rowStride = inWidth * c;
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const p0 = ((b * inHeight + yR * 2) * inWidth + yC * 2) * c;
        const p1 = p0 + c;
        const p2 = p0 + rowStride;
        const p3 = p2 + c;
        const q = ((b * outHeight + yR) * outWidth + yC) * c;
        for (let d = 0; d < c; d++) {
          const m = y[q + d];
          const gv = g[q + d];
          const e0 = Number(x[p0 + d] === m);
          const e1 = Number(x[p1 + d] === m);
          const e2 = Number(x[p2 + d] === m);
          const e3 = Number(x[p3 + d] === m);
          if ((e0 | e1 | e2 | e3) === 0 || m === -Infinity) {
            // Scalar rule for this window and channel.
            let best = -Infinity;
            let at = -1;
            for (const pos of [p0, p1, p2, p3]) {
              const v = x[pos + d];
              if (v > best) {
                best = v;
                at = pos + d;
              }
            }
            out[p0 + d] = 0;
            out[p1 + d] = 0;
            out[p2 + d] = 0;
            out[p3 + d] = 0;
            if (at >= 0) out[at] = gv;
            continue;
          }
          // "+ 0" turns the -0 of 0 * (negative dy) into the +0 the cpu backend produces.
          out[p0 + d] = e0 * gv + 0;
          out[p1 + d] = (e1 & (e0 ^ 1)) * gv + 0;
          out[p2 + d] = (e2 & ((e0 | e1) ^ 1)) * gv + 0;
          out[p3 + d] = (e3 & ((e0 | e1 | e2) ^ 1)) * gv + 0;
        }
      }
    }
  }
}

/** The 2x2 rule of maxPoolGrad2x2 in WebAssembly SIMD (loaders/engine/simd.ts), one output row per call. */
export function maxPoolGrad2x2Simd(simd: SimdKernels, backend: WasmBackend, dx: Info, input: Info, dy: Info, p: PoolGeometry): void {
  const { batchSize, inHeight, inWidth, c, outHeight, outWidth } = p;
  if (outHeight * 2 !== inHeight || outWidth * 2 !== inWidth) heapF32(backend, dx).fill(0); // an uncovered last row/column
  const x = offsetOf(backend, input);
  const g = offsetOf(backend, dy);
  const out = offsetOf(backend, dx);
  const rowBytes = inWidth * c * 4;
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const inRow = (b * inHeight + yR * 2) * rowBytes;
      simd.maxPoolGrad2x2Row(x + inRow, g + (b * outHeight + yR) * outWidth * c * 4, out + inRow, rowBytes, outWidth, c);
    }
  }
}

export function maxPoolGrad(args: KernelArgs): Info {
  const backend = args.backend as unknown as WasmBackend;
  const { dy, input, output } = args.inputs as { dy: Info; input: Info; output: Info };
  const attrs = args.attrs as unknown as PoolAttrs;
  if (input.dtype !== "float32" || dy.dtype !== "float32") {
    if (stock.MaxPoolGrad == null) throw new Error("MaxPoolGrad (wasm training kernels): only float32 is supported");
    return stock.MaxPoolGrad(args) as Info;
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad as "valid",
    attrs.dimRoundingMode,
  );
  if (!sameShape(dy.shape, info.outShape)) {
    throw new Error(`MaxPoolGrad (wasm training kernels): dy shape [${dy.shape}] does not match the pooling output [${info.outShape}]`);
  }
  const geometry: PoolGeometry = {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    c: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    fH: info.effectiveFilterHeight,
    fW: info.effectiveFilterWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
  const twoByTwo =
    wasmKernelOptions.fastMaxPoolGrad &&
    geometry.fH === 2 &&
    geometry.fW === 2 &&
    geometry.strideHeight === 2 &&
    geometry.strideWidth === 2 &&
    geometry.padTop === 0 &&
    geometry.padLeft === 0 &&
    geometry.outHeight * 2 <= geometry.inHeight &&
    geometry.outWidth * 2 <= geometry.inWidth;
  const fast = twoByTwo && output != null && output.dtype === "float32" && sameShape(output.shape, info.outShape);
  const dx = backend.makeOutput(input.shape, "float32");
  const simd = twoByTwo ? simdFor(backend) : null;
  if (simd != null) {
    maxPoolGrad2x2Simd(simd, backend, dx, input, dy, geometry);
    return dx;
  }
  const out = heapF32(backend, dx);
  const x = heapF32(backend, input);
  const g = heapF32(backend, dy);
  if (fast) maxPoolGrad2x2(out, x, heapF32(backend, output), g, geometry);
  else maxPoolGradGeneral(out, x, g, geometry);
  return dx;
}
