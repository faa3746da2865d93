// Our training kernels in the reader's browser: on the built train page in headless Chromium, the wasm
// backend runs this project's kernels (the same modules as in Node, served through src/engine), their
// gradients match the cpu backend on small random shapes as in test/kernels.test.ts (convolutions on our
// matrix-product kernel and on XNNPACK), and the page
// trains its small CNN on wasm, saying so, both cross-origin isolated (threads) and not (one thread).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { serveStatic, type StaticServer } from "../../scripts/serve.ts";
import { siteInBrowser, skipWithoutChromium as skip, type SiteInBrowser } from "../helpers/browser.ts";
import { BUILD_TIMEOUT_MS, listFiles } from "../helpers/site.ts";

/**
 * Runs in the page (a string, so that no helper of the test's transpiler is referenced there). Imports
 * the page's own tfjs core and kernel modules by their built URLs (the same module instances the page uses),
 * computes gradients of random cases on wasm and on cpu, and returns each case's relative error.
 */
const CHECK = `async ({tfUrl, commonUrl}) => {
  const tf = await import(tfUrl);
  const common = await import(commonUrl);
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const values = (n) => Float32Array.from({length: n}, random);
  const size = (shape) => shape.reduce((a, b) => a * b, 1);
  async function on(backend, fn) {
    await tf.setBackend(backend);
    await tf.ready();
    const out = tf.tidy(fn);
    const data = await Promise.all(out.map((t) => t.data()));
    out.forEach((t) => t.dispose());
    return data;
  }
  function error(a, b) {
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
    return worst;
  }
  const cases = [];
  for (const [n, h, w, c, k, f, stride, pad] of [[2, 9, 9, 3, 3, 4, 1, "same"], [3, 12, 10, 2, 5, 3, 2, "valid"], [2, 14, 14, 8, 3, 16, 2, "same"], [4, 28, 28, 1, 3, 8, 1, "same"]]) {
    cases.push({name: "conv2d " + [n, h, w, c, k, f, stride, pad].join(","), fn: () => {
      const x = values(n * h * w * c), filter = values(k * k * c * f);
      const xs = tf.tensor4d(x, [n, h, w, c]), fs = tf.tensor4d(filter, [k, k, c, f]);
      const y = tf.conv2d(xs, fs, stride, pad);
      const dy = tf.tensor(values(size(y.shape)), y.shape);
      return tf.grads((a, b) => tf.conv2d(a, b, stride, pad).mul(dy).sum())([xs, fs]);
    }});
  }
  {
    cases.push({name: "maxPool 2x2", fn: () => tf.grads((a) => tf.maxPool(a, 2, 2, "valid").mul(tf.linspace(-1, 1, 2 * 4 * 4 * 4).reshape([2, 4, 4, 4])).sum())([tf.tensor4d(values(2 * 8 * 8 * 4), [2, 8, 8, 4])])});
  }
  {
    cases.push({name: "matMul gradients", fn: () => tf.grads((p, q) => tf.matMul(p, q).square().sum())([tf.tensor2d(values(6 * 5), [6, 5]), tf.tensor2d(values(5 * 7), [5, 7])])});
  }
  {
    cases.push({name: "row gather", fn: () => [tf.gather(tf.tensor2d(values(9 * 5), [9, 5]), tf.tensor1d([8, 0, 3, 3], "int32"))]});
  }
  {
    cases.push({name: "contiguous slice", fn: () => [tf.slice(tf.tensor3d(values(6 * 4 * 3), [6, 4, 3]), [2, 0, 0], [3, 4, 3])]});
  }
  {
    cases.push({name: "sum over leading axes", fn: () => [tf.tensor4d(values(3 * 4 * 5 * 6), [3, 4, 5, 6]).sum([0, 1, 2])]});
  }
  {
    cases.push({name: "batch norm", fn: () => [tf.batchNorm(tf.tensor4d(values(4 * 3 * 3 * 5), [4, 3, 3, 5]), tf.tensor1d(values(5)), tf.tensor1d(values(5).map((v) => Math.abs(v) + 0.5)), tf.tensor1d(values(5)), tf.tensor1d(values(5)), 1e-3)]});
  }
  const results = [];
  // Convolutions on our matrix-product kernel (convGemm.ts) and on XNNPACK, whichever the page would pick.
  for (const convGemm of [true, false]) {
    common.wasmKernelOptions.convGemm = convGemm;
    for (const [i, c] of cases.entries()) {
      // Each case draws its random values inside fn: the same seed gives both backends the same numbers.
      const run = (backend) => on(backend, () => ((seed = 1000 + i), c.fn()));
      const [wasm, cpu] = [await run("wasm"), await run("cpu")];
      results.push({name: "convGemm " + convGemm + ": " + c.name, error: Math.max(...wasm.map((v, i) => error(v, cpu[i])))});
    }
  }
  common.wasmKernelOptions.convGemm = true;
  await tf.setBackend("wasm");
  const gemm = common.convGemmFor(tf.engine().backend);
  return {
    results,
    filterGradient: tf.getKernel("Conv2DBackpropFilter", "wasm") != null,
    simd: common.wasmSimdActive(),
    convGemm: gemm == null ? null : {fused: gemm.fused}
  };
}`;

