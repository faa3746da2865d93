// One study's runs: declared grids and tuner trials, with curves and test breakdowns (trains what is missing).
import { parseArgs } from "node:util";
import { studyReport } from "../../../loaders/report/report.ts";
import { currentProfile } from "../../../loaders/config.ts";

const { values } = parseArgs({ options: { study: { type: "string" } } });
if (!values.study) throw new Error("missing --study");
const report = await studyReport(currentProfile(), values.study);
process.stdout.write(JSON.stringify(report));
