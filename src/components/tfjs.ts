// TensorFlow.js in the page, loaded on demand: WebGL where it works, otherwise WebAssembly (its .wasm
// binaries served by this site), otherwise plain JavaScript. Only pages that call loadTf() download tfjs.
import type * as TF from "@tensorflow/tfjs";
// @ts-expect-error Framework's stdlib publishes no type declarations.
import {FileAttachment} from "observablehq:stdlib";

/** The part of a FileAttachment this module uses: the URL the site serves the file at. */
interface Attachment {
  url(): Promise<string>;
}

/** One backend tried by loadTf: whether it worked and, if not, why. */
export interface BackendAttempt {
  backend: string;
  ok: boolean;
  error?: string;
}

/** What loadTf resolves to: the tfjs namespace, the backend now active and what was tried on the way. */
export interface LoadedTf {
  tf: typeof TF;
  backend: string;
  attempts: BackendAttempt[];
}

/** Options of loadTf. */
export interface LoadTfOptions {
  /** Backends to try, in order (default BACKENDS). */
  backends?: string[];
}

/**
 * The wasm backend's binaries, built by src/data/tfjs/[file].wasm.ts from node_modules. setWasmPaths takes
 * a map from each file name the backend may ask for to its URL, so nothing is fetched from a CDN.
 */
const WASM_FILES: Record<string, Attachment> = {
  "tfjs-backend-wasm.wasm": FileAttachment("../data/tfjs/tfjs-backend-wasm.wasm"),
  "tfjs-backend-wasm-simd.wasm": FileAttachment("../data/tfjs/tfjs-backend-wasm-simd.wasm"),
  "tfjs-backend-wasm-threaded-simd.wasm": FileAttachment("../data/tfjs/tfjs-backend-wasm-threaded-simd.wasm")
};

/** The backends tried, in order of preference. */
export const BACKENDS: string[] = ["webgl", "wasm", "cpu"];

const loaded = new Map<string, Promise<LoadedTf>>();

/**
 * Loads TensorFlow.js and selects the first backend of `backends` that initialises and computes a small
 * matrix product correctly. WebGL on a software rasteriser (no GPU) is passed over unless it is the only
 * backend asked for; wasm needs WebAssembly and fetches its .wasm binary from this site.
 * The first call downloads tfjs; later calls with the same list share the same promise.
 *
 *   const {tf, backend, attempts} = await loadTf();
 *   // backend: "webgl" | "wasm" | "cpu"; attempts: [{backend: "webgl", ok: false, error: "..."}, ...]
 *
 * @param options backends to try, in order (default ["webgl", "wasm", "cpu"])
 * @returns the tfjs namespace, the backend now active (tf.getBackend()), and what was tried on the way
 */
export function loadTf({backends = BACKENDS}: LoadTfOptions = {}): Promise<LoadedTf> {
  const key = backends.join(",");
  let promise = loaded.get(key);
  if (!promise) loaded.set(key, (promise = selectBackend(backends)));
  return promise;
}

async function selectBackend(backends: string[]): Promise<LoadedTf> {
  const tf = await import("@tensorflow/tfjs");
  const attempts: BackendAttempt[] = [];
  for (const backend of backends) {
    try {
      if (backend === "webgl" && backends.length > 1) refuseSoftwareWebgl();
      if (backend === "wasm") await registerWasm();
      if (!(await tf.setBackend(backend))) throw new Error("did not initialise");
      await tf.ready();
      await checkBackend(tf);
      attempts.push({backend, ok: true});
      return {tf, backend: tf.getBackend(), attempts};
    } catch (error) {
      attempts.push({backend, ok: false, error: String((error as {message?: unknown} | null | undefined)?.message ?? error)});
    }
  }
  throw new Error(`no TensorFlow.js backend worked: ${attempts.map((a) => `${a.backend} (${a.error})`).join("; ")}`);
}

/**
 * WebGL drawn by a software rasteriser (SwiftShader, llvmpipe: what headless or GPU-less browsers give)
 * is slower than wasm, and compiling the CNN's shaders there takes seconds; when something else may be
 * tried, such WebGL counts as not working. tfjs asks for failIfMajorPerformanceCaveat, but not every
 * browser flags a software renderer that way.
 */
function refuseSoftwareWebgl(): void {
  const gl = document.createElement("canvas").getContext("webgl2") ?? document.createElement("canvas").getContext("webgl");
  if (!gl) throw new Error("no WebGL context");
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  const software = /swiftshader|llvmpipe|softpipe|software|basic render/i.exec(renderer);
  if (software) throw new Error(`software rendering only, by ${software[0]}`);
}

let wasmRegistered: Promise<void> | undefined;

/**
 * Imports the wasm backend (which registers it with tfjs) and points it at this site's .wasm files.
 * The package's default entry bundles Emscripten glue that imports Node's "fs" and "path"; Framework's
 * bundler keeps those as bare imports, which a browser cannot resolve. Its flat ES module build
 * (dist/tf-backend-wasm.fesm.js) has the same code with the package's browser mapping applied.
 */
function registerWasm(): Promise<void> {
  return (wasmRegistered ??= (async () => {
    // That build has no declaration file of its own; its exports are the package's, typed from its main entry.
    // @ts-expect-error TS7016: no declaration file for dist/tf-backend-wasm.fesm.js.
    const wasm: typeof import("@tensorflow/tfjs-backend-wasm") = await import("@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.js");
    const paths = Object.fromEntries(await Promise.all(Object.entries(WASM_FILES).map(async ([name, file]) => [name, await file.url()])));
    wasm.setWasmPaths(paths);
  })());
}

/** A 2×2 matrix product with a known answer: a backend that initialises but computes wrongly is refused. */
async function checkBackend(tf: typeof TF): Promise<void> {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])));
  const values = await product.data();
  product.dispose();
  const expected = [19, 22, 43, 50];
  if (!expected.every((v, i) => Math.abs(values[i] - v) < 1e-3)) throw new Error(`computed [${values}] for a known product`);
}

/** A short sentence for the page: which backend runs the models, and why not the better ones. */
export function backendSentence({backend, attempts}: Pick<LoadedTf, "backend" | "attempts">): string {
  const names: Record<string, string> = {webgl: "WebGL (the GPU)", wasm: "WebAssembly", cpu: "plain JavaScript"};
  const failed = attempts.filter((a) => !a.ok).map((a) => `${names[a.backend] ?? a.backend} (${a.error})`);
  return `TensorFlow.js runs here on ${names[backend] ?? backend}${failed.length ? `; passed over: ${failed.join(", ")}` : ""}.`;
}
