// A dataset's map of its test images (loaders/report/testMap.ts): PCA and UMAP layouts from pixels and from
// a stored CNN's last hidden layer, with each image's label and the CNN's answer. --dataset names it.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("map/[dataset].json");
