// One study's runs: declared grids and tuner trials, with curves and test breakdowns (trains what is missing).
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("study/[study].json");
