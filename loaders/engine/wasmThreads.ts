// Starts the tfjs wasm backend's multi-threaded XNNPACK build under Node, which tfjs 4.22 ships but only enables in browsers.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker as NodeWorker, type WorkerOptions } from "node:worker_threads";
import type * as tfType from "@tensorflow/tfjs";
import * as wasmBackend from "@tensorflow/tfjs-backend-wasm";

/*
 * @tensorflow/tfjs-backend-wasm contains a threaded SIMD binary (XNNPACK on a pthreadpool, the
 * pthreads being Emscripten workers that share the wasm memory), and the Emscripten code in it
 * does know how to run under Node's worker_threads. tfjs still reports "no thread support" under
 * Node (tensorflow/tfjs#3830) because three things in its loader assume a browser:
 *
 *   1. the pthread worker script and the module's own source are handed over as Blob object URLs,
 *      and Node's Worker and the worker's importScripts (fs.readFileSync there) cannot open those;
 *   2. the module source is the factory function's text, which refers to the bundle's
 *      `require$$N` module variables and `commonjsGlobal`, undefined inside a worker;
 *   3. the pool size is min(requested, logical cores / 2): one thread on a 2-core machine.
 *
 * initThreadedWasm() works around each one for the duration of the backend's initialisation only:
 * Blobs created meanwhile remember their text, object URLs for them are plain files in a private
 * temporary folder (removed once the backend is ready), the module source gets a prelude that
 * defines the names it expects, the worker class Emscripten installs as the global Worker is ours
 * (a worker_threads Worker that turns the Blob in the "load" message into such a file), and
 * os.cpus() reports 2 x threads cores so that logical cores / 2 is the count asked for. Every
 * global it touches is restored afterwards, also on failure. The pthreads are unref'd so that
 * they never keep a finished process alive.
 *
 * Threads only speed up what runs inside XNNPACK (convolutions, matrix products, some
 * element-wise work); the JS kernels of ./kernels.ts and most of tfjs' own wasm kernels stay
 * on the calling thread.
 */

type Tf = typeof tfType;

/** What Emscripten's module exposes about its pthreads (only what is used here). */
interface EmscriptenThreads {
  PThread?: { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[] };
}

const nodeRequire = createRequire(import.meta.url);
// The mutable CommonJS object: the bundle reads os.cpus through it (an ESM namespace is read-only).
const osModule = nodeRequire("node:os") as { cpus: () => unknown[] };

/** Names the module factory's source uses from its bundle; defined again where it is evaluated. */
const PRELUDE =
  "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), " +
  "require$$4 = require('os'), commonjsGlobal = globalThis, _scriptDir = undefined, " +
  "__dirname = '/', __filename = '/tfjs-backend-wasm-threaded-simd.js';\n";

/**
 * Selects the wasm backend with an XNNPACK pool of `threads` threads (the caller counted) and
 * returns the number it actually got. Must run before the wasm backend was first initialised in
 * this thread; `threads` <= 1 leaves everything as tfjs does it.
 */
export async function initThreadedWasm(tf: Tf, threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm threads: expected a whole number >= 1, got ${threads}`);
  if (threads > 1) {
    if (!(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"))) throw new Error("wasm threads: this Node has no wasm SIMD, which the threaded build needs");
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    wasmBackend.setThreadsCount(threads);
  }
  const restore = threads > 1 ? patchGlobals(threads) : () => {};
  try {
    if (!(await tf.setBackend("wasm"))) throw new Error("tfjs backend 'wasm' failed to initialise");
    await tf.ready();
  } finally {
    restore();
  }
  const module = (tf.backend() as unknown as { wasm: EmscriptenThreads }).wasm;
  for (const worker of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) worker.unref();
  return wasmBackend.getThreadsCount();
}

/** Installs the three workarounds described above; returns the function that undoes them. */
function patchGlobals(threads: number): () => void {
  const dir = mkdtempSync(join(tmpdir(), "tfjs-wasm-threads-"));
  // Emscripten asks for the same two scripts once per pthread worker: each is written once.
  const written = new Map<string, string>();
  const writeScript = (text: string) => {
    let path = written.get(text);
    if (path === undefined) {
      path = join(dir, `script-${written.size}.cjs`);
      writeFileSync(path, text);
      written.set(text, path);
    }
    return path;
  };

  const OriginalBlob = globalThis.Blob;
  const texts = new WeakMap<Blob, string>();
  class TextKeepingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === "string")) texts.set(this, parts.join(""));
    }
  }
  const originalCreateObjectURL = URL.createObjectURL;
  const createObjectURL = (blob: Blob) => {
    const text = texts.get(blob);
    return text === undefined ? originalCreateObjectURL(blob) : writeScript(text);
  };

  class PthreadWorker extends NodeWorker {
    constructor(filename: string | URL, options?: WorkerOptions) {
      // A pthread runs plain CommonJS: no loader hooks (tsx) from this process's command line.
      super(filename, { ...options, execArgv: [] });
    }
    override postMessage(message: unknown, transfer?: readonly Transferable[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (m?.cmd === "load" && m.urlOrBlob instanceof OriginalBlob) {
        const text = texts.get(m.urlOrBlob);
        if (text === undefined) throw new Error("wasm threads: the module source handed to a pthread is not one this module saw created");
        message = { ...m, urlOrBlob: writeScript(PRELUDE + text) };
      }
      super.postMessage(message, transfer as never);
    }
  }

  const workerDescriptor = Object.getOwnPropertyDescriptor(globalThis, "Worker");
  const originalCpus = osModule.cpus;
  globalThis.Blob = TextKeepingBlob as typeof Blob;
  URL.createObjectURL = createObjectURL;
  // Emscripten assigns worker_threads.Worker to the global Worker before creating its pool; ours stays.
  Object.defineProperty(globalThis, "Worker", { configurable: true, get: () => PthreadWorker, set: () => {} });
  osModule.cpus = () => {
    const one = originalCpus()[0];
    return Array.from({ length: 2 * threads }, () => one);
  };
  return () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    if (workerDescriptor) Object.defineProperty(globalThis, "Worker", workerDescriptor);
    else delete (globalThis as { Worker?: unknown }).Worker;
    osModule.cpus = originalCpus;
    rmSync(dir, { recursive: true, force: true });
  };
}
