// A study's record of its networks' insides (loaders/report/insideReport.ts): per epoch, each layer's
// gradient norm and weight histogram, for the runs that record them. --study names the study.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("inside/[study].json");