describe("our training kernels in Chromium", { skip }, () => {
  let site: SiteInBrowser;
  let plain: StaticServer;
  let tfUrl: string;
  let commonUrl: string;
  before(
    async () => {
      site = await siteInBrowser();
      plain = await serveStatic(site.dir, 0, { isolated: false });
      const files = listFiles(site.dir);
      const find = (pattern: RegExp) => {
        const file = files.find((f) => pattern.test(f));
        assert.ok(file, `the built site has ${pattern}`);
        return `/${file}`;
      };
      tfUrl = find(/^_node\/@tensorflow\/tfjs-core@[^/]+\/index\.[0-9a-f]{8}\.js$/);
      // The page imports tfjs by its parts: the graph-model converter and tf.data are never downloaded.
      assert.deepEqual(files.filter((f) => /^_node\/@tensorflow\/tfjs(-converter|-data)?@/.test(f)), [], "no umbrella, converter or tf.data bundle");
      commonUrl = find(/^_import\/engine\/kernels\/common\.[0-9a-f]{8}\.js$/);
    },
    { timeout: BUILD_TIMEOUT_MS }
  );
  after(async () => {
    await plain?.close();
    await site?.close();
  });

  for (const isolated of [true, false]) {
    it(`registers on the page's wasm backend and matches the cpu backend on random shapes, ${isolated ? "threaded" : "on one thread"}`, async () => {
      const page = await site.open("/train", { base: isolated ? undefined : plain.url });
      await page.waitForFunction(() => document.querySelector(".train-panel")?.getAttribute("data-state") === "ready", null, { timeout: 60_000 });
      const checked = (await page.evaluate(`(${CHECK})(${JSON.stringify({ tfUrl, commonUrl })})`)) as {
        results: { name: string; error: number }[];
        filterGradient: boolean;
        simd: boolean;
        convGemm: { fused: boolean } | null;
      };
      assert.ok(checked.filterGradient, "a convolution filter gradient on wasm (tfjs' own backend has none)");
      assert.ok(checked.simd, "the SIMD kernels bound to the backend's memory");
      // Convolutions are ours with or without XNNPACK's threads, with relaxed SIMD's fused multiply-add
      // (Chromium has had it since version 114).
      assert.deepEqual(checked.convGemm, { fused: true });
      assert.equal(checked.results.length, 20);
      for (const r of checked.results) assert.ok(r.error < 1e-4, `${r.name}: relative error ${r.error} against cpu`);
      assert.deepEqual(await site.finish(page), []);
    });
  }

  for (const isolated of [true, false]) {
    it(`trains the page's small CNN on wasm, ${isolated ? "threaded where cross-origin isolated" : "on one thread without isolation"}, and says so`, async () => {
      const path = "/train?model=cnn&epochs=1&n=1000";
      const page = await site.open(path, { base: isolated ? undefined : plain.url });
      await page.waitForFunction(() => document.querySelector(".train-panel")?.getAttribute("data-state") === "ready", null, { timeout: 60_000 });
      assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), isolated);
      await page.click(".train-button");
      await page.waitForFunction(() => ["done", "error"].includes(document.querySelector(".train-panel")?.getAttribute("data-state") ?? ""), null, { timeout: 300_000 });
      const panel = await page.locator(".train-panel").evaluate((el) => ({ ...(el as HTMLElement).dataset, status: el.querySelector(".train-status")?.textContent ?? "" }) as Record<string, string>);
      assert.equal(panel.state, "done", panel.status);
      assert.equal(panel.trainedOn, "wasm");
      assert.match(panel.status, /on the wasm backend/);
      // Headless Chromium offers WebGPU and WebGL drawn in software only: both are passed over, with why.
      const passedOver = JSON.parse(panel.passedOver) as { backend: string; error: string }[];
      assert.deepEqual(passedOver.map((a) => a.backend), ["webgpu", "webgl"]);
      for (const a of passedOver) assert.match(a.error, /software rendering only/);
      assert.match(panel.status, /passed over: webgpu \(software rendering only, by swiftshader\)/i);
      assert.ok(Number(panel.accuracy) > 0.5, `test accuracy ${panel.accuracy} after one epoch of 1,000 images`);
      const threads = Number(panel.threads);
      if (isolated) assert.ok(threads >= Math.min(2, await page.evaluate(() => navigator.hardwareConcurrency)), `${threads} threads`);
      else assert.equal(threads, 1);
      assert.deepEqual(await site.finish(page), []);
    });
  }

  // The MLP, because in software every one of the CNN's shaders costs seconds to compile.
  it("trains on WebGPU when the address asks for it, even drawn in software", async () => {
    const page = await site.open("/train?model=mlp&epochs=1&n=500&backend=webgpu");
    await page.waitForFunction(() => ["ready", "error"].includes(document.querySelector(".train-panel")?.getAttribute("data-state") ?? ""), null, { timeout: 120_000 });
    await page.click(".train-button");
    await page.waitForFunction(() => ["done", "error"].includes(document.querySelector(".train-panel")?.getAttribute("data-state") ?? ""), null, { timeout: 300_000 });
    const panel = await page.locator(".train-panel").evaluate((el) => ({ ...(el as HTMLElement).dataset, status: el.querySelector(".train-status")?.textContent ?? "" }) as Record<string, string>);
    assert.equal(panel.state, "done", panel.status);
    assert.equal(panel.trainedOn, "webgpu");
    assert.match(panel.status, /on the webgpu backend, as the address asks/);
    assert.ok(Number(panel.accuracy) > 0.2, `test accuracy ${panel.accuracy} after one epoch of 500 images`);
    assert.deepEqual(await site.finish(page), []);
  });
});
