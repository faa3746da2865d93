// "Download CSV" for the data behind a chart or table: rows of plain objects written with d3's CSV
// formatter into a file the browser saves, so readers can take any figure of the report elsewhere.
import * as d3 from "d3";
import type { GroupSummary } from "../../loaders/report/report.ts";
import type { RunSummary } from "../../loaders/report/summary.ts";
import {html} from "./untyped.js";

/** Where the button is and what it saves. */
export interface DownloadCsvOptions {
  filename?: string;
  label?: string;
}
/** Rows of plain objects, one CSV line each; their first row's fields name the columns. */
export type CsvRows = readonly object[];
/** What groupRows reads of a group over seeds (loaders' group summaries). */
export type CsvGroup = Pick<GroupSummary, "title" | "id" | "seeds" | "completedCount" | "testAccuracy" | "params" | "trainSeconds">;
/** What runRows reads of a run summary; a run without a group is its own. */
export type CsvRun = Pick<RunSummary, "id" | "title" | "seed" | "status" | "testAccuracy" | "testLoss" | "params" | "epochsRun" | "trainSeconds" | "trainCount" | "testCount"> & {
  group?: string | null;
};

/** A small button that saves `rows` (or what `rows()` returns when clicked) as `filename`. */
export function DownloadCsv(rows: CsvRows | (() => CsvRows), {filename = "data.csv", label = "Download CSV"}: DownloadCsvOptions = {}): HTMLElement {
  const button = html`<button type="button" class="download-csv" title=${`Save the data of this view as ${filename}`}>${label}</button>`;
  button.onclick = () => {
    const data = typeof rows === "function" ? rows() : rows;
    const blob = new Blob([d3.csvFormat(data)], {type: "text/csv;charset=utf-8"});
    const url = URL.createObjectURL(blob);
    const link = Object.assign(document.createElement("a"), {href: url, download: filename});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return button;
}

/** One row per configuration over its seeds (loaders' group summaries), for a CSV of a group table. */
export function groupRows(groups: readonly CsvGroup[]) {
  return groups.map((g) => ({
    model: g.title,
    id: g.id,
    seeds: g.seeds.join(" "),
    completed: g.completedCount,
    testAccuracyMean: g.testAccuracy?.mean ?? null,
    testAccuracyLow95: g.testAccuracy?.hasInterval ? g.testAccuracy.low : null,
    testAccuracyHigh95: g.testAccuracy?.hasInterval ? g.testAccuracy.high : null,
    testAccuracySd: g.testAccuracy?.sd ?? null,
    parameters: g.params,
    trainSecondsMean: g.trainSeconds
  }));
}

/** One row per run (run summaries), for a CSV of every seed's figures. */
export function runRows(runs: readonly CsvRun[]) {
  return runs.map((r) => ({
    id: r.id,
    title: r.title,
    group: r.group ?? r.id,
    seed: r.seed,
    status: r.status,
    testAccuracy: r.testAccuracy,
    testLoss: r.testLoss,
    parameters: r.params,
    epochs: r.epochsRun,
    trainSeconds: r.trainSeconds,
    trainCount: r.trainCount,
    testCount: r.testCount
  }));
}
