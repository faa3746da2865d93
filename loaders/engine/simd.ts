// Hand-assembled WebAssembly SIMD kernels that work in place on the tfjs wasm backend's memory.
//
// The parts of a training step that loaders/engine/kernels/ does outside XNNPACK (the max-pool gradient,
// the patch rows of im2col filter gradients, sums over leading axes, batch norm, the Adam update)
// were JavaScript loops over the wasm heap: scalar, and for Adam slower than the thirteen
// element-wise XNNPACK kernels it would replace. A WebAssembly module may import another
// module's memory, so these functions, written below as WebAssembly instructions and assembled
// by wasmAssembler.ts (no compiler is needed at build or run time), read and write the backend's tensors where
// they lie, four floats at a time. simdKernels() returns null where the memory cannot be imported
// (then the callers keep their JavaScript paths).
//
// Every operation is IEEE single precision with round-to-nearest, as in XNNPACK's kernels, so an
// expression evaluated in the same order gives the same bits.
import { type Bytes, I32, F32, V128, op, Fn, assemble } from "./wasmAssembler.js";


/**
 * adam(w, m, v, g, outW, outM, outV: byte offsets; n; b1, c1, b2, c2, d1, d2, eps, negLr): tfjs'
 * AdamOptimizer expression, operation for operation:
 *   m' = m*b1 + g*c1;  v' = v*b2 + (g*g)*c2;  w' = ((m'/d1) / (sqrt(v'/d2) + eps)) * negLr + w
 * with c1 = 1 - beta1, c2 = 1 - beta2, d1 = 1 - beta1^t, d2 = 1 - beta2^t, negLr = -learningRate.
 */
function adamFn(): Fn {
  const f = new Fn([
    ["w", I32], ["m", I32], ["v", I32], ["g", I32], ["ow", I32], ["om", I32], ["ov", I32], ["n", I32],
    ["b1", F32], ["c1", F32], ["b2", F32], ["c2", F32], ["d1", F32], ["d2", F32], ["eps", F32], ["negLr", F32],
  ]);
  const scalars = ["b1", "c1", "b2", "c2", "d1", "d2", "eps", "negLr"];
  f.local("i", I32);
  f.local("end", I32);
  f.local("vend", I32);
  for (const s of scalars) f.local(`${s}4`, V128);
  for (const t of ["g4", "m4", "v4"]) f.local(t, V128);
  for (const t of ["gs", "ms", "vs"]) f.local(t, F32);
  const { get, set } = f;
  const at = (base: string) => [...get(base), ...get("i"), ...op.i32Add];
  f.emit(get("n"), op.i32(2), op.i32Shl, set("end"));
  f.emit(get("n"), op.i32(-4), op.i32And, op.i32(2), op.i32Shl, set("vend"));
  for (const s of scalars) f.emit(get(s), op.vSplat, set(`${s}4`));
  // The same expression twice: four floats at a time, then one at a time for the last n % 4.
  for (const lanes of [4, 1]) {
    const [load, store, add, mul, div, sqrt] =
      lanes === 4 ? [op.vLoad, op.vStore, op.vAdd, op.vMul, op.vDiv, op.vSqrt] : [op.f32Load, op.f32Store, op.f32Add, op.f32Mul, op.f32Div, op.f32Sqrt];
    const k = (scalar: string) => get(lanes === 4 ? `${scalar}4` : scalar);
    const [g, m, v] = lanes === 4 ? ["g4", "m4", "v4"] : ["gs", "ms", "vs"];
    f.loopWhileBelow("i", lanes === 4 ? "vend" : "end", op.i32(lanes * 4), () => {
      f.emit(at("g"), load, set(g));
      f.emit(at("m"), load, k("b1"), mul, get(g), k("c1"), mul, add, set(m));
      f.emit(at("v"), load, k("b2"), mul, get(g), get(g), mul, k("c2"), mul, add, set(v));
      f.emit(at("om"), get(m), store);
      f.emit(at("ov"), get(v), store);
      f.emit(at("ow"));
      f.emit(get(m), k("d1"), div);
      f.emit(get(v), k("d2"), div, sqrt, k("eps"), add);
      f.emit(div, k("negLr"), mul, at("w"), load, add, store);
    });
  }
  return f;
}

