// The topology and weight manifest (tfjs layers format) of one stored model, for inference in the page;
// its weights, as float16, are data/models/<model>.bin. --model names an experiment that keeps its weights.
import { parseArgs } from "node:util";
import { halfPrecisionModel, storedRunWithWeights } from "../../../loaders/report/predictions.ts";
import { currentProfile } from "../../../loaders/config.ts";

const { values } = parseArgs({ options: { model: { type: "string" } } });
if (!values.model) throw new Error("missing --model");
const { planned, record } = await storedRunWithWeights(currentProfile(), values.model);
const { modelJson } = halfPrecisionModel(planned.dir);
process.stdout.write(JSON.stringify({ ...modelJson, run: { id: values.model, key: record.key, profile: planned.experiment.profile } }));
