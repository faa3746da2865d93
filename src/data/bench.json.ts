// The last `npm run bench` measurements (data/bench.json), or null when the benchmark has not been run;
// with them, as `fromScratch`, the last from-scratch timings of `npm run train` per profile
// (data/from-scratch.json), or null.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../loaders/config.ts";

const read = (name: string) => {
  const file = join(ROOT, "data", name);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
};
const bench = read("bench.json");
process.stdout.write(JSON.stringify(bench ? { ...bench, fromScratch: read("from-scratch.json") } : null));