/**
 * maxPoolGrad2x2Row(x, dy, out: byte offsets of one output row's first window; rowBytes: the byte
 * stride of an input row; windows; channels): for each 2x2 window of the row and each channel, dy
 * goes to the window's first maximum in row-major order under a strict ">" starting from
 * -Infinity (the cpu backend's rule: NaN never wins, a window of -Infinity and NaN routes nothing),
 * every other position gets +0 (adding +0 also turns a routed -0 into the +0 the cpu backend gives).
 */
function maxPoolGrad2x2RowFn(): Fn {
  const f = new Fn([["x", I32], ["dy", I32], ["out", I32], ["rowBytes", I32], ["windows", I32], ["channels", I32]]);
  f.local("k", I32); // window
  f.local("d", I32); // byte offset of the channel within a position
  f.local("cBytes", I32);
  f.local("vBytes", I32);
  f.local("p0", I32);
  f.local("q", I32);
  for (const n of ["x0", "x1", "x2", "x3", "best", "c0", "c1", "c2", "c3", "g", "zero", "ninf"]) f.local(`${n}v`, V128);
  for (const n of ["x0", "x1", "x2", "x3", "best", "g"]) f.local(`${n}s`, F32);
  for (const n of ["c0", "c1", "c2", "c3"]) f.local(`${n}s`, I32);
  const { get, set } = f;
  // Address of position j (0..3) of the current window at channel offset d.
  const pos = (j: number): Bytes => [
    ...get("p0"),
    ...(j & 1 ? [...get("cBytes"), ...op.i32Add] : []),
    ...(j & 2 ? [...get("rowBytes"), ...op.i32Add] : []),
    ...get("d"),
    ...op.i32Add,
  ];
  f.emit(get("channels"), op.i32(2), op.i32Shl, set("cBytes"));
  f.emit(get("channels"), op.i32(-4), op.i32And, op.i32(2), op.i32Shl, set("vBytes"));
  // zero = splat(+0), ninf = splat(-Infinity)
  f.emit(op.f32Zero, op.vSplat, set("zerov"));
  f.emit(op.f32MinusInfinity, op.vSplat, set("ninfv"));
  f.emit(op.i32(0), set("k"));
  f.loopWhileBelow("k", "windows", op.i32(1), () => {
    // p0 = x + k * 2 * cBytes; q = k * cBytes (offset into dy and, doubled, into out)
    f.emit(get("k"), get("cBytes"), op.i32Mul, set("q"));
    f.emit(get("q"), op.i32(1), op.i32Shl, set("p0"));
    f.emit(op.i32(0), set("d"));
    f.loopWhileBelow("d", "vBytes", op.i32(16), () => {
      for (let j = 0; j < 4; j++) f.emit(get("x"), pos(j), op.i32Add, op.vLoad, set(`x${j}v`));
      f.emit(get("ninfv"), set("bestv"));
      for (let j = 0; j < 4; j++) {
        f.emit(get(`x${j}v`), get("bestv"), op.vGt, set(`c${j}v`));
        if (j < 3) f.emit(get(`x${j}v`), get("bestv"), get(`c${j}v`), op.vBitselect, set("bestv"));
      }
      f.emit(get("dy"), get("q"), op.i32Add, get("d"), op.i32Add, op.vLoad, set("gv"));
      // winner j: c_j and no later c
      for (let j = 0; j < 4; j++) {
        f.emit(get("out"), pos(j), op.i32Add);
        f.emit(get("gv"), get(`c${j}v`));
        for (let later = j + 1; later < 4; later++) f.emit(get(`c${later}v`), op.vAndNot);
        f.emit(op.vAnd, get("zerov"), op.vAdd, op.vStore);
      }
    });
    f.loopWhileBelow("d", "cBytes", op.i32(4), () => {
      for (let j = 0; j < 4; j++) f.emit(get("x"), pos(j), op.i32Add, op.f32Load, set(`x${j}s`));
      f.emit(op.f32MinusInfinity, set("bests"));
      for (let j = 0; j < 4; j++) {
        f.emit(get(`x${j}s`), get("bests"), op.f32Gt, set(`c${j}s`));
        if (j < 3) f.emit(get(`x${j}s`), get("bests"), get(`c${j}s`), op.select, set("bests"));
      }
      f.emit(get("dy"), get("q"), op.i32Add, get("d"), op.i32Add, op.f32Load, set("gs"));
      for (let j = 0; j < 4; j++) {
        f.emit(get("out"), pos(j), op.i32Add);
        // c_j && !c_{j+1} && ... as an i32 condition: c_j > (c_{j+1} | ...), all 0 or 1
        f.emit(get("gs"), op.f32Zero);
        f.emit(get(`c${j}s`));
        if (j < 3) {
          f.emit(get(`c${j + 1}s`));
          for (let later = j + 2; later < 4; later++) f.emit(get(`c${later}s`), op.i32Or);
          f.emit(op.i32GtU); // c_j (0/1) > any later (0/1)
        }
        f.emit(op.select, op.f32Zero, op.f32Add, op.f32Store);
      }
    });
  });
  return f;
}

