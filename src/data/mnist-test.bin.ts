// 1,000 MNIST test images (class-balanced, shuffled) as a gzip-compressed uint8 file, for testing in the page.
import { SHIPPED_TEST, subsetFile } from "../../loaders/data/subsetfile.ts";

process.stdout.write(subsetFile("test", SHIPPED_TEST));
