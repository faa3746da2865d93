// Every run of the current profile as one summary row each; trains the runs not stored yet.
import { runsReport } from "../../loaders/report.ts";
import { currentProfile } from "../../loaders/suite.ts";

const report = await runsReport(currentProfile());
process.stdout.write(JSON.stringify(report));
