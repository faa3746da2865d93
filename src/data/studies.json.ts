// The declared studies, for the overview's list: id, title, question and how many runs and searches each has.
import { readDeclarations } from "../../loaders/spec/schema.ts";
import { DECLARATIONS_DIR } from "../../loaders/config.ts";

const { studies, experiments, tuners } = readDeclarations(DECLARATIONS_DIR);
process.stdout.write(
  JSON.stringify(
    studies.map((s) => ({
      ...s,
      runs: experiments.filter((e) => e.study === s.id).length,
      tuners: tuners.filter((t) => t.study === s.id).length
    }))
  )
);
