// Every run of the current profile as one summary row each; trains the runs not stored yet.
import { runsReport } from "../../loaders/report/report.ts";
import { currentProfile } from "../../loaders/config.ts";

const report = await runsReport(currentProfile());
process.stdout.write(JSON.stringify(report));
