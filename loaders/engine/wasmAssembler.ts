// A small WebAssembly assembler: the binary encoding of the few instructions the SIMD kernels
// (simd.ts, convGemm.ts) use, functions with named locals, and a module importing the caller's memory.

export type Bytes = number[];

export function uleb(value: number): Bytes {
  const out: Bytes = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(value: number): Bytes {
  const out: Bytes = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export const name = (s: string): Bytes => [...uleb(s.length), ...new TextEncoder().encode(s)];
export const vec = (items: Bytes[]): Bytes => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: Bytes): Bytes => [id, ...uleb(body.length), ...body];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

export const simd = (op: number): Bytes => [0xfd, ...uleb(op)];
/** Instructions; loads and stores take no alignment hint (0) and no offset, except those named "At" (a constant byte offset). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32And: [0x71],
  i32GeU: [0x4f],
  select: [0x1b],
  f32Load: [0x2a, 0x00, 0x00],
  f32Store: [0x38, 0x00, 0x00],
  f32Gt: [0x5e],
  f32Zero: [0x43, 0x00, 0x00, 0x00, 0x00], // f32.const +0
  f32MinusInfinity: [0x43, 0x00, 0x00, 0x80, 0xff], // f32.const -Infinity
  i32Or: [0x72],
  i32GtU: [0x4b],
  if: [0x04, 0x40],
  else: [0x05],
  i32Sub: [0x6b],
  f64Load: [0x2b, 0x00, 0x00],
  f64Store: [0x39, 0x00, 0x00],
  f64Add: [0xa0],
  f64Const0: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  f64PromoteF32: [0xbb],
  f32DemoteF64: [0xb6],
  vLoad64Zero: [...simd(0x5d), 0x00, 0x00],
  vPromoteLow: simd(0x5f),
  vF64Add: simd(0xf0),
  vSub: simd(0xe5),
  f32Sub: [0x93],
  i32Store: [0x36, 0x00, 0x00],
  f32Sqrt: [0x91],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32Div: [0x95],
  vLoad: [...simd(0x00), 0x00, 0x00],
  vStore: [...simd(0x0b), 0x00, 0x00],
  vSplat: simd(0x13),
  vGt: simd(0x44),
  vAnd: simd(0x4e),
  vAndNot: simd(0x4f),
  vBitselect: simd(0x52),
  vSqrt: simd(0xe3),
  vAdd: simd(0xe4),
  vMul: simd(0xe6),
  vDiv: simd(0xe7),
  vMax: simd(0xe9),
  /** v128.load / v128.store at a constant byte offset from the address (below 128: one byte of LEB128). */
  vLoadAt: (offset: number): Bytes => [...simd(0x00), 0x00, ...uleb(offset)],
  vStoreAt: (offset: number): Bytes => [...simd(0x0b), 0x00, ...uleb(offset)],
  /** v128.load32_splat: one float, in all four lanes. */
  vLoad32Splat: [...simd(0x09), 0x02, 0x00],
  i32Load: [0x28, 0x02, 0x00],
  /** f32x4.relaxed_madd(a, b, c) = a * b + c, fused where the CPU can (relaxed SIMD). */
  vRelaxedMadd: simd(0x105),
};

/** A function under construction: named parameters and locals, and its instruction bytes. */
export class Fn {
  readonly params: ValType[] = [];
  readonly locals: ValType[] = [];
  private readonly index = new Map<string, number>();
  readonly code: Bytes = [];

  constructor(params: [string, ValType][]) {
    for (const [n, t] of params) {
      this.index.set(n, this.params.length);
      this.params.push(t);
    }
  }
  local(n: string, t: ValType): void {
    this.index.set(n, this.params.length + this.locals.length);
    this.locals.push(t);
  }
  private at(n: string): number {
    const i = this.index.get(n);
    if (i == null) throw new Error(`simd assembler: no local "${n}"`);
    return i;
  }
  get = (n: string): Bytes => [0x20, ...uleb(this.at(n))];
  set = (n: string): Bytes => [0x21, ...uleb(this.at(n))];
  emit(...parts: Bytes[]): void {
    for (const p of parts) this.code.push(...p);
  }
  /** `counter` += step each iteration while counter < limit (both i32 locals). */
  loopWhileBelow(counter: string, limit: string, step: Bytes, body: () => void): void {
    this.emit(op.block, op.loop, this.get(counter), this.get(limit), op.i32GeU, op.brIf(1));
    body();
    this.emit(this.get(counter), step, op.i32Add, this.set(counter), op.br(0), op.end, op.end);
  }
  body(): Bytes {
    const runs: Bytes[] = [];
    for (let i = 0; i < this.locals.length; ) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      runs.push([...uleb(j - i), this.locals[i]]);
      i = j;
    }
    const bytes = [...vec(runs), ...this.code, ...op.end];
    return [...uleb(bytes.length), ...bytes];
  }
}

export function assemble(functions: [string, Fn][], memory: { shared: boolean; pages: number }): Uint8Array<ArrayBuffer> {
  const types = functions.map(([, f]) => [0x60, ...vec(f.params.map((t) => [t])), 0x00]);
  // The imported memory: at least one page; a shared memory must also state its maximum (tfjs': 4 GiB).
  const limits = memory.shared ? [0x03, ...uleb(1), ...uleb(memory.pages)] : [0x00, ...uleb(1)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, ...limits]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map(([n], i) => [...name(n), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map(([, f]) => f.body()))),
  ]);
}
