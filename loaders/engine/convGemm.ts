// Convolutions as matrix products read straight from the input (no patch matrix), hand-assembled for
// WebAssembly SIMD: the forward pass, and the filter gradient; with relaxed SIMD's fused multiply-add
// (f32x4.relaxed_madd, one instruction on CPUs with FMA) where the engine has it.
//
// The report's CNN spends most of a training step in convolutions, and on one thread XNNPACK's (in the
// stock wasm backend) left speed behind; tfjs' wasm backend has no filter gradient at all. Like
// simd.ts, this module imports the backend's memory and works on its tensors in place;
// convGemmKernel() returns null where it cannot be built.
//
// Each output pixel's row of the implicit patch matrix is a pointer into the zero-padded input (a table
// the caller fills); the taps of the filter are fixed offsets from it, and the filter [kh, kw, inC,
// outC] is already the [K, outC] right-hand matrix. Four output pixels (a 4x8 block of the output,
// eight accumulators) go through the whole reduction at a time: their windows stay in L1 while eight
// output channels at a time sweep the filter.
import { type Bytes, I32, V128, op, Fn, assemble } from "./wasmAssembler.js";

const { vLoadAt, vStoreAt, vLoad32Splat: load32Splat, vRelaxedMadd: relaxedMadd, i32Load } = op;

/** The locals of a block of `rows` x 8 results: two accumulators per row, the row's eight B values, a splatted A value. */
function blockLocals(f: Fn): void {
  for (let r = 0; r < 4; r++) for (const h of [0, 1]) f.local(`acc${r}${h}`, V128);
  f.local("b0", V128);
  f.local("b1", V128);
  f.local("s", V128);
}

/**
 * One step of the reduction for a block: loads B's eight values at `b` (a byte address), then for each
 * row r the A value at `a(r)`, splatted, and acc_r += a * b, fused or rounded twice.
 */
function blockStep(f: Fn, fused: boolean, rows: number, b: Bytes, a: (r: number) => Bytes): void {
  const { get, set } = f;
  f.emit(b, vLoadAt(0), set("b0"), b, vLoadAt(16), set("b1"));
  for (let r = 0; r < rows; r++) {
    f.emit(a(r), load32Splat, set("s"));
    for (const h of [0, 1]) {
      if (fused) f.emit(get("s"), get(`b${h}`), get(`acc${r}${h}`), relaxedMadd, set(`acc${r}${h}`));
      else f.emit(get(`acc${r}${h}`), get("s"), get(`b${h}`), op.vMul, op.vAdd, set(`acc${r}${h}`));
    }
  }
}

/** Stores (or, with `load`, loads) the block's accumulators, row r at the byte address left in local "q" by `row(r)`. */
function blockMove(f: Fn, rows: number, row: (r: number) => void, load = false): void {
  const { get, set } = f;
  for (let r = 0; r < rows; r++) {
    row(r);
    for (const h of [0, 1]) {
      if (load) f.emit(get("q"), vLoadAt(16 * h), set(`acc${r}${h}`));
      else f.emit(get("q"), get(`acc${r}${h}`), vStoreAt(16 * h));
    }
  }
}

/**
 * Runs `body(rows)` for each block of the result: `counter` (a local) over [0, count) four rows at a time,
 * then one at a time for the rest, with row r's i32 entry of `table` in local `${entry}r`, and local
 * "j" over the bytes of a row of O floats, eight floats at a time (needs locals limit, j and oBytes).
 */
function forEachBlock(f: Fn, count: string, counter: string, table: string, entry: string, body: (rows: number) => void): void {
  const { get, set } = f;
  for (const rows of [4, 1]) {
    if (rows === 4) f.emit(get(count), op.i32(-4), op.i32And, set("limit"));
    else f.emit(get(count), set("limit"));
    f.loopWhileBelow(counter, "limit", op.i32(rows), () => {
      for (let r = 0; r < rows; r++) f.emit(get(table), get(counter), op.i32(r), op.i32Add, op.i32(2), op.i32Shl, op.i32Add, i32Load, set(`${entry}${r}`));
      f.emit(op.i32(0), set("j"));
      f.loopWhileBelow("j", "oBytes", op.i32(32), () => body(rows));
    });
  }
}

