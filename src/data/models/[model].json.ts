// The stored topology and weight manifest (tfjs layers format) of one model, for inference in the page.
// --model names an experiment that keeps its weights; its weights are data/models/<model>.bin.
import { parseArgs } from "node:util";
import { readModelFiles, storedRunWithWeights } from "../../../loaders/predictions.ts";
import { currentProfile } from "../../../loaders/suite.ts";

const { values } = parseArgs({ options: { model: { type: "string" } } });
if (!values.model) throw new Error("missing --model");
const { planned, record } = await storedRunWithWeights(currentProfile(), values.model);
const { modelJson } = readModelFiles(planned.dir);
process.stdout.write(JSON.stringify({ ...modelJson, run: { id: values.model, key: record.key, profile: planned.experiment.profile } }));
