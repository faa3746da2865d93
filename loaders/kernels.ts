// Training kernels for the tfjs wasm backend in Node: conv gradients on XNNPACK, a fast exact MaxPoolGrad, transposed matmuls and bias-gradient sums on fast paths, and an Identity that does not copy.
// Over 400 lines on purpose, for now: issue 24 moves loaders/ into a layered layout in one sweep, and
// splitting this file first would move the same code twice. It is split there.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { adamUpdateInto, FUSED_ADAM_KERNEL, type FusedAdamAttrs } from "./adam.ts";
import { simdKernels, type SimdKernels } from "./simd.ts";

/*
 * The stock @tensorflow/tfjs-backend-wasm 4.22 cannot train a convolutional network at a useful
 * speed: it has no Conv2DBackpropFilter at all, its Conv2DBackpropInput and MaxPoolGrad are scalar
 * loops, its BatchMatMul only reaches XNNPACK without transposes (which is exactly what the
 * backward pass of a dense layer asks for), and its Sum transposes before reducing leading axes
 * (a bias gradient). registerWasmTrainingKernels() replaces these kernels for the "wasm" backend:
 *
 * - Conv2DBackpropFilter, dW[i,j,ci,co] = sum_{n,a,b} x[n, a*sH+i-pt, b*sW+j-pl, ci] * dy[n,a,b,co],
 *   one of four ways (all NHWC, any stride, 'same'/'valid'/numeric/explicit padding):
 *   "im2colT" (small kh*kw*inC, e.g. a first layer): the transposed patch matrix built in JS times
 *     dy on the stock XNNPACK matmul, which gives dW in its own layout (3x faster than "im2col",
 *     kept for comparison: the patch matrix times a transposed dy, then the product transposed),
 *     a few images at a time so that the matmul's packed copy of dy stays in cache;
 *   "im2col": a patch matrix built in JS times dy^T on the
 *     stock XNNPACK matmul;
 *   "inputAsFilter" (stride 1): a forward Conv2D of dy as [outC, outH, outW, N] with x as the
 *     filter [H, W, N, inC], padded by k-1-pad, whose output is dW flipped and transposed;
 *   "gradAsFilter" (the general case): a forward Conv2D of x as [inC, H, W, N] with dy as the
 *     filter [outH, outW, N, outC], dilation = stride, padded so that the output is exactly
 *     [inC, kh, kw, outC] (x cropped where that padding would be negative), then transposed.
 * - Conv2DBackpropInput: a stride-1 forward Conv2D of dy (zero-dilated by the stride, padded by
 *   k-1-pad, cropped where that is negative) with the filter flipped and transposed to
 *   [kh, kw, outC, inC]. NCHW or non-float32 goes to the stock kernel.
 * - MaxPoolGrad: JS over the wasm heap, exactly the cpu backend's rule: each dy value goes to the
 *   first maximum of its window in row-major window order (strict ">", so NaN never wins and a
 *   window of only -Infinity/NaN routes nothing). Ties are the norm after a ReLU (zeros), and they
 *   resolve as on cpu. 2x2/stride-2/unpadded pooling has a branch-free path.
 * - BatchMatMul with transposeA/transposeB (batch 1): explicit Transpose, then the stock kernel's
 *   XNNPACK path. Everything else goes to the stock kernel.
 * - Sum over exactly the leading axes of a float32 tensor: a JS row sum (float64 accumulation).
 *   Everything else goes to the stock kernel.
 * - Tile: block copies (batch norm's gradient tiles its statistics every step).
 * - Identity (tfjs' clone, which the engine runs on every tensor a gradient keeps): shares the
 *   buffer under the backend's reference count, as the cpu backend does, instead of copying it.
 * - FusedBatchNorm with per-channel statistics, and loaders/adam.ts's fused Adam step.
 * Where loaders/simd.ts's WebAssembly SIMD functions apply (the 2x2 pooling gradient, im2colT's
 * patch rows, the leading-axes sums, batch norm, Adam), they replace the JavaScript loops.
 *
 * Each kernel releases every intermediate TensorInfo it creates with backend.disposeData before
 * returning, also when it throws.
 */

type Info = tf.TensorInfo;
type Float = Float32Array;

/** The parts of the wasm backend (BackendWasm) these kernels use. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  /** The Emscripten module: its memory is asm.memory (one thread) or wasmMemory (the threaded build). */
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type PadAttr = "valid" | "same" | number | number[][];
type RoundingMode = "floor" | "round" | "ceil" | undefined;

const BACKEND = "wasm";
/** Marks the kernel functions registered here, so registering twice never wraps a wrapper. */
const MARK = Symbol.for("mnist-findings.wasmTrainingKernel");

// The stock kernels replaced here, kept for the cases they still handle.
let stockConv2DBackpropInput: tf.KernelFunc | undefined;
let stockMaxPoolGrad: tf.KernelFunc | undefined;
let stockBatchMatMul: tf.KernelFunc | undefined;
let stockSum: tf.KernelFunc | undefined;
let stockMean: tf.KernelFunc | undefined;
let stockFusedBatchNorm: tf.KernelFunc | undefined;
let stockTile: tf.KernelFunc | undefined;
let stockIdentity: tf.KernelFunc | undefined;

