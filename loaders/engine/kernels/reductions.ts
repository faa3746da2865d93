// Sums and means over leading axes (bias gradients) and the fused batch normalisation.
import * as tf from "@tensorflow/tfjs-core";
import { type Info, type KernelArgs, type WasmBackend, disposeAll, heapF32, offsetOf, simdFor, stock } from "./common.js";

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/**
 * The stock Sum transposes the reduced axes to the end before summing: for a conv bias gradient
 * (sum of [N, H, W, C] over N, H, W) that transpose costs more than the sum. When the reduced
 * axes are exactly the leading ones of a float32 tensor, sum the rows of the [outer, inner] view
 * directly (float64 accumulators). Anything else goes to the stock kernel. Mean (batch norm's
 * statistics over N, H, W) is the same sum, rounded to float32 and then divided by the count in
 * float32, as the cpu backend computes it.
 */
export function reduceLeadingAxes(args: KernelArgs, kernel: "Sum" | "Mean", fallback: tf.KernelFunc | undefined): Info {
  if (fallback == null) throw new Error(`${kernel} (wasm training kernels): stock kernel missing`);
  const backend = args.backend as unknown as WasmBackend;
  const { x } = args.inputs as { x: Info };
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  const rank = x.shape.length;
  if (x.dtype !== "float32" || rank < 2) return fallback(args) as Info;
  const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= rank || axes.some((a, i) => a !== i)) return fallback(args) as Info;
  const outer = x.shape.slice(0, k).reduce((p, v) => p * v, 1);
  const innerShape = x.shape.slice(k);
  const inner = innerShape.reduce((p, v) => p * v, 1);
  if (outer === 0 || inner === 0) return fallback(args) as Info;
  const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...innerShape] : innerShape;
  const out = backend.makeOutput(outShape, "float32");
  const simd = simdFor(backend);
  if (simd != null) {
    // The same sums in WebAssembly SIMD (loaders/engine/simd.ts), over float64 scratch on the heap.
    const scratch = backend.makeOutput([2 * inner], "float32");
    try {
      simd.sumRows(offsetOf(backend, x), offsetOf(backend, scratch), offsetOf(backend, out), outer, inner, outer, kernel === "Mean" ? 1 : 0);
    } finally {
      backend.disposeData(scratch.dataId);
    }
    return out;
  }
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const acc = new Float64Array(inner);
  let r = 0;
  // Four rows per pass: a quarter of the accumulator traffic (JS adds in float64 throughout).
  for (; r + 4 <= outer; r += 4) {
    const b0 = r * inner;
    const b1 = b0 + inner;
    const b2 = b1 + inner;
    const b3 = b2 + inner;
    for (let j = 0; j < inner; j++) acc[j] += src[b0 + j] + src[b1 + j] + (src[b2 + j] + src[b3 + j]);
  }
  for (; r < outer; r++) {
    const base = r * inner;
    for (let j = 0; j < inner; j++) acc[j] += src[base + j];
  }
  if (kernel === "Mean") for (let j = 0; j < inner; j++) dst[j] = Math.fround(acc[j]) / outer;
  else for (let j = 0; j < inner; j++) dst[j] = acc[j];
  return out;
}

export const sum = (args: KernelArgs): Info => reduceLeadingAxes(args, "Sum", stock.Sum);
export const mean = (args: KernelArgs): Info => reduceLeadingAxes(args, "Mean", stock.Mean);


/**
 * Batch normalisation with per-channel statistics (every batch-norm layer of the model zoo) in
 * WebAssembly SIMD: the stock kernel's formula, out = offset + ((x - mean) * scale) /
 * sqrt(variance + epsilon), in single precision (results agree with it to a unit or two in the last
 * place), four channels at a time instead of one element at a time with per-element index wrapping.
 * Anything else (other statistics shapes, no SIMD) goes to the stock kernel.
 */
export function fusedBatchNorm(args: KernelArgs): Info {
  const fallback = stock.FusedBatchNorm;
  if (fallback == null) throw new Error("FusedBatchNorm (wasm training kernels): stock kernel missing");
  const backend = args.backend as unknown as WasmBackend;
  const { x, mean, variance, offset, scale } = args.inputs as { x: Info; mean: Info; variance: Info; offset?: Info; scale?: Info };
  const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
  const size = (info: Info) => info.shape.reduce((p, d) => p * d, 1);
  const c = x.shape[x.shape.length - 1] ?? 0;
  const simd = simdFor(backend);
  const perChannel = (info: Info | undefined) => info == null || (info.dtype === "float32" && size(info) === c);
  if (simd == null || x.dtype !== "float32" || c === 0 || size(x) === 0 || ![mean, variance, offset, scale].every(perChannel)) {
    return fallback(args) as Info;
  }
  const out = backend.makeOutput(x.shape, "float32");
  const temps: Info[] = [];
  try {
    const nf = backend.makeOutput([c], "float32");
    temps.push(nf);
    const eps = Math.fround(varianceEpsilon);
    const nfv = heapF32(backend, nf);
    const vv = heapF32(backend, variance);
    // Stored as float32: the double square root of a float32 rounds to the float32 square root.
    for (let i = 0; i < c; i++) nfv[i] = Math.sqrt(Math.fround(vv[i] + eps));
    const constant = (value: number) => {
      const t = backend.makeOutput([c], "float32");
      temps.push(t);
      heapF32(backend, t).fill(value);
      return t;
    };
    const scaleInfo = scale ?? constant(1);
    const offsetInfo = offset ?? constant(0);
    const at = (info: Info) => offsetOf(backend, info);
    simd.batchNormRows(at(x), at(out), at(mean), at(nf), at(scaleInfo), at(offsetInfo), size(x) / c, c);
    return out;
  } finally {
    disposeAll(backend, temps);
  }
}
