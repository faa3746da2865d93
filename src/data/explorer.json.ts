// Every stored run of the current profile for the run explorer (declared runs with all their seeds,
// every tuner's trials and retrained winners): its summary, its task, and its learning curves as
// compact per-epoch arrays (a few hundred runs stay small); trains the runs not stored yet.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../loaders/report/dataFiles.ts";

await emitDataFile("explorer.json");
