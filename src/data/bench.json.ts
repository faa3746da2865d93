// The last `npm run bench` measurements (data/bench.json), or null when the benchmark has not been run.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../loaders/store.ts";

const file = join(ROOT, "data", "bench.json");
process.stdout.write(existsSync(file) ? JSON.stringify(JSON.parse(readFileSync(file, "utf8"))) : "null");
