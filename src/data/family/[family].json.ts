// All runs of one model family with their curves, confusion matrices and misclassified samples.
import { parseArgs } from "node:util";
import { familyReport } from "../../../loaders/report.ts";
import { currentProfile } from "../../../loaders/suite.ts";

const { values } = parseArgs({ options: { family: { type: "string" } } });
if (!values.family) throw new Error("missing --family");
const report = await familyReport(currentProfile(), values.family);
process.stdout.write(JSON.stringify(report));
