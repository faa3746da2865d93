// The layering of loaders/ (README: "Read the code in this order"): each floor imports only from the
// floors below it, never back up, and nothing imports in a circle. test/architecture.test.ts runs it.
const L = "(^|/)loaders/";
/** The part of the engine the page loads too (src/engine links to loaders/engine): the training kernels. */
const BROWSER_ENGINE = `${L}engine/(kernels/[^/]+|simd|wasmAssembler|adam)\\.ts$`;
const floor = (name, above) => ({
  name: `${name}-imports-above`,
  comment: `loaders/${name}/ may only import from the floors below it`,
  severity: "error",
  from: { path: `${L}${name}/` },
  to: { path: `${L}(${above.join("|")})(/|\\.ts$)` }
});

module.exports = {
  forbidden: [
    {
      name: "spec-imports-above",
      comment: "loaders/spec/ is the ground floor: the vocabulary every other folder speaks",
      severity: "error",
      from: { path: `${L}spec/` },
      to: { path: `${L}`, pathNot: `${L}spec/` }
    },
    {
      name: "config-imports-above",
      comment: "loaders/config.ts reads settings and paths; it may only use loaders/spec/",
      severity: "error",
      from: { path: `${L}config\\.ts$` },
      to: { path: `${L}`, pathNot: `${L}(spec/|config\\.ts$)` }
    },
    floor("data", ["engine", "training", "experiments", "classical", "report", "cli"]),
    floor("engine", ["data", "training", "experiments", "classical", "report", "cli"]),
    floor("training", ["experiments", "classical", "report", "cli"]),
    floor("experiments", ["classical", "report", "cli"]),
    floor("classical", ["report", "cli"]),
    floor("report", ["cli"]),
    {
      name: "loaders-import-the-site-or-tests",
      comment: "the pipeline never imports pages, components, tests, the benchmark or scripts",
      severity: "error",
      from: { path: `${L}` },
      to: { path: "(^|/)(src|test|bench|scripts)/" }
    },
    {
      name: "bench-imports-tests",
      comment: "the benchmark stands on its own: no test helpers",
      severity: "error",
      from: { path: "(^|/)bench/" },
      to: { path: "(^|/)test/" }
    },
    {
      name: "components-import-loaders",
      comment: "page components run in the browser: from the loaders they take types only, and the training kernels (through src/engine)",
      severity: "error",
      from: { path: "(^|/)src/components/" },
      to: { path: `${L}`, pathNot: `${BROWSER_ENGINE}`, dependencyTypesNot: ["type-only"] }
    },
    {
      name: "browser-engine-imports-node",
      comment: "the training kernels also run in the reader's browser: no Node built-ins, settings or Node-only set-up",
      severity: "error",
      from: { path: `${BROWSER_ENGINE}` },
      to: { dependencyTypes: ["core"] }
    },
    {
      name: "browser-engine-imports-node-modules",
      comment: "the training kernels also run in the reader's browser: only browser-safe modules (not the wasm backend's Node entry, config.ts or the Node threads set-up)",
      severity: "error",
      from: { path: `${BROWSER_ENGINE}` },
      to: { path: `(^|/)node_modules/@tensorflow/tfjs-backend-wasm/|${L}(config\\.ts$|engine/(backend|wasmThreads|nadam)\\.ts$|(data|training|experiments|classical|report|cli|spec)/)` }
    },
    {
      name: "no-circular",
      comment: "no module imports itself through others",
      severity: "error",
      from: {},
      to: { circular: true }
    }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|test-output)/|\\.observablehq/" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js", ".d.ts"] }
  }
};
