// The table of every run: what it is, what it cost, how it scored. Titles link to the run's section.
import * as Inputs from "@observablehq/inputs";
import {duration, integer, loss, percent, runHref} from "./format.js";

function link(text, href) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

/** Inputs.table of run summaries, sorted by test accuracy (best first); click a header to re-sort. */
export function RunTable(runs, {sort = "testAccuracy", reverse = true, ...options} = {}) {
  const table = Inputs.table(runs, {
    columns: ["title", "architecture", "params", "testAccuracy", "testLoss", "epochsRun", "trainSeconds", "samplesPerSecond", "status"],
    header: {
      title: "Run",
      architecture: "Layers",
      params: "Parameters",
      testAccuracy: "Test accuracy",
      testLoss: "Test loss",
      epochsRun: "Epochs",
      trainSeconds: "Training time",
      samplesPerSecond: "Images/s",
      status: "Status"
    },
    format: {
      title: (title, i, data) => link(title, runHref(data[i])),
      architecture: (a) => a.replace(/-/g, "-\u200b"), // let long layer lists wrap at the dashes
      params: integer,
      testAccuracy: (x) => percent(x),
      testLoss: loss,
      epochsRun: (x, i, data) => (data[i].stoppedEarly ? `${x} (stopped early)` : String(x)),
      trainSeconds: duration,
      samplesPerSecond: integer,
      status: (s) => {
        const span = document.createElement("span");
        span.textContent = s;
        if (s !== "completed") span.className = "diverged";
        return span;
      }
    },
    layout: "auto",
    sort,
    reverse,
    select: false,
    rows: runs.length + 1,
    ...options
  });
  table.classList.add("run-table");
  return table;
}
