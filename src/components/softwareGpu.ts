// Which GPU backends a browser draws in software: the rasterisers it falls back to without a GPU
// (SwiftShader, llvmpipe, lavapipe, softpipe, Windows' Basic Render Driver). The train page passes such
// a WebGL or WebGPU over, and the benchmark does not measure it.

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

/** The software rasteriser a renderer's or adapter's description names, or null when it names none. */
export function softwareRenderer(description: string): string | null {
  return SOFTWARE.exec(description)?.[0] ?? null;
}