interface Marked {
  [MARK]?: true;
}

/** loaders/simd.ts's kernels on this backend's memory, or null (then the JavaScript paths run). */
function simdFor(backend: WasmBackend): SimdKernels | null {
  if (!wasmKernelOptions.simd) return null;
  const memory = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
  return memory instanceof WebAssembly.Memory ? simdKernels(memory) : null;
}

/** Whether the current backend is wasm with loaders/simd.ts's kernels bound to its memory. */
export function wasmSimdActive(): boolean {
  if (tf.getBackend() !== BACKEND) return false;
  return simdFor(tf.engine().backend as unknown as WasmBackend) != null;
}

/** Byte offset of a tensor's buffer in the wasm memory. */
function offsetOf(backend: WasmBackend, info: Info): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data == null) throw new Error("wasm training kernels: a tensor has no buffer on the wasm backend");
  return data.memoryOffset;
}

function heapF32(backend: WasmBackend, info: Info): Float {
  // A fresh view each time: growing the wasm memory (any allocation) detaches older views.
  return backend.typedArrayFromHeap(info) as Float;
}

function run(name: string, args: { inputs: Record<string, Info>; backend: WasmBackend; attrs?: object }): Info {
  const kernel = tf.getKernel(name, BACKEND);
  if (kernel == null) throw new Error(`wasm training kernels: kernel '${name}' is not registered for wasm`);
  const out = kernel.kernelFunc(args as unknown as KernelArgs);
  if (Array.isArray(out)) throw new Error(`wasm training kernels: '${name}' returned several outputs`);
  return out;
}

function transpose(backend: WasmBackend, x: Info, perm: number[]): Info {
  return run("Transpose", { inputs: { x }, backend, attrs: { perm } });
}

function conv2d(
  backend: WasmBackend,
  x: Info,
  filter: Info,
  pads: [number, number, number, number],
  dilations: [number, number],
): Info {
  const [top, bottom, left, right] = pads;
  return run("Conv2D", {
    inputs: { x, filter },
    backend,
    attrs: {
      strides: [1, 1],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: "NHWC",
      dilations,
      dimRoundingMode: undefined,
    },
  });
}

/**
 * Copies an NHWC float tensor into a new one, spreading its pixels `strideH`/`strideW` apart
 * (zeros between them) and padding by the given amounts on each side; a negative amount crops.
 */
function dilateAndPad(
  backend: WasmBackend,
  x: Info,
  strideH: number,
  strideW: number,
  top: number,
  bottom: number,
  left: number,
  right: number,
): Info {
  const [n, h, w, c] = x.shape;
  const outH = (h - 1) * strideH + 1 + top + bottom;
  const outW = (w - 1) * strideW + 1 + left + right;
  if (outH <= 0 || outW <= 0) throw new Error(`wasm training kernels: empty padded tensor (${outH}x${outW})`);
  const out = backend.makeOutput([n, outH, outW, c], "float32");
  const dst = heapF32(backend, out);
  const src = heapF32(backend, x);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const outR = top + r * strideH;
      if (outR < 0 || outR >= outH) continue;
      for (let col = 0; col < w; col++) {
        const outC = left + col * strideW;
        if (outC < 0 || outC >= outW) continue;
        const s = ((b * h + r) * w + col) * c;
        const d = ((b * outH + outR) * outW + outC) * c;
        for (let k = 0; k < c; k++) dst[d + k] = src[s + k];
      }
    }
  }
  return out;
}

function assertFloat32(kernel: string, ...infos: Info[]): void {
  for (const info of infos) {
    if (info.dtype !== "float32") throw new Error(`${kernel} (wasm training kernels): only float32 is supported, got ${info.dtype}`);
  }
}

function assertNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== "NHWC") {
    throw new Error(`${kernel} (wasm training kernels): only dataFormat 'NHWC' is supported, got '${dataFormat}'`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function disposeAll(backend: WasmBackend, infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter

interface ConvGradAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: RoundingMode;
}

/** How Conv2DBackpropFilter is computed; "auto" picks per call (see filterGradStrategy). */
export type FilterGradStrategy = "auto" | "im2col" | "im2colT" | "inputAsFilter" | "gradAsFilter";

/** Tuning knobs, exported for tests and benchmarks. */
export const wasmKernelOptions: { filterGrad: FilterGradStrategy; fastMaxPoolGrad: boolean; filterGradChunkFloats: number; simd: boolean } = {
  filterGrad: "auto",
  fastMaxPoolGrad: true,
  /** Use loaders/simd.ts's WebAssembly SIMD kernels where they apply (else JavaScript loops). */
  simd: true,
  /** How much of dy (in floats) "im2colT" hands the matmul at a time; see filterGradIm2colT. */
  filterGradChunkFloats: 65536,
};

/** [rows, cols] row-major -> [cols, rows], in cache-friendly blocks of rows. */
function transpose2d(src: Float, dst: Float, rows: number, cols: number): void {
  const block = 16;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(r0 + block, rows);
    for (let c = 0; c < cols; c++) {
      const d = c * rows;
      for (let r = r0; r < r1; r++) dst[d + r] = src[r * cols + c];
    }
  }
}

interface FilterGradGeometry {
  n: number;
  h: number;
  w: number;
  inC: number;
  outC: number;
  kh: number;
  kw: number;
  outH: number;
  outW: number;
  sH: number;
  sW: number;
  top: number;
  left: number;
}

/**
 * im2col: patches [N*outH*outW, kh*kw*inC] (zeros where a window leaves x) and
 * dW^T [outC, kh*kw*inC] = dy^T [outC, N*outH*outW] x patches, on the stock (XNNPACK) matmul,
 * which packs the patch matrix. Best when kh*kw*inC is small (the first layer of a network).
 */
function filterGradIm2col(backend: WasmBackend, x: Info, dy: Info, g: FilterGradGeometry): Info {
  const { n, h, w, inC, outC, kh, kw, outH, outW, sH, sW, top, left } = g;
  const rows = n * outH * outW;
  const kk = kh * kw * inC;
  const temps: Info[] = [];
  try {
    const patches = backend.makeOutput([1, rows, kk], "float32");
    temps.push(patches);
    const dyT = backend.makeOutput([1, outC, rows], "float32");
    temps.push(dyT);
    const pv = heapF32(backend, patches);
    const xv = heapF32(backend, x);
    let p = 0;
    for (let b = 0; b < n; b++) {
      for (let a = 0; a < outH; a++) {
        for (let bc = 0; bc < outW; bc++) {
          for (let i = 0; i < kh; i++) {
            const r = a * sH + i - top;
            for (let j = 0; j < kw; j++) {
              const col = bc * sW + j - left;
              if (r < 0 || r >= h || col < 0 || col >= w) {
                for (let ci = 0; ci < inC; ci++) pv[p++] = 0;
              } else {
                const s = ((b * h + r) * w + col) * inC;
                for (let ci = 0; ci < inC; ci++) pv[p++] = xv[s + ci];
              }
            }
          }
        }
      }
    }
    transpose2d(heapF32(backend, dy), heapF32(backend, dyT), rows, outC);
    const stock = stockBatchMatMul;
    if (stock == null) throw new Error("Conv2DBackpropFilter (wasm training kernels): stock BatchMatMul missing");
    const prod = stock({
      inputs: { a: dyT, b: patches },
      backend,
      attrs: { transposeA: false, transposeB: false },
    } as unknown as KernelArgs) as Info; // [1, outC, kk]
    temps.push(prod);
    const out = backend.makeOutput([kh, kw, inC, outC], "float32");
    transpose2d(heapF32(backend, prod), heapF32(backend, out), outC, kk);
    return out;
  } finally {
    disposeAll(backend, temps);
  }
}

/**
 * im2col, transposed: patches^T [kh*kw*inC, rows] times dy viewed as [rows, outC] is dW
 * [kh*kw*inC, outC] itself, on the stock (XNNPACK) matmul: no transpose of dy and none of the
 * product. The patch rows are filled from a channel-major copy of x ([inC, N, H, W], one stock
 * Transpose), so that each row of a patch row is a run of contiguous reads rather than a gather at
 * a stride of inC floats (3x faster to build for a 3x3x32 layer).
 *
 * The matmul packs its right operand (dy) before multiplying, and packing all of dy at once (12 MB
 * for the report's first layer at batch 128) cost more than the products themselves. So the batch
 * goes through in chunks of whole images whose dy fits in the core's cache (about
 * wasmKernelOptions.filterGradChunkFloats floats), each chunk its own matmul, and the partial
 * products are summed: 2-3x faster for a first layer.
 */
function filterGradIm2colT(backend: WasmBackend, x: Info, dy: Info, g: FilterGradGeometry): Info {
  const { n, h, w, inC, outC, kh, kw, outH, outW, sH, sW, top, left } = g;
  const perImage = outH * outW;
  const kk = kh * kw * inC;
  const stock = stockBatchMatMul;
  if (stock == null) throw new Error("Conv2DBackpropFilter (wasm training kernels): stock BatchMatMul missing");
  const imagesPerChunk = Math.max(1, Math.min(n, Math.floor(wasmKernelOptions.filterGradChunkFloats / (perImage * outC))));
  const sum = new Float32Array(kk * outC);
  const temps: Info[] = [];
  try {
    let xSource = x;
    if (inC > 1) {
      xSource = transpose(backend, x, [3, 0, 1, 2]); // [inC, N, H, W]
      temps.push(xSource);
    }
    const plane = h * w;
    for (let b0 = 0; b0 < n; b0 += imagesPerChunk) {
      const b1 = Math.min(n, b0 + imagesPerChunk);
      const rows = (b1 - b0) * perImage;
      const chunk: Info[] = [];
      try {
        const patchesT = backend.makeOutput([1, kk, rows], "float32");
        chunk.push(patchesT);
        // A fresh tensor per chunk: the stock matmul caches its packed right operand by tensor id.
        const dyChunk = backend.makeOutput([1, rows, outC], "float32");
        chunk.push(dyChunk);
        // Views of the heap are taken after the allocations, which may grow (and detach) it.
        heapF32(backend, dyChunk).set(heapF32(backend, dy).subarray(b0 * perImage * outC, b1 * perImage * outC));
        const xv = heapF32(backend, xSource);
        const pv = heapF32(backend, patchesT);
        const simd = sW === 1 ? simdFor(backend) : null;
        const xAt = simd ? offsetOf(backend, xSource) : 0;
        const patchesAt = simd ? offsetOf(backend, patchesT) : 0;
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            // Output columns bc whose input column bc*sW + j - left lies inside x: [bcLo, bcHi).
            const bcLo = Math.min(outW, Math.max(0, Math.ceil((left - j) / sW)));
            const bcHi = Math.max(bcLo, Math.min(outW, Math.floor((w - 1 + left - j) / sW) + 1));
            const colOffset = j - left;
            for (let ci = 0; ci < inC; ci++) {
              let p = ((i * kw + j) * inC + ci) * rows;
              if (simd) {
                // The same rows in WebAssembly SIMD (loaders/simd.ts), four floats at a time.
                const src = xAt + ((ci * n + b0) * plane + colOffset + bcLo) * 4;
                simd.im2colRows(patchesAt + p * 4, src, plane * 4, b1 - b0, outH, outW, h, w, i - top, sH, bcLo, bcHi);
                continue;
              }
              for (let b = b0; b < b1; b++) {
                const planeBase = (ci * n + b) * plane;
                for (let a = 0; a < outH; a++) {
                  const r = a * sH + i - top;
                  if (r < 0 || r >= h) {
                    pv.fill(0, p, p + outW);
                    p += outW;
                    continue;
                  }
                  const rowBase = planeBase + r * w + colOffset;
                  for (let bc = 0; bc < bcLo; bc++) pv[p + bc] = 0;
                  if (sW === 1) {
                    for (let bc = bcLo; bc < bcHi; bc++) pv[p + bc] = xv[rowBase + bc];
                  } else {
                    for (let bc = bcLo; bc < bcHi; bc++) pv[p + bc] = xv[rowBase + bc * sW];
                  }
                  for (let bc = bcHi; bc < outW; bc++) pv[p + bc] = 0;
                  p += outW;
                }
              }
            }
          }
        }
        const prod = stock({
          inputs: { a: patchesT, b: dyChunk },
          backend,
          attrs: { transposeA: false, transposeB: false },
        } as unknown as KernelArgs) as Info; // [1, kk, outC]: this chunk's dW in [kh, kw, inC, outC] order
        chunk.push(prod);
        const pr = heapF32(backend, prod);
        for (let k = 0; k < sum.length; k++) sum[k] += pr[k];
      } finally {
        disposeAll(backend, chunk);
      }
    }
    const out = backend.makeOutput([kh, kw, inC, outC], "float32");
    heapF32(backend, out).set(sum);
    return out;
  } finally {
    disposeAll(backend, temps);
  }
}

