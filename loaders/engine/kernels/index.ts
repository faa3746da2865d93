// Registers our training kernels on the tfjs wasm backend (see the note below for what each does).
import * as tf from "@tensorflow/tfjs-core";
import { FUSED_ADAM_KERNEL } from "../adam.js";
import { BACKEND, MARK, stock, type Marked } from "./common.js";
import { conv2dBackpropFilter } from "./convFilter.js";
import { conv2dForward, fusedConv2dForward } from "./convForward.js";
import { conv2dBackpropInput } from "./convInput.js";
import { batchMatMul, gather, identity, slice, tile } from "./copies.js";
import { adamUpdate } from "./optimizer.js";
import { maxPoolGrad } from "./pooling.js";
import { fusedBatchNorm, mean, sum } from "./reductions.js";

/*
 * The stock @tensorflow/tfjs-backend-wasm 4.22 cannot train a convolutional network at a useful
 * speed: it has no Conv2DBackpropFilter at all, its Conv2DBackpropInput and MaxPoolGrad are scalar
 * loops, its BatchMatMul only reaches XNNPACK without transposes (which is exactly what the
 * backward pass of a dense layer asks for), and its Sum transposes before reducing leading axes
 * (a bias gradient). registerWasmTrainingKernels() replaces these kernels for the "wasm" backend:
 *
 * - Conv2DBackpropFilter, dW[i,j,ci,co] = sum_{n,a,b} x[n, a*sH+i-pt, b*sW+j-pl, ci] * dy[n,a,b,co],
 *   one of five ways (all NHWC, any stride, 'same'/'valid'/numeric/explicit padding):
 *   "gemm" (where Conv2D is ours, below, and co is a multiple of 8): loaders/engine/convGemm.ts's
 *     convFilterGrad over the windows of the zero-padded input, tiles of pixels at a time;
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
 * - Conv2D and FusedConv2D with a bias and no activation or ReLU (NHWC float32, output channels a
 *   multiple of 8): loaders/engine/convGemm.ts, a matrix
 *   product read straight from the zero-padded input, with relaxed SIMD's fused multiply-add where
 *   the engine has it; on the calling thread, also where XNNPACK has a pool of threads.
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
 * - GatherV2 of whole rows (axis 0, how fit takes each batch): one block copy per index; Slice of a
 *   contiguous block (how fit and predict cut batches): one block copy, where the stock kernel first
 *   copies its whole input out of the wasm memory.
 * - FusedBatchNorm with per-channel statistics, and loaders/engine/adam.ts's fused Adam step.
 * Where loaders/engine/simd.ts's WebAssembly SIMD functions apply (the 2x2 pooling gradient, im2colT's
 * patch rows, the leading-axes sums, batch norm, Adam), they replace the JavaScript loops.
 *
 * Each kernel releases every intermediate TensorInfo it creates with backend.disposeData before
 * returning, also when it throws.
 */

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
  register("Conv2D", conv2dForward, (k) => (stock.Conv2D = k));
  register("FusedConv2D", fusedConv2dForward, (k) => (stock.FusedConv2D = k));
  register("Conv2DBackpropFilter", conv2dBackpropFilter);
  register("Conv2DBackpropInput", conv2dBackpropInput, (k) => (stock.Conv2DBackpropInput = k));
  register("MaxPoolGrad", maxPoolGrad, (k) => (stock.MaxPoolGrad = k));
  register("BatchMatMul", batchMatMul, (k) => (stock.BatchMatMul = k));
  register("Sum", sum, (k) => (stock.Sum = k));
  register("Mean", mean, (k) => (stock.Mean = k));
  register("FusedBatchNorm", fusedBatchNorm, (k) => (stock.FusedBatchNorm = k));
  register("Tile", tile, (k) => (stock.Tile = k));
  register("Identity", identity, (k) => (stock.Identity = k));
  register("GatherV2", gather, (k) => (stock.GatherV2 = k));
  register("Slice", slice, (k) => (stock.Slice = k));
  register(FUSED_ADAM_KERNEL, adamUpdate as unknown as tf.KernelFunc);
}
