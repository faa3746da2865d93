// The last `npm run bench` measurements (data/bench.json), or null when the benchmark has not been run;
// with them, as `fromScratch`, the last from-scratch timings of `npm run train` per profile
// (data/from-scratch.json), or null.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../loaders/report/dataFiles.ts";

await emitDataFile("bench.json");
