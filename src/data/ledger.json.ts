// The per-image ledger of ten-class MNIST (loaders/report/ledger.ts) over every stored run of the
// current profile, with the pixels of the images it lists; trains the runs not stored yet.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../loaders/report/dataFiles.ts";

await emitDataFile("ledger.json");
