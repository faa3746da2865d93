// Facts about one dataset for the data page: class balance, pixel statistics, mean images, samples
// (stored beside the runs once computed, so a build from committed runs needs no raw dataset).
import { parseArgs } from "node:util";
import { storedDatasetReport } from "../../../loaders/data/datastats.ts";

const { values } = parseArgs({ options: { dataset: { type: "string" } } });
if (!values.dataset) throw new Error("missing --dataset");
process.stdout.write(JSON.stringify(storedDatasetReport(values.dataset)));
