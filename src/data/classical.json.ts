// Study 9 (PCA, clustering, classical classifiers) for the current profile, with the write-up's
// reference figures; computes and stores the result first when it is missing (progress on stderr).
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../loaders/report/dataFiles.ts";

await emitDataFile("classical.json");