/**
 * Stride 1 only: out[co, i', j', ci] = conv(input = dy as [outC, outH, outW, N], filter = x as
 * [H, W, N, inC]) padded by (kh-1-pt, kw-1-pl) before; dW[i, j, ci, co] = out[co, kh-1-i, kw-1-j, ci].
 * The packed filter is x, usually smaller than dy. Returns null when the padding does not fit.
 */
function filterGradInputAsFilter(backend: WasmBackend, x: Info, dy: Info, g: FilterGradGeometry): Info | null {
  const { h, w, inC, outC, kh, kw, outH, outW, sH, sW, top, left } = g;
  if (sH !== 1 || sW !== 1) return null;
  const padTop = kh - 1 - top;
  const padLeft = kw - 1 - left;
  const padBottom = h - outH + top;
  const padRight = w - outW + left;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) return null;
  const temps: Info[] = [];
  try {
    const dyT = transpose(backend, dy, [3, 1, 2, 0]); // [outC, outH, outW, N]
    temps.push(dyT);
    const xT = transpose(backend, x, [1, 2, 0, 3]); // [H, W, N, inC]
    temps.push(xT);
    const conv = conv2d(backend, dyT, xT, [padTop, padBottom, padLeft, padRight], [1, 1]);
    temps.push(conv); // [outC, kh, kw, inC]
    if (!sameShape(conv.shape, [outC, kh, kw, inC])) {
      throw new Error(`Conv2DBackpropFilter (wasm training kernels): internal shape error [${conv.shape}]`);
    }
    const out = backend.makeOutput([kh, kw, inC, outC], "float32");
    const src = heapF32(backend, conv);
    const dst = heapF32(backend, out);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const d0 = (i * kw + j) * inC * outC;
        const sBase = ((kh - 1 - i) * kw + (kw - 1 - j)) * inC;
        for (let co = 0; co < outC; co++) {
          const s0 = co * kh * kw * inC + sBase;
          for (let ci = 0; ci < inC; ci++) dst[d0 + ci * outC + co] = src[s0 + ci];
        }
      }
    }
    return out;
  } finally {
    disposeAll(backend, temps);
  }
}

