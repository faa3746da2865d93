// Every run of the current profile as one summary row each; trains the runs not stored yet.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../loaders/report/dataFiles.ts";

await emitDataFile("runs.json");
