// The pixels of the images on a dataset's test-set map, in the map's order, gzip-compressed; the page
// loads them for its thumbnails. --dataset names the dataset.
// Framework runs it alone while serving; the build produces every data file in one process (dataFiles.ts).
import { emitDataFile } from "../../../loaders/report/dataFiles.ts";

await emitDataFile("map-images/[dataset].bin");