/**
 * convGemm(starts, w, y, C, O, kh, kw, tapRow, tapCol, pixels, bias, flags): for output pixels
 * 0 <= p < pixels of an NHWC convolution, every output channel o < O (a multiple of 8):
 *   y[p, o] = sum over ty < kh, tx < kw, c < C of x[starts[p] + ty * tapRow + tx * tapCol + 4c] * w[ty, tx, c, o]
 * then, as tfjs' fused convolution does, + bias[o] where flags has bit 1, and max(y, 0) where it has bit 2.
 * where starts[p] (i32) is the byte offset in memory of pixel p's window in the zero-padded input, and
 * tapRow, tapCol the byte steps between taps (dilation x row or pixel size); all pointers are byte offsets.
 * The caller computes the window starts: with the pixel's coordinates worked out in here (by division,
 * or by counters), V8 kept fewer of the inner loop's values in registers and the kernel ran far slower.
 * The sum runs in the order ty, tx, c, rounded after each multiply and each add, or once per fused step.
 */
function convGemmFn(fused: boolean): Fn {
  const f = new Fn([
    ["starts", I32], ["w", I32], ["y", I32], ["C", I32], ["O", I32], ["kh", I32], ["kw", I32], ["tapRow", I32], ["tapCol", I32], ["pixels", I32],
    ["bias", I32], ["flags", I32],
  ]);
  for (const n of ["p", "limit", "q", "j", "oBytes", "cBytes", "ty", "tx", "tap", "c", "wp"]) f.local(n, I32);
  for (let r = 0; r < 4; r++) f.local(`row${r}`, I32);
  for (let r = 0; r < 4; r++) f.local(`at${r}`, I32);
  blockLocals(f);
  const { get, set } = f;
  const add = (...parts: Bytes[]): Bytes => parts.flatMap((part, i) => (i === 0 ? part : [...part, ...op.i32Add]));
  f.emit(get("O"), op.i32(2), op.i32Shl, set("oBytes"));
  f.emit(get("C"), op.i32(2), op.i32Shl, set("cBytes"));
  // Four pixels at a time, then one at a time for the rest.
  forEachBlock(f, "pixels", "p", "starts", "row", (rows) => {
    for (let r = 0; r < rows; r++) for (const h of [0, 1]) f.emit(op.f32Zero, op.vSplat, set(`acc${r}${h}`));
    f.emit(get("w"), get("j"), op.i32Add, set("wp"));
    f.emit(op.i32(0), set("ty"));
    f.loopWhileBelow("ty", "kh", op.i32(1), () => {
      f.emit(op.i32(0), set("tx"));
      f.loopWhileBelow("tx", "kw", op.i32(1), () => {
        f.emit(get("ty"), get("tapRow"), op.i32Mul, get("tx"), get("tapCol"), op.i32Mul, op.i32Add, set("tap"));
        for (let r = 0; r < rows; r++) f.emit(add(get(`row${r}`), get("tap")), set(`at${r}`));
        f.emit(op.i32(0), set("c"));
        f.loopWhileBelow("c", "cBytes", op.i32(4), () => {
          blockStep(f, fused, rows, get("wp"), (r) => add(get(`at${r}`), get("c")));
          f.emit(get("wp"), get("oBytes"), op.i32Add, set("wp"));
        });
      });
    });
    f.emit(get("flags"), op.i32(1), op.i32And, op.if);
  for (let r = 0; r < rows; r++) for (const h of [0, 1]) f.emit(get(`acc${r}${h}`), get("bias"), get("j"), op.i32Add, vLoadAt(16 * h), op.vAdd, set(`acc${r}${h}`));
  f.emit(op.end, get("flags"), op.i32(2), op.i32And, op.if);
  for (let r = 0; r < rows; r++) for (const h of [0, 1]) f.emit(get(`acc${r}${h}`), op.f32Zero, op.vSplat, op.vMax, set(`acc${r}${h}`));
  f.emit(op.end);
  blockMove(f, rows, (r) => f.emit(get("p"), op.i32(r), op.i32Add, get("oBytes"), op.i32Mul, get("y"), op.i32Add, get("j"), op.i32Add, set("q")));
  });
  return f;
}

