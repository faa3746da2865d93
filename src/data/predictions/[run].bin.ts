// Per-sample test predictions of one stored model, packed for the confusion-matrix drill-down
// (layout in loaders/report/predictions.ts). --run names an experiment that keeps its weights.
import { parseArgs } from "node:util";
import { predictionsFile } from "../../../loaders/report/predictions.ts";
import { currentProfile } from "../../../loaders/config.ts";

const { values } = parseArgs({ options: { run: { type: "string" } } });
if (!values.run) throw new Error("missing --run");
process.stdout.write(await predictionsFile(currentProfile(), values.run));
