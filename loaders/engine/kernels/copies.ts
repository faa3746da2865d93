// Kernels that only move data: transposed matrix products, Tile, an Identity that shares its buffer,
// row gathers and contiguous slices.
import * as tf from "@tensorflow/tfjs-core";
import { type Info, type KernelArgs, type WasmBackend, disposeAll, heapF32, stock, transpose } from "./common.js";

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

export function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

export function batchMatMul(args: KernelArgs): Info {
  const fallback = stock.BatchMatMul;
  if (fallback == null) throw new Error("BatchMatMul (wasm training kernels): stock kernel missing");
  const backend = args.backend as unknown as WasmBackend;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = args.attrs as unknown as MatMulAttrs;
  const batchOf = (t: Info) => t.shape.slice(0, -2).reduce((p, v) => p * v, 1);
  // The stock kernel's XNNPACK path needs: no transposes, batch 1 on both sides, float32.
  if ((!transposeA && !transposeB) || batchOf(a) !== 1 || batchOf(b) !== 1 || a.dtype !== "float32" || b.dtype !== "float32") {
    return fallback(args) as Info;
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
    return fallback({ ...args, inputs: { a: aIn, b: bIn }, attrs: { ...args.attrs, transposeA: false, transposeB: false } } as KernelArgs) as Info;
  } finally {
    disposeAll(backend, temps);
  }
}


/**
 * The stock wasm Tile computes a source index for every output element; batch norm's gradient
 * tiles [1, 1, 1, C] statistics to [N, H, W, C] every step, which made it the costliest kernel of
 * a CNN step. Tiling is block copying: working from the last axis to the first, each contiguous
 * block of the tensor so far is repeated `reps[axis]` times with TypedArray.set (a memcpy).
 */
export function tile(args: KernelArgs): Info {
  const fallback = stock.Tile;
  if (fallback == null) throw new Error("Tile (wasm training kernels): stock kernel missing");
  const backend = args.backend as unknown as WasmBackend;
  const { x } = args.inputs as { x: Info };
  const { reps } = args.attrs as unknown as { reps: number[] };
  if (x.dtype !== "float32" || reps.length !== x.shape.length) return fallback(args) as Info;
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


/**
 * Identity that shares the buffer instead of copying it, as the cpu backend's does. tfjs-core
 * clones (runs Identity on) every input and output a gradient will need when it records an op on
 * the tape, and the stock wasm kernel copies each of them: 48 copies in one step of the report's
 * CNN. Sharing is safe because no kernel writes into a buffer after the kernel that made it has
 * returned (Variable.assign swaps buffers, it does not write into one); the backend's reference
 * count frees the buffer when its last tensor goes. Strings go to the stock kernel.
 */
export function identity(args: KernelArgs): Info {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === "string") {
    if (stock.Identity == null) throw new Error("Identity (wasm training kernels): stock kernel missing");
    return stock.Identity(args) as Info;
  }
  (args.backend as unknown as WasmBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * GatherV2 of whole rows: axis 0, no batch dimensions, 32-bit values and int32 indices, which is how
 * tfjs' fit takes each batch from the training tensors. One block copy per index, where the stock
 * kernel works out a source index for every element. Other cases, and any index out of range (which
 * the stock kernel reports as tfjs does), go to the stock kernel.
 */
export function gather(args: KernelArgs): Info {
  const fallback = stock.GatherV2;
  if (fallback == null) throw new Error("GatherV2 (wasm training kernels): stock kernel missing");
  const backend = args.backend as unknown as WasmBackend;
  const { x, indices } = args.inputs as { x: Info; indices: Info };
  const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
  const rank = x.shape.length;
  const rows = x.shape[0];
  if (rank === 0 || (axis < 0 ? axis + rank : axis) !== 0 || (batchDims ?? 0) !== 0 || indices.dtype !== "int32" || (x.dtype !== "float32" && x.dtype !== "int32")) {
    return fallback(args) as Info;
  }
  const picked = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < picked.length; i++) if (!(picked[i] >= 0 && picked[i] < rows)) return fallback(args) as Info;
  const wanted = Array.from(picked);
  const row = x.shape.slice(1).reduce((p, v) => p * v, 1);
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  // Views taken after makeOutput: an allocation may grow the memory and detach older ones.
  const source = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const target = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  for (let i = 0; i < wanted.length; i++) target.set(source.subarray(wanted[i] * row, (wanted[i] + 1) * row), i * row);
  return out;
}

/**
 * Slice of a contiguous block (leading rows, how fit and predict cut their inputs into batches): one
 * block copy. The stock kernel first copies the whole input out of the wasm memory, for every batch.
 * Strided slices and strings go to the stock kernel.
 */
export function slice(args: KernelArgs): Info {
  const fallback = stock.Slice;
  if (fallback == null) throw new Error("Slice (wasm training kernels): stock kernel missing");
  const backend = args.backend as unknown as WasmBackend;
  const { x } = args.inputs as { x: Info };
  const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
  if (x.dtype === "string") return fallback(args) as Info;
  const [start, extent] = tf.slice_util.parseSliceParams(x as tf.TensorInfo & { rank: number }, begin, size);
  if (!tf.slice_util.isSliceContinous(x.shape, start, extent)) return fallback(args) as Info;
  const offset = tf.slice_util.computeFlatOffset(start, tf.util.computeStrides(x.shape));
  const count = extent.reduce((p, v) => p * v, 1);
  const out = backend.makeOutput(extent, x.dtype);
  // Views taken after makeOutput: an allocation may grow the memory and detach older ones.
  const source = backend.typedArrayFromHeap(x);
  (backend.typedArrayFromHeap(out) as typeof source).set(source.subarray(offset, offset + count));
  return out;
}
