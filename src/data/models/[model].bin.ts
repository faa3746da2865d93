// The weights of one stored model as float16 (half the download; tfjs decodes them to float32 on load),
// in the order of the manifest in data/models/<model>.json.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("models/[model].bin");
