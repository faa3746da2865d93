// Horizontal bars with each label written above its bar, across the chart's width: long run titles
// then fit a phone as well as a desktop, where a left margin would cut them or crowd the bars out.
import * as Plot from "@observablehq/plot";

const ROW = 34;

/**
 * One bar per datum of `data` (in the given order): `x` its length, `label` the text above it
 * (shortened with an ellipsis where the chart is too narrow; the full text is in the tooltip).
 * `fill` may name a field (then a legend is drawn) or be a colour.
 */
export function LabelledBars(data, {x, label, fill = "currentColor", color, width, xLabel, format = (d) => d, tickFormat = format, title}) {
  const key = (d, i) => i;
  const rows = data.map((d, i) => ({...d, __row: key(d, i)}));
  const fieldFill = typeof fill === "string" && rows.length && fill in rows[0];
  return Plot.plot({
    width,
    height: ROW * rows.length + 40,
    marginLeft: 16,
    marginRight: 24,
    // tickFormat null: Plot's own, which keeps enough digits to tell ticks apart.
    x: {label: xLabel, grid: true, ...(tickFormat ? {tickFormat} : {}), ticks: Math.max(2, Math.floor(width / 90))},
    y: {axis: null, domain: rows.map((d) => d.__row), padding: 0},
    color: color ?? (fieldFill ? {legend: true} : undefined),
    marks: [
      Plot.barX(rows, {y: "__row", x, fill, insetTop: ROW / 2, insetBottom: 3, title: title ?? ((d) => `${d[label]}: ${format(d[x])}`)}),
      Plot.text(rows, {y: "__row", text: label, frameAnchor: "left", textAnchor: "start", dy: -7, lineWidth: Math.max(10, (0.85 * (width - 40)) / 10), textOverflow: "ellipsis-middle"}),
      Plot.ruleX([0])
    ]
  });
}
