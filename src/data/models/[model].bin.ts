// The weights of one stored model as float16 (half the download; tfjs decodes them to float32 on load),
// in the order of the manifest in data/models/<model>.json.
import { parseArgs } from "node:util";
import { halfPrecisionModel, storedRunWithWeights } from "../../../loaders/report/predictions.ts";
import { currentProfile } from "../../../loaders/config.ts";

const { values } = parseArgs({ options: { model: { type: "string" } } });
if (!values.model) throw new Error("missing --model");
const { planned } = await storedRunWithWeights(currentProfile(), values.model);
process.stdout.write(halfPrecisionModel(planned.dir).weights);
