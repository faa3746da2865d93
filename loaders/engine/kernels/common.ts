// What every wasm training kernel shares: the backend's parts they use, the stock kernels they fall
// back to, the tuning options, and small helpers (heap views, running a kernel, checks).
import * as tf from "@tensorflow/tfjs-core";
import { convGemmKernel, type ConvGemmKernel } from "../convGemm.js";
import { simdKernels, type SimdKernels } from "../simd.js";

export type Info = tf.TensorInfo;
export type Float = Float32Array;

/** The parts of the wasm backend (BackendWasm) these kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  /** The Emscripten module: its memory is asm.memory (one thread) or wasmMemory (the threaded build). */
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];
export type PadAttr = "valid" | "same" | number | number[][];
export type RoundingMode = "floor" | "round" | "ceil" | undefined;

export const BACKEND = "wasm";
/** Marks the kernel functions registered here, so registering twice never wraps a wrapper. */
export const MARK = Symbol.for("mnist-findings.wasmTrainingKernel");

/** The stock kernels replaced here (set when ours are registered), kept for the cases they still handle. */
export const stock: { [kernelName: string]: tf.KernelFunc | undefined } = {};

export interface Marked {
  [MARK]?: true;
}

/** loaders/engine/simd.ts's kernels on this backend's memory, or null (then the JavaScript paths run). */
export function simdFor(backend: WasmBackend): SimdKernels | null {
  if (!wasmKernelOptions.simd) return null;
  const memory = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
  return memory instanceof WebAssembly.Memory ? simdKernels(memory) : null;
}

/**
 * ../convGemm.ts's convolutions on this backend's memory, or null where XNNPACK's run instead: when
 * turned off, or without SIMD. They run on the calling thread even where XNNPACK has a pool of threads:
 * with two, a step of the report's CNN was still faster with ours (the benchmark compares both).
 */
export function convGemmFor(backend: WasmBackend): ConvGemmKernel | null {
  if (!wasmKernelOptions.convGemm || !wasmKernelOptions.simd) return null;
  const memory = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
  return memory instanceof WebAssembly.Memory ? convGemmKernel(memory, wasmKernelOptions.fusedMultiplyAdd) : null;
}

/** Whether the current backend is wasm with loaders/engine/simd.ts's kernels bound to its memory. */
export function wasmSimdActive(): boolean {
  if (tf.getBackend() !== BACKEND) return false;
  return simdFor(tf.engine().backend as unknown as WasmBackend) != null;
}

/** Byte offset of a tensor's buffer in the wasm memory. */
export function offsetOf(backend: WasmBackend, info: Info): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data == null) throw new Error("wasm training kernels: a tensor has no buffer on the wasm backend");
  return data.memoryOffset;
}

export function heapF32(backend: WasmBackend, info: Info): Float {
  // A fresh view each time: growing the wasm memory (any allocation) detaches older views.
  return backend.typedArrayFromHeap(info) as Float;
}

export function run(name: string, args: { inputs: Record<string, Info>; backend: WasmBackend; attrs?: object }): Info {
  const kernel = tf.getKernel(name, BACKEND);
  if (kernel == null) throw new Error(`wasm training kernels: kernel '${name}' is not registered for wasm`);
  const out = kernel.kernelFunc(args as unknown as KernelArgs);
  if (Array.isArray(out)) throw new Error(`wasm training kernels: '${name}' returned several outputs`);
  return out;
}

export function transpose(backend: WasmBackend, x: Info, perm: number[]): Info {
  return run("Transpose", { inputs: { x }, backend, attrs: { perm } });
}

export function conv2d(
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
export function dilateAndPad(
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
  if (strideH === 1 && strideW === 1 && top >= 0 && bottom >= 0 && left >= 0 && right >= 0) {
    // Padding only: each input row lands whole, one block copy per row.
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < h; r++) {
        const s = (b * h + r) * w * c;
        dst.set(src.subarray(s, s + w * c), ((b * outH + top + r) * outW + left) * c);
      }
    }
    return out;
  }
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

export function assertFloat32(kernel: string, ...infos: Info[]): void {
  for (const info of infos) {
    if (info.dtype !== "float32") throw new Error(`${kernel} (wasm training kernels): only float32 is supported, got ${info.dtype}`);
  }
}

export function assertNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== "NHWC") {
    throw new Error(`${kernel} (wasm training kernels): only dataFormat 'NHWC' is supported, got '${dataFormat}'`);
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function disposeAll(backend: WasmBackend, infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Tuning knobs, exported for tests and benchmarks. */
export const wasmKernelOptions: {
  filterGrad: "auto" | "gemm" | "im2colT" | "inputAsFilter" | "gradAsFilter";
  fastMaxPoolGrad: boolean;
  filterGradChunkFloats: number;
  simd: boolean;
  convGemm: boolean;
  fusedMultiplyAdd: boolean;
} = {
  filterGrad: "auto",
  /** Conv2D and its filter gradient on ../convGemm.ts (false: on XNNPACK, as tfjs ships it). */
  convGemm: true,
  /** Let ../convGemm.ts fuse multiply and add where the engine has relaxed SIMD (false: round each, as XNNPACK). */
  fusedMultiplyAdd: true,
  fastMaxPoolGrad: true,
  /** Use loaders/engine/simd.ts's WebAssembly SIMD kernels where they apply (else JavaScript loops). */
  simd: true,
  /** How much of dy (in floats) "im2colT" hands the matmul at a time; see filterGradIm2colT. */
  filterGradChunkFloats: 65536,
};

export interface ConvGradAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: RoundingMode;
}

/**
 * The geometry of the forward convolution whose gradient a kernel computes (NHWC, dilation 1), after
 * checking that the output gradient `dy` has that convolution's output shape.
 */
export function convGeometry(
  kernel: string,
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvGradAttrs,
  dy: Info
): tf.backend_util.Conv2DInfo {
  const conv = tf.backend_util.computeConv2DInfo(inputShape, filterShape, attrs.strides, 1, attrs.pad as "valid", attrs.dimRoundingMode, false, "channelsLast");
  if (!sameShape(dy.shape, conv.outShape)) {
    throw new Error(`${kernel} (wasm training kernels): dy shape [${dy.shape}] does not match the convolution output [${conv.outShape}]`);
  }
  return conv;
}