/**
 * im2colRows(dst, src, planeBytes, images, outH, outW, h, w, r0, sH, lo, hi): one row of the
 * transposed patch matrix of a stride-1 (along the width) convolution, for one kernel position and
 * one input channel, over `images` images: for each image (planes of x laid out channel-major,
 * `planeBytes` apart from `src`, which points at input column lo + the kernel column offset) and
 * each output row a, input row r = a*sH + r0 gives outW floats: zeros before column lo and from
 * column hi, x's row in between; a row outside [0, h) is all zeros.
 */
function im2colRowsFn(): Fn {
  const f = new Fn([
    ["dst", I32], ["src", I32], ["planeBytes", I32], ["images", I32], ["outH", I32], ["outW", I32],
    ["h", I32], ["w", I32], ["r0", I32], ["sH", I32], ["lo", I32], ["hi", I32],
  ]);
  for (const n of ["b", "a", "r", "row", "p", "end", "vend", "plane"]) f.local(n, I32);
  const { get, set } = f;
  /** Stores zeros from p (bytes) to end. */
  const zeros = () => {
    f.loopWhileBelow("p", "end", op.i32(4), () => f.emit(get("p"), op.i32(0), op.i32Store));
  };
  f.emit(get("src"), set("plane"));
  f.loopWhileBelow("b", "images", op.i32(1), () => {
    f.emit(op.i32(0), set("a"));
    f.loopWhileBelow("a", "outH", op.i32(1), () => {
      f.emit(get("a"), get("sH"), op.i32Mul, get("r0"), op.i32Add, set("r"));
      // end of this patch row: dst + outW*4
      f.emit(get("dst"), get("outW"), op.i32(2), op.i32Shl, op.i32Add, set("end"));
      // if (r as unsigned) >= h: the whole row is zeros (a negative r is a large unsigned one)
      f.emit(get("r"), get("h"), op.i32GeU, op.if);
      f.emit(get("dst"), set("p"));
      zeros();
      f.emit(op.else);
      // zeros before lo
      f.emit(get("dst"), set("p"));
      f.emit(get("end"), set("row")); // keep the row's end
      f.emit(get("dst"), get("lo"), op.i32(2), op.i32Shl, op.i32Add, set("end"));
      zeros();
      // x's row from column lo to hi: src row = plane + r*w*4; four floats at a time, then one
      f.emit(get("plane"), get("r"), get("w"), op.i32Mul, op.i32(2), op.i32Shl, op.i32Add, set("src"));
      f.emit(get("dst"), get("hi"), op.i32(2), op.i32Shl, op.i32Add, set("end"));
      f.emit(get("end"), op.i32(12), op.i32Sub, set("vend"));
      f.emit(op.block, op.loop, get("p"), get("vend"), op.i32GeU, op.brIf(1));
      f.emit(get("p"), get("src"), op.vLoad, op.vStore);
      f.emit(get("p"), op.i32(16), op.i32Add, set("p"), get("src"), op.i32(16), op.i32Add, set("src"), op.br(0), op.end, op.end);
      f.emit(op.block, op.loop, get("p"), get("end"), op.i32GeU, op.brIf(1));
      f.emit(get("p"), get("src"), op.f32Load, op.f32Store);
      f.emit(get("p"), op.i32(4), op.i32Add, set("p"), get("src"), op.i32(4), op.i32Add, set("src"), op.br(0), op.end, op.end);
      // zeros from hi to the row's end
      f.emit(get("row"), set("end"));
      zeros();
      f.emit(op.end); // end if
      f.emit(get("dst"), get("outW"), op.i32(2), op.i32Shl, op.i32Add, set("dst"));
    });
    f.emit(get("plane"), get("planeBytes"), op.i32Add, set("plane"));
  });
  return f;
}

