// Observable Framework configuration: pages, and the data files built from the experiment declarations.
import { readFileSync } from "node:fs";

const declarations = JSON.parse(readFileSync(new URL("./data/experiments.json", import.meta.url), "utf8"));
const families = [...new Set<string>(declarations.experiments.map((e: { family: string }) => e.family))];
const studies: { id: string; title: string }[] = declarations.studies ?? [];
// Tasks (dataset and classes, as loaders/report/report.ts taskOf names them): the comparison page's data files.
const tasks = [
  ...new Set<string>(
    declarations.experiments.map((e: { dataset?: string; classes?: number[] }) => `${e.dataset ?? declarations.defaults.dataset}${e.classes ? `-${e.classes.join("v")}` : ""}`)
  )
];
const datasets = [...new Set<string>(["mnist", ...declarations.experiments.map((e: { dataset?: string }) => e.dataset ?? declarations.defaults.dataset)])];

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
        { name: "The hardest images", path: "/ledger" }
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
    ...tasks.flatMap((task) => [`/data/compare/${task}.bin`, `/data/compare-images/${task}.bin`])
  ]
};
