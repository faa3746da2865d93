// Our test accuracy beside the figure a source write-up reported for the same (or a close) model.
import type { Experiment } from "../../loaders/spec/schema.ts";
import {html} from "./untyped.js";
import {percent, points, runHref, writeup} from "./format.js";

/** What referenceRows reads of a run (a run summary): its figure and the write-ups' figures for it. */
export interface ReferenceRun {
  id: string;
  title: string;
  family?: string | null;
  testAccuracy: number | null;
  reference?: readonly Experiment["reference"][number][] | null;
}
/** One write-up's figure beside ours; `difference` is ours minus theirs, null while we have none. */
export interface ReferenceRow {
  id: string;
  title: string;
  family: string | null | undefined;
  source: string;
  theirs: number;
  ours: number | null;
  difference: number | null;
  note: string;
}

/** Rows {id, title, family, source, theirs, ours, difference, note} for every reference that has a number. */
export function referenceRows(runs: readonly ReferenceRun[]): ReferenceRow[] {
  return runs.flatMap((run) =>
    (run.reference ?? [])
      .filter((ref): ref is typeof ref & { testAccuracy: number } => ref.testAccuracy != null)
      .map((ref) => ({
        id: run.id,
        title: run.title,
        family: run.family,
        source: ref.source,
        theirs: ref.testAccuracy,
        ours: run.testAccuracy,
        difference: run.testAccuracy == null ? null : run.testAccuracy - ref.testAccuracy,
        note: ref.note
      }))
  );
}

/** An HTML table: experiment, source write-up, their accuracy, ours, difference in points, their note. */
export function ReferenceTable(runs: readonly ReferenceRun[]): HTMLElement {
  const rows = referenceRows(runs);
  return html`<table class="reference-table">
    <thead><tr><th>Experiment</th><th>Write-up</th><th class="num">Theirs</th><th class="num">Ours</th><th class="num">Difference</th><th>What they trained</th></tr></thead>
    <tbody>${rows.map(
      (d) => html`<tr>
        <td><a href=${runHref(d)}>${d.title}</a></td>
        <td title=${d.source}>${writeup(d.source)}</td>
        <td class="num">${percent(d.theirs)}</td>
        <td class="num">${percent(d.ours)}</td>
        <td class=${`num ${d.difference == null ? "" : d.difference < 0 ? "behind" : "ahead"}`}>${points(d.difference)}</td>
        <td>${d.note}</td>
      </tr>`
    )}</tbody>
  </table>`;
}
