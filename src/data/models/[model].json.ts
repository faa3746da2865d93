// The topology and weight manifest (tfjs layers format) of one stored model, for inference in the page;
// its weights, as float16, are data/models/<model>.bin. --model names an experiment that keeps its weights.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("models/[model].json");