/**
 * sumRows(src, acc, out, outer, inner, divisor, mean): the sum of the `outer` rows of the float32
 * matrix at src ([outer, inner]) in float64, exactly as loaders/engine/kernels/reductions.ts's JavaScript sums them
 * (rows four at a time, acc + ((r0 + r1) + (r2 + r3)), then one at a time), two columns at a
 * time; acc is scratch for inner float64s; out gets the sums rounded to float32, or, when mean is
 * 1, those divided by `divisor` in float32.
 */
function sumRowsFn(): Fn {
  const f = new Fn([["src", I32], ["acc", I32], ["out", I32], ["outer", I32], ["inner", I32], ["divisor", F32], ["mean", I32]]);
  for (const n of ["r", "j", "rowBytes", "rows4", "pairs", "base", "p", "a"]) f.local(n, I32);
  f.local("x", F32);
  const { get, set } = f;
  // acc[j] = 0
  f.emit(op.i32(0), set("j"));
  f.loopWhileBelow("j", "inner", op.i32(1), () => f.emit(get("acc"), get("j"), op.i32(3), op.i32Shl, op.i32Add, op.f64Const0, op.f64Store));
  f.emit(get("inner"), op.i32(2), op.i32Shl, set("rowBytes"));
  f.emit(get("outer"), op.i32(-4), op.i32And, set("rows4"));
  f.emit(get("inner"), op.i32(-2), op.i32And, set("pairs"));
  const rowAt = (k: number): Bytes => [...get("p"), ...(k ? [...get("rowBytes"), ...op.i32(k), ...op.i32Mul, ...op.i32Add] : [])];
  f.loopWhileBelow("r", "rows4", op.i32(4), () => {
    f.emit(get("src"), get("r"), get("rowBytes"), op.i32Mul, op.i32Add, set("base"));
    f.emit(op.i32(0), set("j"));
    // Two columns at a time (two floats loaded and widened to float64), then one for an odd last column.
    for (const lanes of [2, 1]) {
      const [row, accLoad, add, accStore] =
        lanes === 2
          ? [[...op.vLoad64Zero, ...op.vPromoteLow], op.vLoad, op.vF64Add, op.vStore]
          : [[...op.f32Load, ...op.f64PromoteF32], op.f64Load, op.f64Add, op.f64Store];
      f.loopWhileBelow("j", lanes === 2 ? "pairs" : "inner", op.i32(lanes), () => {
        f.emit(get("base"), get("j"), op.i32(2), op.i32Shl, op.i32Add, set("p"));
        f.emit(get("acc"), get("j"), op.i32(3), op.i32Shl, op.i32Add, set("a"));
        f.emit(get("a"), get("a"), accLoad);
        f.emit(rowAt(0), row, rowAt(1), row, add);
        f.emit(rowAt(2), row, rowAt(3), row, add);
        f.emit(add, add, accStore);
      });
    }
  });
  f.loopWhileBelow("r", "outer", op.i32(1), () => {
    f.emit(get("src"), get("r"), get("rowBytes"), op.i32Mul, op.i32Add, set("base"));
    f.emit(op.i32(0), set("j"));
    f.loopWhileBelow("j", "inner", op.i32(1), () => {
      f.emit(get("acc"), get("j"), op.i32(3), op.i32Shl, op.i32Add, set("a"));
      f.emit(get("a"), get("a"), op.f64Load, get("base"), get("j"), op.i32(2), op.i32Shl, op.i32Add, op.f32Load, op.f64PromoteF32, op.f64Add, op.f64Store);
    });
  });
  f.emit(op.i32(0), set("j"));
  f.loopWhileBelow("j", "inner", op.i32(1), () => {
    f.emit(get("acc"), get("j"), op.i32(3), op.i32Shl, op.i32Add, op.f64Load, op.f32DemoteF64, set("x"));
    f.emit(get("out"), get("j"), op.i32(2), op.i32Shl, op.i32Add);
    f.emit(get("x"), get("divisor"), op.f32Div, get("x"), get("mean"), op.select, op.f32Store);
  });
  return f;
}

