// The WebAssembly binaries of @tensorflow/tfjs-backend-wasm, copied from node_modules so the site serves
// them itself (the page's tfjs loader hands their URLs to setWasmPaths). --file names one of them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

/** The binaries the wasm backend may ask for: plain, SIMD, and SIMD with threads. */
const FILES = ["tfjs-backend-wasm", "tfjs-backend-wasm-simd", "tfjs-backend-wasm-threaded-simd"];

const { values } = parseArgs({ options: { file: { type: "string" } } });
if (!values.file || !FILES.includes(values.file)) throw new Error(`--file must be one of ${FILES.join(", ")}, got ${values.file}`);
// The package's "main" is dist/index.js; the binaries sit beside it.
const dist = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"));
process.stdout.write(readFileSync(join(dist, `${values.file}.wasm`)));
