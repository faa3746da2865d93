// The declared studies, for the overview's list: id, title, question and how many runs and searches each has.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../loaders/report/dataFiles.ts";

await emitDataFile("studies.json");
