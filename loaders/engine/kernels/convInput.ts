// Conv2DBackpropInput: the input gradient as a stride-1 forward convolution of the dilated, padded output gradient.
import { type ConvGradAttrs, type Info, type KernelArgs, type WasmBackend, conv2d, convGeometry, dilateAndPad, disposeAll, heapF32, sameShape, stock } from "./common.js";

/** filter [kh, kw, inC, outC] -> [kh, kw, outC, inC], flipped in both spatial dimensions. */
export function flipTransposeFilter(backend: WasmBackend, filter: Info): Info {
  const [kh, kw, inC, outC] = filter.shape;
  const out = backend.makeOutput([kh, kw, outC, inC], "float32");
  const dst = heapF32(backend, out);
  const src = heapF32(backend, filter);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const s0 = ((kh - 1 - a) * kw + (kw - 1 - b)) * inC * outC;
      const d0 = (a * kw + b) * outC * inC;
      for (let i = 0; i < inC; i++) {
        for (let o = 0; o < outC; o++) dst[d0 + o * inC + i] = src[s0 + i * outC + o];
      }
    }
  }
  return out;
}

export function conv2dBackpropInput(args: KernelArgs): Info {
  const backend = args.backend as unknown as WasmBackend;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: [number, number, number, number] };
  const name = "Conv2DBackpropInput";
  const fallback = (): Info => {
    if (stock.Conv2DBackpropInput == null) throw new Error(`${name} (wasm training kernels): unsupported case and no stock kernel`);
    return stock.Conv2DBackpropInput(args) as Info;
  };
  if ((attrs.dataFormat != null && attrs.dataFormat !== "NHWC") || dy.dtype !== "float32" || filter.dtype !== "float32") {
    return fallback();
  }
  const inputShape = attrs.inputShape;
  const conv = convGeometry(name, inputShape, filter.shape as [number, number, number, number], attrs, dy);
  const [kh, kw] = filter.shape;
  const [, h, w] = inputShape;
  const sH = conv.strideHeight;
  const sW = conv.strideWidth;
  // Padding of the (dilated) dy for a stride-1 "full" correlation with the flipped filter.
  const top = kh - 1 - conv.padInfo.top;
  const left = kw - 1 - conv.padInfo.left;
  const bottom = h + kh - 1 - ((conv.outHeight - 1) * sH + 1) - top;
  const right = w + kw - 1 - ((conv.outWidth - 1) * sW + 1) - left;
  const temps: Info[] = [];
  try {
    const flipped = flipTransposeFilter(backend, filter);
    temps.push(flipped);
    let result: Info;
    if (sH === 1 && sW === 1 && top >= 0 && bottom >= 0 && left >= 0 && right >= 0) {
      result = conv2d(backend, dy, flipped, [top, bottom, left, right], [1, 1]);
    } else {
      const padded = dilateAndPad(backend, dy, sH, sW, top, bottom, left, right);
      temps.push(padded);
      result = conv2d(backend, padded, flipped, [0, 0, 0, 0], [1, 1]);
    }
    if (!sameShape(result.shape, inputShape)) {
      temps.push(result);
      throw new Error(`${name} (wasm training kernels): internal shape error [${result.shape}] vs [${inputShape}]`);
    }
    return result;
  } finally {
    disposeAll(backend, temps);
  }
}
