// Facts about one dataset for the data page: class balance, pixel statistics, mean images, samples.
import { parseArgs } from "node:util";
import { datasetReport } from "../../../loaders/datastats.ts";

const { values } = parseArgs({ options: { dataset: { type: "string" } } });
if (!values.dataset) throw new Error("missing --dataset");
process.stdout.write(JSON.stringify(datasetReport(values.dataset)));
