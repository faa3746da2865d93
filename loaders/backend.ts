// Initialises TensorFlow.js in Node (wasm backend with our training kernels, or cpu) without writing to stdout.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerWasmTrainingKernels } from "./kernels.ts";
import { initThreadedWasm } from "./wasmThreads.ts";

/**
 * How many threads the wasm backend's XNNPACK pool gets when initTf is not told: WASM_THREADS
 * if set (a whole number >= 1), else 1. Processes that share the machine with others of the suite
 * keep 1; a process that trains alone sets it to the core count.
 */
export function defaultWasmThreads(): number {
  const value = process.env.WASM_THREADS;
  if (value === undefined || value === "") return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`WASM_THREADS="${value}" is not a whole number >= 1`);
  return n;
}

/**
 * Selects and readies a tfjs backend and returns the tfjs namespace. For "wasm" it also
 * registers the training kernels of ./kernels.ts (conv/pool gradients, transposed matmuls).
 *
 * Nothing is printed to stdout (a data loader's stdout is its output file): importing tfjs and
 * the wasm backend prints nothing, and tfjs' one notice (the cpu backend's "looks like you are
 * running TensorFlow.js in Node.js" hint) goes through console.warn, i.e. stderr. As a guard
 * against anything else, console.log is routed to stderr while the backend initialises.
 */
export async function initTf(backend: "wasm" | "cpu" = "wasm", options: { threads?: number } = {}): Promise<typeof tf> {
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  try {
    if (backend === "wasm") {
      registerWasmTrainingKernels();
      const threads = options.threads ?? defaultWasmThreads();
      if (tf.findBackend("wasm") == null) {
        const got = await initThreadedWasm(tf, threads);
        if (got !== threads) console.error(`wasm backend: asked for ${threads} XNNPACK threads, got ${got}`);
      }
    }
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs backend '${backend}' failed to initialise`);
    await tf.ready();
  } finally {
    console.log = log;
  }
  return tf;
}
