// All runs of one model family with their curves, confusion matrices and misclassified samples.
import { parseArgs } from "node:util";
import { familyReport } from "../../../loaders/report/report.ts";
import { currentProfile } from "../../../loaders/config.ts";

const { values } = parseArgs({ options: { family: { type: "string" } } });
if (!values.family) throw new Error("missing --family");
const report = await familyReport(currentProfile(), values.family);
process.stdout.write(JSON.stringify(report));
