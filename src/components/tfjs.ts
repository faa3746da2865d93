// TensorFlow.js in the page, loaded on demand: WebGL where it works, otherwise WebAssembly (its .wasm
// binaries served by this site), otherwise plain JavaScript. Only pages that call loadTf() download tfjs,
// and only the parts they use (tfjsParts.ts).
// @ts-expect-error Framework's stdlib publishes no type declarations.
import {FileAttachment} from "observablehq:stdlib";
import {softwareRenderer} from "./softwareGpu.js";

/** The part of a FileAttachment this module uses: the URL the site serves the file at. */
interface Attachment {
  url(): Promise<string>;
}

/** The tfjs namespace the page works with: @tensorflow/tfjs without its converter and tf.data (tfjsParts.ts). */
export type Tf = typeof import("./tfjsParts.js");

/** One backend tried by loadTf: whether it worked and, if not, why. */
export interface BackendAttempt {
  backend: string;
  ok: boolean;
  error?: string;
}

/** What loadTf resolves to: the tfjs namespace, the backend now active and what was tried on the way. */
export interface LoadedTf {
  tf: Tf;
  backend: string;
  attempts: BackendAttempt[];
}

/** Options of loadTf. */
export interface LoadTfOptions {
  /** Backends to try, in order (default BACKENDS). */
  backends?: string[];
  /** Whose kernels the wasm backend trains with: this project's (the default) or tfjs' own, for comparison. */
  kernels?: "ours" | "stock";
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

/**
 * The backends the train panel times one step on, where more than one works: WebGPU and WebGL (each only
 * where a real GPU draws it) and wasm. WebGPU is never loaded unless the browser has it.
 */
export const MEASURED_BACKENDS: string[] = ["webgpu", "webgl", "wasm"];

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
export function loadTf({backends = BACKENDS, kernels = "ours"}: LoadTfOptions = {}): Promise<LoadedTf> {
  if (kernels === "stock") stockKernels = true;
  const key = backends.join(",");
  let promise = loaded.get(key);
  if (!promise) loaded.set(key, (promise = selectBackend(backends)));
  return promise;
}

/** Set by loadTf({kernels: "stock"}) before the wasm backend first loads: then ours are never registered. */
let stockKernels = false;

async function selectBackend(backends: string[]): Promise<LoadedTf> {
  const tf: Tf = await import("./tfjsParts.js");
  const attempts: BackendAttempt[] = [];
  for (const backend of backends) {
    const attempt = await tryBackend(tf, backend, backends.length > 1);
    attempts.push(attempt);
    if (attempt.ok) return {tf, backend: tf.getBackend(), attempts};
  }
  throw new Error(`no TensorFlow.js backend worked: ${attempts.map((a) => `${a.backend} (${a.error})`).join("; ")}`);
}

/** Selects `backend` if it initialises and computes a known product correctly; `others` says whether another may be tried instead. */
async function tryBackend(tf: Tf, backend: string, others: boolean): Promise<BackendAttempt> {
  try {
    if (backend === "webgl" && others) refuseSoftwareWebgl();
    if (backend === "webgpu") await registerWebgpu(others);
    if (backend === "wasm") await registerWasm();
    const restore = backend === "wasm" ? askForEveryCore() : () => {};
    try {
      if (!(await tf.setBackend(backend))) throw new Error("did not initialise");
      await tf.ready();
    } finally {
      restore();
    }
    await checkBackend(tf);
    return {backend, ok: true};
  } catch (error) {
    return {backend, ok: false, error: String((error as {message?: unknown} | null | undefined)?.message ?? error)};
  }
}

/**
 * Tries every backend of `backends` here (as loadTf judges one) for a caller that measures which works
 * fastest, and says of each whether it works and, if not, why; the backend selected before is selected
 * again afterwards. The cpu backend is not tried by default: it is the fallback, never the fastest
 * where another works.
 */
export async function workingBackends(backends: string[] = MEASURED_BACKENDS): Promise<BackendAttempt[]> {
  const {tf} = await loadTf();
  const before = tf.getBackend();
  const attempts: BackendAttempt[] = [];
  for (const backend of backends) attempts.push(await tryBackend(tf, backend, true));
  await tf.setBackend(before);
  return attempts;
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
  const software = softwareRenderer(renderer);
  if (software) throw new Error(`software rendering only, by ${software}`);
}

/** The part of the WebGPU API this module reads, typed here so that it needs no WebGPU declarations. */
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface Gpu {
  requestAdapter(): Promise<{isFallbackAdapter?: boolean; info?: GpuAdapterInfo} | null>;
}

let webgpuRegistered: Promise<unknown> | undefined;

/**
 * Imports the WebGPU backend (which registers it with tfjs) where the browser has WebGPU and an adapter.
 * A fallback adapter (a software rasteriser such as SwiftShader, what headless Chromium offers) is
 * slower than wasm, so where something else may be tried it counts as not working, as for WebGL.
 */
async function registerWebgpu(refuseSoftware: boolean): Promise<void> {
  const gpu = (navigator as unknown as {gpu?: Gpu}).gpu;
  if (!gpu) throw new Error("no WebGPU in this browser");
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error("no WebGPU adapter");
  const info = adapter.info ?? {};
  const named = softwareRenderer(`${info.architecture ?? ""} ${info.description ?? ""}`);
  if (refuseSoftware && (adapter.isFallbackAdapter || info.isFallbackAdapter || named)) {
    throw new Error(`software rendering only, by ${named ?? "a fallback adapter"}`);
  }
  await (webgpuRegistered ??= import("@tensorflow/tfjs-backend-webgpu"));
}

let wasmRegistered: Promise<void> | undefined;
let wasmModule: typeof import("@tensorflow/tfjs-backend-wasm") | undefined;

/**
 * The threads the wasm backend computes on once it has started: more than one only where the page is
 * cross-origin isolated (the threaded build needs shared memory); null before it has started.
 */
export function wasmThreadCount(): number | null {
  try {
    return wasmModule ? wasmModule.getThreadsCount() : null;
  } catch {
    return null; // not initialised yet
  }
}

/**
 * Imports the wasm backend (which registers it with tfjs), points it at this site's .wasm files and
 * registers this project's training kernels on it (loaders/engine/kernels/, the same modules the build
 * trains with: convolution and pooling gradients, SIMD sums and batch norm, the fused Adam step), so a
 * CNN trains on wasm in the page as at build time.
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
    wasmModule = wasm;
    // After the backend's own kernels are registered: ours keep those they fall back to.
    if (stockKernels) return;
    const {registerWasmTrainingKernels} = await import("../engine/kernels/index.js");
    registerWasmTrainingKernels();
  })());
}

/**
 * Where the page is cross-origin isolated the wasm backend loads its threaded build, whose XNNPACK pool
 * takes the threads asked for but at most half the logical cores (one on a two-core laptop, where the
 * calling thread alone then does all the work). While the backend starts, the page reports twice the
 * cores, so that the pool gets one thread per core (at most 8, the workers that build starts); the
 * returned function puts the real count back. Elsewhere it changes nothing.
 */
function askForEveryCore(): () => void {
  if (!globalThis.crossOriginIsolated || !wasmModule) return () => {};
  const cores = Math.min(8, Math.max(1, navigator.hardwareConcurrency || 1));
  wasmModule.setThreadsCount(cores);
  Object.defineProperty(navigator, "hardwareConcurrency", {value: 2 * cores, configurable: true});
  return () => void delete (navigator as unknown as {hardwareConcurrency?: number}).hardwareConcurrency;
}

/** A 2×2 matrix product with a known answer: a backend that initialises but computes wrongly is refused. */
async function checkBackend(tf: Tf): Promise<void> {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])));
  const values = await product.data();
  product.dispose();
  const expected = [19, 22, 43, 50];
  if (!expected.every((v, i) => Math.abs(values[i] - v) < 1e-3)) throw new Error(`computed [${values}] for a known product`);
}

/** A short sentence for the page: which backend runs the models, and why not the better ones. */
export function backendSentence({backend, attempts}: Pick<LoadedTf, "backend" | "attempts">): string {
  const names: Record<string, string> = {webgpu: "WebGPU (the GPU)", webgl: "WebGL (the GPU)", wasm: "WebAssembly", cpu: "plain JavaScript"};
  const failed = attempts.filter((a) => !a.ok).map((a) => `${names[a.backend] ?? a.backend} (${a.error})`);
  return `TensorFlow.js runs here on ${names[backend] ?? backend}${failed.length ? `; passed over: ${failed.join(", ")}` : ""}.`;
}
