// Facts about one dataset for the data page: class balance, pixel statistics, mean images, samples
// (stored beside the runs once computed, so a build from committed runs needs no raw dataset).
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("dataset/[dataset].json");