/**
 * convFilterGrad(starts, koffs, dy, dw, K, O, pixels): the filter gradient of the same convolution,
 *   dw[k, o] += sum over p < pixels of mem[starts[p] + koffs[k]] * dy[p, o]
 * where koffs[k] (i32) is the byte offset of patch element k = (ty, tx, c) from a window's start; dw is
 * [K, O] (the filter's own layout), O a multiple of 8. It adds to dw, so a caller can hand the pixels
 * over in tiles that keep dy and the windows in cache. A 4x8 block of dw (eight accumulators) goes
 * through every pixel of the tile at a time.
 */
function convFilterGradFn(fused: boolean): Fn {
  const f = new Fn([["starts", I32], ["koffs", I32], ["dy", I32], ["dw", I32], ["K", I32], ["O", I32], ["pixels", I32]]);
  for (const n of ["k", "limit", "j", "oBytes", "q", "sp", "send", "dp", "start"]) f.local(n, I32);
  for (let r = 0; r < 4; r++) f.local(`koff${r}`, I32);
  blockLocals(f);
  const { get, set } = f;
  f.emit(get("O"), op.i32(2), op.i32Shl, set("oBytes"));
  f.emit(get("starts"), get("pixels"), op.i32(2), op.i32Shl, op.i32Add, set("send"));
  forEachBlock(f, "K", "k", "koffs", "koff", (rows) => {
    const dwRow = (r: number) => f.emit(get("k"), op.i32(r), op.i32Add, get("oBytes"), op.i32Mul, get("dw"), op.i32Add, get("j"), op.i32Add, set("q"));
    blockMove(f, rows, dwRow, true);
    f.emit(get("starts"), set("sp"), get("dy"), get("j"), op.i32Add, set("dp"));
    f.loopWhileBelow("sp", "send", op.i32(4), () => {
      f.emit(get("sp"), i32Load, set("start"));
      blockStep(f, fused, rows, get("dp"), (r) => [...get("start"), ...get(`koff${r}`), ...op.i32Add]);
      f.emit(get("dp"), get("oBytes"), op.i32Add, set("dp"));
    });
    blockMove(f, rows, dwRow);
  });
  return f;
}

export interface ConvGemmKernel {
  /** Whether products and sums are fused (relaxed SIMD's multiply-add) or rounded one by one. */
  fused: boolean;
  convGemm(starts: number, w: number, y: number, C: number, O: number, kh: number, kw: number, tapRow: number, tapCol: number, pixels: number, bias: number, flags: number): void;
  convFilterGrad(starts: number, koffs: number, dy: number, dw: number, K: number, O: number, pixels: number): void;
}

/** The module's bytes, fused or not, for a memory shared or not. */
export function convGemmModuleBytes(fused: boolean, shared = false): Uint8Array<ArrayBuffer> {
  return assemble([["convGemm", convGemmFn(fused)], ["convFilterGrad", convFilterGradFn(fused)]], { shared, pages: 65536 });
}

let relaxed: boolean | undefined;
/** Whether this engine accepts relaxed SIMD (Chrome 114+, Node 22+, Node 20 with the flag backend.ts sets). */
export function hasRelaxedSimd(): boolean {
  relaxed ??= (() => {
    try {
      return WebAssembly.validate(convGemmModuleBytes(true));
    } catch {
      return false;
    }
  })();
  return relaxed;
}

const instances = new WeakMap<WebAssembly.Memory, Map<boolean, ConvGemmKernel | null>>();

/** The kernel bound to `memory` (the wasm backend's): fused where relaxed SIMD is there and allowed, or null without SIMD. */
export function convGemmKernel(memory: WebAssembly.Memory, allowFused = true): ConvGemmKernel | null {
  const fused = allowFused && hasRelaxedSimd();
  let byKind = instances.get(memory);
  if (byKind == null) instances.set(memory, (byKind = new Map()));
  if (byKind.has(fused)) return byKind.get(fused)!;
  let kernel: ConvGemmKernel | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(convGemmModuleBytes(fused, shared)), { env: { memory } });
    const exports = instance.exports as unknown as Omit<ConvGemmKernel, "fused">;
    kernel = { fused, convGemm: exports.convGemm, convFilterGrad: exports.convFilterGrad };
  } catch {
    kernel = null;
  }
  byKind.set(fused, kernel);
  return kernel;
}
