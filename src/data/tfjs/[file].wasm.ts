// The WebAssembly binaries of @tensorflow/tfjs-backend-wasm, copied from node_modules so the site serves
// them itself (the page's tfjs loader hands their URLs to setWasmPaths). --file names one of them.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("tfjs/[file].wasm");
