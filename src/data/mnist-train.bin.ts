// 5,000 MNIST training images (class-balanced, shuffled) as a gzip-compressed uint8 file, for training in the page.
import { SHIPPED_TRAIN, SHIPPED_VALIDATION, subsetFile } from "../../loaders/data/subsetfile.ts";

process.stdout.write(subsetFile("train", SHIPPED_TRAIN + SHIPPED_VALIDATION));
