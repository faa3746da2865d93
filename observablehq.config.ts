// Observable Framework configuration: pages, and the data files built from the experiment declarations.
import { DECLARATIONS_DIR } from "./loaders/config.ts";
import { taskOf } from "./loaders/report/summary.ts";
import { MAP_MODELS } from "./loaders/report/mapModels.ts";
import { readDeclarations } from "./loaders/spec/schema.ts";

// Framework loads this file with tsx, so it reads the declarations as the pipeline does.
const declarations = readDeclarations(DECLARATIONS_DIR);
const families = [...new Set(declarations.experiments.map((e) => e.family))];
const studies = declarations.studies;
// The comparison page's data files: one pair per task (dataset and classes).
const tasks = [...new Set(declarations.experiments.map((e) => taskOf(e).task))];
const datasets = [...new Set(["mnist", ...declarations.experiments.map((e) => e.dataset)])];

export default {
  title: "MNIST findings",
  root: "src",
  // scripts/build.ts builds into a temporary folder and swaps it in only when the build succeeded.
  output: process.env.REPORT_OUTPUT ?? "dist",
  pages: [
    { name: "The data", path: "/data" },
    {
      name: "Models",
      pages: [
        { name: "Baseline MLP", path: "/baseline" },
        { name: "Deeper MLPs", path: "/deeper-mlps" },
        { name: "CNNs", path: "/cnns" },
        { name: "The hardest images", path: "/ledger" },
        { name: "The test set on a map", path: "/map" }
      ]
    },
    {
      name: "Studies",
      pages: [
        ...studies.map((study) => ({ name: study.title.replace(/:.*$/, ""), path: `/studies/${study.id}` })),
        { name: "Beyond the network", path: "/beyond" }
      ]
    },
    {
      name: "Try it",
      pages: [
        { name: "Draw a digit", path: "/draw" },
        { name: "Run explorer", path: "/explorer" },
        { name: "Two runs side by side", path: "/compare" },
        { name: "Train in the page", path: "/train" }
      ]
    },
    { name: "What it cost", path: "/cost" }
  ],
  // The default theme links web fonts; the report makes no request outside itself.
  globalStylesheets: [],
  // An inline icon: browsers ask for /favicon.ico otherwise, a request that would fail.
  head: `<link rel="icon" href="data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#4269d0"/><text x="8" y="12.5" font-family="sans-serif" font-size="11" text-anchor="middle" fill="white">7</text></svg>')}">`,
  style: "style.css",
  toc: true,
  search: false,
  pager: true,
  footer: "Every figure on this site comes from a run trained and stored by this project's own code.",
  dynamicPaths: [
    ...families.map((family) => `/data/family/${family}.json`),
    ...datasets.map((dataset) => `/data/dataset/${dataset}.json`),
    ...studies.map((study) => `/data/study/${study.id}.json`),
    // The studies whose runs record their insides (recordInside): their pages draw them.
    ...studies.filter((study) => declarations.experiments.some((e) => e.study === study.id && e.recordInside)).map((study) => `/data/inside/${study.id}.json`),
    ...tasks.flatMap((task) => [`/data/compare/${task}.bin`, `/data/compare-images/${task}.bin`]),
    ...Object.keys(MAP_MODELS).filter((dataset) => datasets.includes(dataset)).flatMap((dataset) => [`/data/map/${dataset}.json`, `/data/map-images/${dataset}.bin`])
  ]
};
