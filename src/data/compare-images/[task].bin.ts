// The pixels of every test image of a task (--task) that some stored run got wrong, for the two-run
// comparison page's galleries (loaders/report/comparePack.ts), gzip-compressed. Without the raw
// dataset (serving the committed report on a machine without Fashion-MNIST) it is an empty pack: the
// page then shows the numbers without images, and says so.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("compare-images/[task].bin");
