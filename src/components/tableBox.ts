// Inputs tables that show every row at once, without a scroll box: for short tables a reader should
// see whole (a search's trials, per-class scores), where Inputs' own box would cut a row in half.
import {Inputs} from "./untyped.js";
import type {TableOptions, ValueElement} from "./untyped.js";

/** Options of FullTable: those of Inputs.table, less `rows`, which FullTable sets to every row. */
export type FullTableOptions = Omit<TableOptions, "rows">;

/** Inputs.table(data, options) with every row rendered and no scroll box (the stylesheet's `show-all`). */
export function FullTable<T>(data: readonly T[], options: FullTableOptions = {}): ValueElement<T[]> {
  const table = Inputs.table(data, {...options, rows: Math.max(1, data.length)});
  table.classList.add("show-all");
  return table;
}
