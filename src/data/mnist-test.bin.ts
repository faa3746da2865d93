// 1,000 MNIST test images (class-balanced, shuffled) as a gzip-compressed uint8 file, for testing in the page.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../loaders/report/dataFiles.ts";

await emitDataFile("mnist-test.bin");
