// Shared by the wasm kernel tests: seeded random inputs, running one computation on wasm and on cpu,
// comparing them, and checking that nothing is left behind.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createRng } from "../../loaders/data/random.ts";

/** The project's seeded generator (mulberry32), so a failure reproduces. */
export const rng = createRng;

export function randomArray(random: () => number, size: number, opts: { reluLike?: boolean; integers?: boolean } = {}): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let v = opts.integers ? Math.floor(random() * 4) - 1 : random() * 2 - 1;
    if (opts.reluLike && v < 0) v = 0;
    out[i] = v;
  }
  return out;
}

export const pick = <T>(random: () => number, options: readonly T[]): T => options[Math.floor(random() * options.length)];
export const between = (random: () => number, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

/** Runs fn on the given backend and returns its outputs' values (fn's tensors are disposed). */
export async function valuesOn(backend: "wasm" | "cpu", fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const values = outs.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  tf.dispose(outs);
  return values;
}

/** Max |a - b| relative to max |b| (b is the cpu reference); exact zero reference -> absolute. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, "length mismatch");
  let scale = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    err = Math.max(err, d);
  }
  return err / (scale || 1);
}

export async function assertSameOnBothBackends(label: string, fn: () => tf.Tensor[], tolerance = 1e-4): Promise<void> {
  const wasm = await valuesOn("wasm", fn);
  const cpu = await valuesOn("cpu", fn);
  await tf.setBackend("wasm");
  assert.equal(wasm.length, cpu.length);
  for (let i = 0; i < cpu.length; i++) {
    const e = relativeError(wasm[i], cpu[i]);
    assert.ok(e < tolerance, `${label}: output ${i} relative error ${e}`);
  }
}

/** Asserts that fn (run on wasm) leaves neither tensors nor backend buffers behind. */
export function assertNoLeak(label: string, fn: () => void): void {
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  fn();
  assert.equal(tf.memory().numTensors, tensors, `${label}: tensors leaked`);
  assert.equal(tf.engine().backend.numDataIds(), buffers, `${label}: backend buffers leaked`);
}
