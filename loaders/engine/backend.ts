// Initialises TensorFlow.js in Node (wasm backend with our training kernels, or cpu) without writing to stdout.
import { setFlagsFromString } from "node:v8";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { defaultWasmThreads } from "../config.ts";
import { convGemmModuleBytes } from "./convGemm.ts";
import { registerWasmTrainingKernels } from "./kernels/index.ts";
import { initThreadedWasm } from "./wasmThreads.ts";

/**
 * Selects and readies a tfjs backend and returns the tfjs namespace. For "wasm" it also
 * registers the training kernels of ./kernels/ (conv/pool gradients, transposed matmuls).
 *
 * Nothing is printed to stdout (a data loader's stdout is its output file): importing tfjs and
 * the wasm backend prints nothing, and tfjs' one notice (the cpu backend's "looks like you are
 * running TensorFlow.js in Node.js" hint) goes through console.warn, i.e. stderr. As a guard
 * against anything else, console.log is routed to stderr while the backend initialises.
 */
/** Node 20 has WebAssembly relaxed SIMD behind a flag (Node 22 and Chrome 114 have it on); convGemm.ts uses it where it validates. */
function enableRelaxedSimd(): void {
  if (!WebAssembly.validate(convGemmModuleBytes(true))) setFlagsFromString("--experimental-wasm-relaxed-simd");
}

export async function initTf(backend: "wasm" | "cpu" = "wasm", options: { threads?: number } = {}): Promise<typeof tf> {
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  try {
    if (backend === "wasm") {
      enableRelaxedSimd();
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
