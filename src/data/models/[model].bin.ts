// The stored weights of one model (float32, in the order of its model.json manifest), for the page.
import { parseArgs } from "node:util";
import { readModelFiles, storedRunWithWeights } from "../../../loaders/predictions.ts";
import { currentProfile } from "../../../loaders/suite.ts";

const { values } = parseArgs({ options: { model: { type: "string" } } });
if (!values.model) throw new Error("missing --model");
const { planned } = await storedRunWithWeights(currentProfile(), values.model);
process.stdout.write(readModelFiles(planned.dir).weights);
