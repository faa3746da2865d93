// The fused Adam update (loaders/engine/adam.ts) as a kernel on the wasm heap.
import { adamUpdateInto, type FusedAdamAttrs } from "../adam.js";
import { type Info, type KernelArgs, type WasmBackend, assertFloat32, heapF32, offsetOf, sameShape, simdFor } from "./common.js";

/**
 * loaders/engine/adam.ts's optimizer step for one variable (inputs value, m, v, gradient, float32 of one
 * shape): the new value, m and v in one pass, in WebAssembly SIMD (loaders/engine/simd.ts) or else in
 * JavaScript, where tfjs' Adam runs thirteen element-wise kernels.
 */
export function adamUpdate(args: KernelArgs): Info[] {
  const backend = args.backend as unknown as WasmBackend;
  const { value, m, v, gradient } = args.inputs as { value: Info; m: Info; v: Info; gradient: Info };
  const name = "Adam update";
  assertFloat32(name, value, m, v, gradient);
  for (const [label, info] of [["m", m], ["v", v], ["gradient", gradient]] as const) {
    if (!sameShape(info.shape, value.shape)) {
      throw new Error(`${name} (wasm training kernels): ${label} shape [${info.shape}] differs from the variable's [${value.shape}]`);
    }
  }
  const a = args.attrs as unknown as FusedAdamAttrs;
  const outValue = backend.makeOutput(value.shape, "float32");
  const outM = backend.makeOutput(value.shape, "float32");
  const outV = backend.makeOutput(value.shape, "float32");
  const simd = simdFor(backend);
  if (simd != null) {
    const at = (info: Info) => offsetOf(backend, info);
    const n = value.shape.reduce((p, d) => p * d, 1);
    // The scalars become float32 at the call, as tfjs makes them float32 scalar tensors.
    simd.adam(at(value), at(m), at(v), at(gradient), at(outValue), at(outM), at(outV), n,
      a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, -a.learningRate);
  } else {
    const h = (info: Info) => heapF32(backend, info);
    adamUpdateInto(h(value), h(m), h(v), h(gradient), h(outValue), h(outM), h(outV), a);
  }
  return [outValue, outM, outV];
}
