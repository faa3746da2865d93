// Horizontal bars with each label written above its bar, across the chart's width: long run titles
// then fit a phone as well as a desktop, where a left margin would cut them or crowd the bars out.

/** What LabelledBars draws: the field of each bar's length and of its label, and how. */
export interface LabelledBarsOptions {
  x: string;
  label: string;
  fill?: string;
  color?: Plot.ScaleOptions;
  width: number;
  xLabel?: string;
  format?: (value: any) => string;
  tickFormat?: ((value: any) => string) | null;
  title?: (d: Record<string, any>) => string;
  type?: "linear" | "log";
  values?: boolean;
}
import * as Plot from "@observablehq/plot";

/**
 * One bar per datum of `data` (in the given order): `x` its length, `label` the text above it (on one
 * line on a wide chart, shortened with an ellipsis; on a narrow one wrapped onto two lines; the full
 * text is in the tooltip). `fill` may name a field (then a legend is drawn) or be a colour; `color`
 * overrides the colour scale. With `type: "log"` the bars start at 1. `values` writes each bar's figure
 * (through `format`) at its end.
 */
export function LabelledBars(
  data: Record<string, any>[],
  {x, label, fill = "currentColor", color, width, xLabel, format = (d: any) => d, tickFormat = format, title, type = "linear", values = false}: LabelledBarsOptions
): ReturnType<typeof Plot.plot> {
  const rows: Record<string, any>[] = data.map((d, i) => ({...d, __row: i}));
  const fieldFill = typeof fill === "string" && rows.length && fill in rows[0];
  const lines = width < 560 ? 2 : 1;
  const row = 20 + 12 * lines;
  const log = type === "log";
  return Plot.plot({
    width,
    height: row * rows.length + 40,
    marginLeft: 16,
    marginRight: values ? 56 : 24,
    x: {type: type as Plot.ScaleType, label: xLabel, grid: true, ...(tickFormat ? {tickFormat} : {}), ticks: Math.max(2, Math.floor(width / 90))},
    y: {axis: null, domain: rows.map((d) => d.__row), padding: 0},
    color: color ?? (fieldFill ? {legend: true} : undefined),
    marks: [
      Plot.barX(rows, {y: "__row", ...(log ? {x1: () => 1, x2: x} : {x}), fill, insetTop: row - 17, insetBottom: 3, title: title ?? ((d: Record<string, any>) => `${d[label]}: ${format(d[x])}`)}),
      // The label's last line sits just above its bar.
      Plot.text(rows, {y: "__row", text: label, frameAnchor: "left", textAnchor: "start", lineAnchor: "bottom", dy: row / 2 - 19, lineWidth: Math.max(10, (0.85 * (width - 40)) / 10), ...(lines === 1 ? {textOverflow: "ellipsis-middle"} : {})}),
      values ? Plot.text(rows, {y: "__row", x, text: (d: Record<string, any>) => format(d[x]), dx: 4, dy: row / 2 - 10, textAnchor: "start"}) : null,
      log ? null : Plot.ruleX([0])
    ]
  });
}
