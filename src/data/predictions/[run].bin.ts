// Per-sample test predictions of one stored model, packed for the confusion-matrix drill-down
// (layout in loaders/report/predictions.ts). --run names an experiment that keeps its weights.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("predictions/[run].bin");