/**
 * batchNormRows(x, out, mean, nf, scale, offset, rows, channels): the wasm backend's FusedBatchNorm
 * formula for per-channel statistics, out = offset + ((x - mean) * scale) / nf
 * with nf = sqrt(variance + epsilon) per channel (computed by the caller), over `rows` rows of
 * `channels` floats, four channels at a time.
 */
function batchNormRowsFn(): Fn {
  const f = new Fn([["x", I32], ["out", I32], ["mean", I32], ["nf", I32], ["scale", I32], ["offset", I32], ["rows", I32], ["channels", I32]]);
  for (const n of ["r", "d", "cBytes", "vBytes", "base"]) f.local(n, I32);
  const { get, set } = f;
  f.emit(get("channels"), op.i32(2), op.i32Shl, set("cBytes"));
  f.emit(get("channels"), op.i32(-4), op.i32And, op.i32(2), op.i32Shl, set("vBytes"));
  f.loopWhileBelow("r", "rows", op.i32(1), () => {
    f.emit(get("r"), get("cBytes"), op.i32Mul, set("base"));
    f.emit(op.i32(0), set("d"));
    for (const lanes of [4, 1]) {
      const [load, store, add, sub, mul, div] =
        lanes === 4 ? [op.vLoad, op.vStore, op.vAdd, op.vSub, op.vMul, op.vDiv] : [op.f32Load, op.f32Store, op.f32Add, op.f32Sub, op.f32Mul, op.f32Div];
      const perChannel = (name: string): Bytes => [...get(name), ...get("d"), ...op.i32Add, ...load];
      const element = (name: string): Bytes => [...get(name), ...get("base"), ...op.i32Add, ...get("d"), ...op.i32Add];
      f.loopWhileBelow("d", lanes === 4 ? "vBytes" : "cBytes", op.i32(lanes * 4), () => {
        f.emit(element("out"), perChannel("offset"));
        f.emit(element("x"), load, perChannel("mean"), sub, perChannel("scale"), mul, perChannel("nf"), div);
        f.emit(add, store);
      });
    }
  });
  return f;
}

export interface SimdKernels {
  adam(w: number, m: number, v: number, g: number, ow: number, om: number, ov: number, n: number,
    b1: number, c1: number, b2: number, c2: number, d1: number, d2: number, eps: number, negLr: number): void;
  maxPoolGrad2x2Row(x: number, dy: number, out: number, rowBytes: number, windows: number, channels: number): void;
  im2colRows(dst: number, src: number, planeBytes: number, images: number, outH: number, outW: number,
    h: number, w: number, r0: number, sH: number, lo: number, hi: number): void;
  sumRows(src: number, acc: number, out: number, outer: number, inner: number, divisor: number, mean: number): void;
  batchNormRows(x: number, out: number, mean: number, nf: number, scale: number, offset: number, rows: number, channels: number): void;
}

const FUNCTIONS = (): [string, Fn][] => [["adam", adamFn()], ["maxPoolGrad2x2Row", maxPoolGrad2x2RowFn()], ["im2colRows", im2colRowsFn()], ["sumRows", sumRowsFn()], ["batchNormRows", batchNormRowsFn()]];

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/** The kernels bound to `memory` (the wasm backend's), or null when they cannot be (no SIMD, or the module is rejected). */
export function simdKernels(memory: WebAssembly.Memory): SimdKernels | null {
  if (instances.has(memory)) return instances.get(memory)!;
  let kernels: SimdKernels | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    const bytes = assemble(FUNCTIONS(), { shared, pages: 65536 });
    const module = new WebAssembly.Module(bytes);
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
  } catch {
    kernels = null;
  }
  instances.set(memory, kernels);
  return kernels;
}

/** The assembled module's bytes, for tests (WebAssembly.validate). */
export function simdModuleBytes(shared = false): Uint8Array<ArrayBuffer> {
  return assemble(FUNCTIONS(), { shared, pages: 65536 });
}
