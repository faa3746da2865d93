// Observable Framework configuration: pages, and the data files built from the experiment declarations.
import { readFileSync } from "node:fs";

const declarations = JSON.parse(readFileSync(new URL("./data/experiments.json", import.meta.url), "utf8"));
const families = [...new Set<string>(declarations.experiments.map((e: { family: string }) => e.family))];
const studies: { id: string; title: string }[] = declarations.studies ?? [];
const datasets = [...new Set<string>(["mnist", ...declarations.experiments.map((e: { dataset?: string }) => e.dataset ?? declarations.defaults.dataset)])];

export default {
  title: "MNIST findings",
  root: "src",
  output: "dist",
  pages: [
    { name: "The data", path: "/data" },
    {
      name: "Models",
      pages: [
        { name: "Baseline MLP", path: "/baseline" },
        { name: "Deeper MLPs", path: "/deeper-mlps" },
        { name: "CNNs", path: "/cnns" }
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
        { name: "Train in the page", path: "/train" }
      ]
    },
    { name: "What it cost", path: "/cost" }
  ],
  // The default theme links web fonts; the report makes no request outside itself.
  globalStylesheets: [],
  style: "style.css",
  toc: true,
  search: false,
  pager: true,
  footer: "Every figure on this site comes from a run trained and stored by this project's own code.",
  dynamicPaths: [
    ...families.map((family) => `/data/family/${family}.json`),
    ...datasets.map((dataset) => `/data/dataset/${dataset}.json`),
    ...studies.map((study) => `/data/study/${study.id}.json`)
  ]
};