/**
 * Any stride: conv(input = x as [inC, H, W, N], filter = dy as [outH, outW, N, outC]) with
 * dilation = stride and padding (pt, pl) before and whatever after makes the output
 * [inC, kh, kw, outC] (cropping x when that is negative), then transposed to [kh, kw, inC, outC].
 */
function filterGradGradAsFilter(backend: WasmBackend, x: Info, dy: Info, g: FilterGradGeometry): Info {
  const { n, h, w, inC, outC, kh, kw, outH, outW, sH, sW, top, left } = g;
  const bottom = kh - h - top + sH * (outH - 1);
  const right = kw - w - left + sW * (outW - 1);
  const temps: Info[] = [];
  try {
    let xIn = x;
    if (bottom < 0 || right < 0) {
      // Rows/columns of x that no output reads: crop them (a convolution cannot pad by < 0).
      xIn = dilateAndPad(backend, x, 1, 1, 0, Math.min(bottom, 0), 0, Math.min(right, 0));
      temps.push(xIn);
    }
    const xT = transpose(backend, xIn, [3, 1, 2, 0]); // [inC, H', W', N]
    temps.push(xT);
    const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [outH, outW, N, outC]
    temps.push(dyT);
    const grad = conv2d(backend, xT, dyT, [top, Math.max(bottom, 0), left, Math.max(right, 0)], [sH, sW]);
    temps.push(grad); // [inC, kh, kw, outC]
    if (!sameShape(grad.shape, [inC, kh, kw, outC]) || n !== x.shape[0]) {
      throw new Error(`Conv2DBackpropFilter (wasm training kernels): internal shape error [${grad.shape}]`);
    }
    return transpose(backend, grad, [1, 2, 0, 3]);
  } finally {
    disposeAll(backend, temps);
  }
}

/**
 * The fastest way measured on this backend (batch 128, the model zoo's layers and the search's).
 * With the SIMD patch rows (loaders/simd.ts), im2colT for every stride-1 layer: the report's 3x3
 * 32->64 layer on 14x14 inputs takes 33 ms against 40 as a convolution of dy with x as the filter,
 * cnn-strong's 32->32 layer on 26x26 51 against 80. Without them (JavaScript patch rows), im2colT
 * for a first layer (kh*kw*inC <= 32) and for unpadded stride-1 layers (3x3 32->64 on 12x12: 22
 * against 30 ms), the convolution for the other stride-1 layers (its patch matrix of zeros costs
 * more: 5x5 'same' on 14x14x32, 108 against 82 ms). Strides above 1: the general convolution.
 */
function filterGradStrategy(g: FilterGradGeometry, simdRows: boolean): FilterGradStrategy {
  const strideOne = g.sH === 1 && g.sW === 1;
  if (strideOne && simdRows) return "im2colT";
  const unpadded = g.top === 0 && g.left === 0 && g.outH === g.h - g.kh + 1 && g.outW === g.w - g.kw + 1;
  if (g.kh * g.kw * g.inC <= 32 || (strideOne && unpadded)) return "im2colT";
  return strideOne ? "inputAsFilter" : "gradAsFilter";
}

function conv2dBackpropFilter(args: KernelArgs): Info {
  const backend = args.backend as unknown as WasmBackend;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: [number, number, number, number] };
  const name = "Conv2DBackpropFilter";
  assertNHWC(name, attrs.dataFormat);
  assertFloat32(name, x, dy);
  const filterShape = attrs.filterShape;
  const conv = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides,
    1,
    attrs.pad as "valid",
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  if (!sameShape(dy.shape, conv.outShape)) {
    throw new Error(`${name} (wasm training kernels): dy shape [${dy.shape}] does not match the convolution output [${conv.outShape}]`);
  }
  const [kh, kw, inC, outC] = filterShape;
  const [n, h, w] = x.shape;
  const g: FilterGradGeometry = {
    n,
    h,
    w,
    inC,
    outC,
    kh,
    kw,
    outH: conv.outHeight,
    outW: conv.outWidth,
    sH: conv.strideHeight,
    sW: conv.strideWidth,
    top: conv.padInfo.top,
    left: conv.padInfo.left,
  };
  let strategy = wasmKernelOptions.filterGrad;
  if (strategy === "auto") strategy = filterGradStrategy(g, simdFor(backend) != null);
  if (strategy === "im2col") return filterGradIm2col(backend, x, dy, g);
  if (strategy === "im2colT") return filterGradIm2colT(backend, x, dy, g);
  if (strategy === "inputAsFilter") {
    const out = filterGradInputAsFilter(backend, x, dy, g);
    if (out != null) return out;
  }
  return filterGradGradAsFilter(backend, x, dy, g);
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropInput

/** filter [kh, kw, inC, outC] -> [kh, kw, outC, inC], flipped in both spatial dimensions. */
function flipTransposeFilter(backend: WasmBackend, filter: Info): Info {
  const [kh, kw, inC, outC] = filter.shape;
  const out = backend.makeOutput([kh, kw, outC, inC], "float32");
  const dst = heapF32(backend, out);
  const src = heapF32(backend, filter);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const s0 = ((kh - 1 - a) * kw + (kw - 1 - b)) * inC * outC;
      const d0 = (a * kw + b) * outC * inC;
      for (let i = 0; i < inC; i++) {
        for (let o = 0; o < outC; o++) dst[d0 + o * inC + i] = src[s0 + i * outC + o];
      }
    }
  }
  return out;
}

function conv2dBackpropInput(args: KernelArgs): Info {
  const backend = args.backend as unknown as WasmBackend;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: [number, number, number, number] };
  const name = "Conv2DBackpropInput";
  const fallback = (): Info => {
    if (stockConv2DBackpropInput == null) throw new Error(`${name} (wasm training kernels): unsupported case and no stock kernel`);
    return stockConv2DBackpropInput(args) as Info;
  };
  if ((attrs.dataFormat != null && attrs.dataFormat !== "NHWC") || dy.dtype !== "float32" || filter.dtype !== "float32") {
    return fallback();
  }
  const inputShape = attrs.inputShape;
  const conv = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad as "valid",
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  if (!sameShape(dy.shape, conv.outShape)) {
    throw new Error(`${name} (wasm training kernels): dy shape [${dy.shape}] does not match the convolution output [${conv.outShape}]`);
  }
  const [kh, kw] = filter.shape;
  const [, h, w] = inputShape;
  const sH = conv.strideHeight;
  const sW = conv.strideWidth;
  // Padding of the (dilated) dy for a stride-1 "full" correlation with the flipped filter.
  const top = kh - 1 - conv.padInfo.top;
  const left = kw - 1 - conv.padInfo.left;
  const bottom = h + kh - 1 - ((conv.outHeight - 1) * sH + 1) - top;
  const right = w + kw - 1 - ((conv.outWidth - 1) * sW + 1) - left;
  const temps: Info[] = [];
  try {
    const flipped = flipTransposeFilter(backend, filter);
    temps.push(flipped);
    let result: Info;
    if (sH === 1 && sW === 1 && top >= 0 && bottom >= 0 && left >= 0 && right >= 0) {
      result = conv2d(backend, dy, flipped, [top, bottom, left, right], [1, 1]);
    } else {
      const padded = dilateAndPad(backend, dy, sH, sW, top, bottom, left, right);
      temps.push(padded);
      result = conv2d(backend, padded, flipped, [0, 0, 0, 0], [1, 1]);
    }
    if (!sameShape(result.shape, inputShape)) {
      temps.push(result);
      throw new Error(`${name} (wasm training kernels): internal shape error [${result.shape}] vs [${inputShape}]`);
    }
    return result;
  } finally {
    disposeAll(backend, temps);
  }
}

