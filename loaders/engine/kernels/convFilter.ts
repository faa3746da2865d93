// Conv2DBackpropFilter: the filter gradient on ../convGemm.ts, or on XNNPACK as a matrix product of patch rows or as a forward convolution.
import * as tf from "@tensorflow/tfjs-core";
import type { ConvGemmKernel } from "../convGemm.js";
import { type ConvGradAttrs, type Float, type Info, type KernelArgs, type WasmBackend, assertFloat32, assertNHWC, conv2d, convGemmFor, convGeometry, dilateAndPad, disposeAll, heapF32, offsetOf, sameShape, simdFor, stock, transpose, wasmKernelOptions } from "./common.js";
import { convGemmApplies, convWindows } from "./convForward.js";

/** How Conv2DBackpropFilter is computed; "auto" picks per call (see filterGradStrategy). */
export type FilterGradStrategy = "auto" | "gemm" | "im2colT" | "inputAsFilter" | "gradAsFilter";

/** [rows, cols] row-major -> [cols, rows], in cache-friendly blocks of rows. */
export function transpose2d(src: Float, dst: Float, rows: number, cols: number): void {
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
export function filterGradIm2colT(backend: WasmBackend, x: Info, dy: Info, g: FilterGradGeometry): Info {
  const { n, h, w, inC, outC, kh, kw, outH, outW, sH, sW, top, left } = g;
  const perImage = outH * outW;
  const kk = kh * kw * inC;
  const fallback = stock.BatchMatMul;
  if (fallback == null) throw new Error("Conv2DBackpropFilter (wasm training kernels): stock BatchMatMul missing");
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
                // The same rows in WebAssembly SIMD (loaders/engine/simd.ts), four floats at a time.
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
        const prod = fallback({
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
export function filterGradInputAsFilter(backend: WasmBackend, x: Info, dy: Info, g: FilterGradGeometry): Info | null {
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
export function filterGradGradAsFilter(backend: WasmBackend, x: Info, dy: Info, g: FilterGradGeometry): Info {
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
 * With the SIMD patch rows (loaders/engine/simd.ts), im2colT for every stride-1 layer: the report's 3x3
 * 32->64 layer on 14x14 inputs takes 33 ms against 40 as a convolution of dy with x as the filter,
 * cnn-strong's 32->32 layer on 26x26 51 against 80. Without them (JavaScript patch rows), im2colT
 * for a first layer (kh*kw*inC <= 32) and for unpadded stride-1 layers (3x3 32->64 on 12x12: 22
 * against 30 ms), the convolution for the other stride-1 layers (its patch matrix of zeros costs
 * more: 5x5 'same' on 14x14x32, 108 against 82 ms). Strides above 1: the general convolution.
 */
export function filterGradStrategy(g: FilterGradGeometry, simdRows: boolean): FilterGradStrategy {
  const strideOne = g.sH === 1 && g.sW === 1;
  if (strideOne && simdRows) return "im2colT";
  const unpadded = g.top === 0 && g.left === 0 && g.outH === g.h - g.kh + 1 && g.outW === g.w - g.kw + 1;
  if (g.kh * g.kw * g.inC <= 32 || (strideOne && unpadded)) return "im2colT";
  return strideOne ? "inputAsFilter" : "gradAsFilter";
}

/**
 * "gemm": ../convGemm.ts's convFilterGrad over the windows of the zero-padded input (the forward pass's
 * table of window starts, and a table of each patch element's offset within a window), summing over
 * tiles of about wasmKernelOptions.filterGradChunkFloats floats of dy at a time so that the tile's dy
 * and windows stay in cache while every block of dW goes through them.
 */
export function filterGradGemm(backend: WasmBackend, kernel: ConvGemmKernel, x: Info, dy: Info, conv: tf.backend_util.Conv2DInfo): Info {
  const { filterHeight: kh, filterWidth: kw, inChannels: inC, outChannels: outC } = conv;
  const { starts, paddedWidth, temps } = convWindows(backend, x, conv);
  try {
    const k = kh * kw * inC;
    const offsets = backend.makeOutput([k], "int32");
    temps.push(offsets);
    const table = backend.typedArrayFromHeap(offsets) as Int32Array;
    for (let ty = 0; ty < kh; ty++) {
      for (let tx = 0; tx < kw; tx++) {
        for (let c = 0; c < inC; c++) table[(ty * kw + tx) * inC + c] = 4 * ((ty * paddedWidth + tx) * inC + c);
      }
    }
    const out = backend.makeOutput([kh, kw, inC, outC], "float32");
    // The kernel adds into out; if it traps, out goes with the temporaries.
    temps.push(out);
    heapF32(backend, out).fill(0);
    const pixels = starts.shape[0];
    const tile = Math.max(4, Math.floor(wasmKernelOptions.filterGradChunkFloats / outC));
    const [startsAt, offsetsAt, dyAt, outAt] = [offsetOf(backend, starts), offsetOf(backend, offsets), offsetOf(backend, dy), offsetOf(backend, out)];
    for (let p = 0; p < pixels; p += tile) kernel.convFilterGrad(startsAt + 4 * p, offsetsAt, dyAt + 4 * p * outC, outAt, k, outC, Math.min(tile, pixels - p));
    temps.pop();
    return out;
  } finally {
    disposeAll(backend, temps);
  }
}

export function conv2dBackpropFilter(args: KernelArgs): Info {
  const backend = args.backend as unknown as WasmBackend;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: [number, number, number, number] };
  const name = "Conv2DBackpropFilter";
  assertNHWC(name, attrs.dataFormat);
  assertFloat32(name, x, dy);
  const filterShape = attrs.filterShape;
  const conv = convGeometry(name, x.shape as [number, number, number, number], filterShape, attrs, dy);
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
  if (strategy === "auto" || strategy === "gemm") {
    const kernel = convGemmFor(backend);
    // The patch offsets below assume dilation 1, which is all Conv2DBackpropFilter has.
    if (kernel != null && conv.dilationHeight === 1 && conv.dilationWidth === 1 && convGemmApplies(conv, attrs.dimRoundingMode, x, dy)) return filterGradGemm(backend, kernel, x, dy, conv);
    strategy = filterGradStrategy(g, simdFor(backend) != null);
  }
  if (strategy === "im2colT") return filterGradIm2colT(backend, x, dy, g);
  if (strategy === "inputAsFilter") {
    const out = filterGradInputAsFilter(backend, x, dy, g);
    if (out != null) return out;
  }
  return filterGradGradAsFilter(backend, x, dy, g);
}