// ---------------------------------------------------------------------------------------------
// MaxPoolGrad

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
function maxPoolGradGeneral(out: Float, x: Float, g: Float, p: PoolGeometry): void {
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
function maxPoolGrad2x2(out: Float, x: Float, y: Float, g: Float, p: PoolGeometry): void {
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

/** The 2x2 rule of maxPoolGrad2x2 in WebAssembly SIMD (loaders/simd.ts), one output row per call. */
function maxPoolGrad2x2Simd(simd: SimdKernels, backend: WasmBackend, dx: Info, input: Info, dy: Info, p: PoolGeometry): void {
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

function maxPoolGrad(args: KernelArgs): Info {
  const backend = args.backend as unknown as WasmBackend;
  const { dy, input, output } = args.inputs as { dy: Info; input: Info; output: Info };
  const attrs = args.attrs as unknown as PoolAttrs;
  if (input.dtype !== "float32" || dy.dtype !== "float32") {
    if (stockMaxPoolGrad == null) throw new Error("MaxPoolGrad (wasm training kernels): only float32 is supported");
    return stockMaxPoolGrad(args) as Info;
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

// ---------------------------------------------------------------------------------------------
// Sum over leading axes (the bias gradient of conv and dense layers)

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
function reduceLeadingAxes(args: KernelArgs, kernel: "Sum" | "Mean", stock: tf.KernelFunc | undefined): Info {
  if (stock == null) throw new Error(`${kernel} (wasm training kernels): stock kernel missing`);
  const backend = args.backend as unknown as WasmBackend;
  const { x } = args.inputs as { x: Info };
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  const rank = x.shape.length;
  if (x.dtype !== "float32" || rank < 2) return stock(args) as Info;
  const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= rank || axes.some((a, i) => a !== i)) return stock(args) as Info;
  const outer = x.shape.slice(0, k).reduce((p, v) => p * v, 1);
  const innerShape = x.shape.slice(k);
  const inner = innerShape.reduce((p, v) => p * v, 1);
  if (outer === 0 || inner === 0) return stock(args) as Info;
  const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...innerShape] : innerShape;
  const out = backend.makeOutput(outShape, "float32");
  const simd = simdFor(backend);
  if (simd != null) {
    // The same sums in WebAssembly SIMD (loaders/simd.ts), over float64 scratch on the heap.
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

const sum = (args: KernelArgs): Info => reduceLeadingAxes(args, "Sum", stockSum);
const mean = (args: KernelArgs): Info => reduceLeadingAxes(args, "Mean", stockMean);

// ---------------------------------------------------------------------------------------------
// BatchMatMul

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function batchMatMul(args: KernelArgs): Info {
  const stock = stockBatchMatMul;
  if (stock == null) throw new Error("BatchMatMul (wasm training kernels): stock kernel missing");
  const backend = args.backend as unknown as WasmBackend;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = args.attrs as unknown as MatMulAttrs;
  const batchOf = (t: Info) => t.shape.slice(0, -2).reduce((p, v) => p * v, 1);
  // The stock kernel's XNNPACK path needs: no transposes, batch 1 on both sides, float32.
  if ((!transposeA && !transposeB) || batchOf(a) !== 1 || batchOf(b) !== 1 || a.dtype !== "float32" || b.dtype !== "float32") {
    return stock(args) as Info;
  }
  const temps: Info[] = [];
  try {
    let aIn = a;
    let bIn = b;
    if (transposeA) {
      aIn = transpose(backend, a, swapLastTwo(a.shape.length));
      temps.push(aIn);
    }
    if (transposeB) {
      bIn = transpose(backend, b, swapLastTwo(b.shape.length));
      temps.push(bIn);
    }
    return stock({ ...args, inputs: { a: aIn, b: bIn }, attrs: { ...args.attrs, transposeA: false, transposeB: false } } as KernelArgs) as Info;
  } finally {
    disposeAll(backend, temps);
  }
}

// ---------------------------------------------------------------------------------------------
// Tile

/**
 * The stock wasm Tile computes a source index for every output element; batch norm's gradient
 * tiles [1, 1, 1, C] statistics to [N, H, W, C] every step, which made it the costliest kernel of
 * a CNN step. Tiling is block copying: working from the last axis to the first, each contiguous
 * block of the tensor so far is repeated `reps[axis]` times with TypedArray.set (a memcpy).
 */
function tile(args: KernelArgs): Info {
  const stock = stockTile;
  if (stock == null) throw new Error("Tile (wasm training kernels): stock kernel missing");
  const backend = args.backend as unknown as WasmBackend;
  const { x } = args.inputs as { x: Info };
  const { reps } = args.attrs as unknown as { reps: number[] };
  if (x.dtype !== "float32" || reps.length !== x.shape.length) return stock(args) as Info;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, "float32");
  const total = outShape.reduce((p, v) => p * v, 1);
  if (total === 0) return out;
  // Batch norm's case: x is 1 along every tiled axis and those come first ([1, 1, 1, C] tiled
  // [N, H, W, 1]), so the output is x over and over: copy x once, then double the filled part in
  // place (copyWithin on the heap is a memmove) until the output is full.
  const firstUntiled = reps.reduce((m, r, i) => (r !== 1 ? i + 1 : m), 0);
  if (x.shape.slice(0, firstUntiled).every((d) => d === 1)) {
    const dst = heapF32(backend, out);
    const src = heapF32(backend, x);
    dst.set(src);
    for (let filled = src.length; filled < total; filled *= 2) {
      dst.copyWithin(filled, 0, Math.min(filled, total - filled));
    }
    return out;
  }
  let current: Float32Array = heapF32(backend, x).slice();
  const shape = [...x.shape];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const r = reps[axis];
    if (r === 1) continue;
    const outer = shape.slice(0, axis).reduce((p, v) => p * v, 1);
    const block = shape.slice(axis).reduce((p, v) => p * v, 1);
    const next = new Float32Array(outer * block * r);
    for (let o = 0; o < outer; o++) {
      const src = current.subarray(o * block, (o + 1) * block);
      for (let k = 0; k < r; k++) next.set(src, (o * r + k) * block);
    }
    current = next;
    shape[axis] *= r;
  }
  heapF32(backend, out).set(current);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Identity

/**
 * Identity that shares the buffer instead of copying it, as the cpu backend's does. tfjs-core
 * clones (runs Identity on) every input and output a gradient will need when it records an op on
 * the tape, and the stock wasm kernel copies each of them: 48 copies in one step of the report's
 * CNN. Sharing is safe because no kernel writes into a buffer after the kernel that made it has
 * returned (Variable.assign swaps buffers, it does not write into one); the backend's reference
 * count frees the buffer when its last tensor goes. Strings go to the stock kernel.
 */
function identity(args: KernelArgs): Info {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === "string") {
    if (stockIdentity == null) throw new Error("Identity (wasm training kernels): stock kernel missing");
    return stockIdentity(args) as Info;
  }
  (args.backend as unknown as WasmBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

// ---------------------------------------------------------------------------------------------
// FusedBatchNorm

/**
 * Batch normalisation with per-channel statistics (every batch-norm layer of the model zoo) in
 * WebAssembly SIMD: the stock kernel's formula, out = offset + ((x - mean) * scale) /
 * sqrt(variance + epsilon), in single precision (results agree with it to a unit or two in the last
 * place), four channels at a time instead of one element at a time with per-element index wrapping.
 * Anything else (other statistics shapes, no SIMD) goes to the stock kernel.
 */
function fusedBatchNorm(args: KernelArgs): Info {
  const stock = stockFusedBatchNorm;
  if (stock == null) throw new Error("FusedBatchNorm (wasm training kernels): stock kernel missing");
  const backend = args.backend as unknown as WasmBackend;
  const { x, mean, variance, offset, scale } = args.inputs as { x: Info; mean: Info; variance: Info; offset?: Info; scale?: Info };
  const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
  const size = (info: Info) => info.shape.reduce((p, d) => p * d, 1);
  const c = x.shape[x.shape.length - 1] ?? 0;
  const simd = simdFor(backend);
  const perChannel = (info: Info | undefined) => info == null || (info.dtype === "float32" && size(info) === c);
  if (simd == null || x.dtype !== "float32" || c === 0 || size(x) === 0 || ![mean, variance, offset, scale].every(perChannel)) {
    return stock(args) as Info;
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

// ---------------------------------------------------------------------------------------------
// Adam

/**
 * loaders/adam.ts's optimizer step for one variable (inputs value, m, v, gradient, float32 of one
 * shape): the new value, m and v in one pass, in WebAssembly SIMD (loaders/simd.ts) or else in
 * JavaScript, where tfjs' Adam runs thirteen element-wise kernels.
 */
function adamUpdate(args: KernelArgs): Info[] {
  const backend = args.backend as unknown as WasmBackend;
  const { value, m, v, gradient } = args.inputs as { value: Info; m: Info; v: Info; gradient: Info };
  const name = "Adam update";
  assertFloat32(name, value, m, v, gradient);
  for (const [label, info] of [["m", m], ["v", v], ["gradient", gradient]] as const) {
    if (!sameShape(info.shape, value.shape)) {
      throw new Error(`${name} (wasm training kernels): ${label} shape [${info.shape}] differs from the variable's [${value.shape}]`);
    }
  }
  const a = args.attrs as unknown as FusedAdamAttrs;
  const outValue = backend.makeOutput(value.shape, "float32");
  const outM = backend.makeOutput(value.shape, "float32");
  const outV = backend.makeOutput(value.shape, "float32");
  const simd = simdFor(backend);
  if (simd != null) {
    const at = (info: Info) => offsetOf(backend, info);
    const n = value.shape.reduce((p, d) => p * d, 1);
    // The scalars become float32 at the call, as tfjs makes them float32 scalar tensors.
    simd.adam(at(value), at(m), at(v), at(gradient), at(outValue), at(outM), at(outV), n,
      a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, -a.learningRate);
  } else {
    const h = (info: Info) => heapF32(backend, info);
    adamUpdateInto(h(value), h(m), h(v), h(gradient), h(outValue), h(outM), h(outV), a);
  }
  return [outValue, outM, outV];
}

// ---------------------------------------------------------------------------------------------
// Registration

function register(kernelName: string, kernelFunc: tf.KernelFunc, keepStock?: (stock: tf.KernelFunc) => void): void {
  const existing = tf.getKernel(kernelName, BACKEND);
  if (existing != null && (existing.kernelFunc as Marked)[MARK]) {
    // Already ours (possibly from another copy of this module): recover its stock kernel, if any.
    const stock = (existing.kernelFunc as Marked & { stock?: tf.KernelFunc }).stock;
    if (keepStock && stock) keepStock(stock);
    return;
  }
  if (keepStock && existing != null) keepStock(existing.kernelFunc);
  if (existing != null) tf.unregisterKernel(kernelName, BACKEND);
  const marked = kernelFunc as tf.KernelFunc & Marked & { stock?: tf.KernelFunc };
  marked[MARK] = true;
  marked.stock = existing?.kernelFunc;
  tf.registerKernel({
    kernelName,
    backendName: BACKEND,
    kernelFunc,
    // The stock kernel's setup (its cwrap of the wasm export) must still run if the wasm backend
    // is initialised after this registration, since the fallbacks call the stock kernelFunc.
    setupFunc: existing?.setupFunc,
    disposeFunc: existing?.disposeFunc,
  });
}

/**
 * Registers the training kernels above for the "wasm" backend. Safe to call any number of times
 * (also before or after the wasm backend is initialised).
 */
export function registerWasmTrainingKernels(): void {
  register("Conv2DBackpropFilter", conv2dBackpropFilter);
  register("Conv2DBackpropInput", conv2dBackpropInput, (k) => (stockConv2DBackpropInput = k));
  register("MaxPoolGrad", maxPoolGrad, (k) => (stockMaxPoolGrad = k));
  register("BatchMatMul", batchMatMul, (k) => (stockBatchMatMul = k));
  register("Sum", sum, (k) => (stockSum = k));
  register("Mean", mean, (k) => (stockMean = k));
  register("FusedBatchNorm", fusedBatchNorm, (k) => (stockFusedBatchNorm = k));
  register("Tile", tile, (k) => (stockTile = k));
  register("Identity", identity, (k) => (stockIdentity = k));
  register(FUSED_ADAM_KERNEL, adamUpdate as unknown as tf.KernelFunc);
}
