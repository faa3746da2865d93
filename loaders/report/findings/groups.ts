// Runs grouped by configuration: the runs of one declaration that differ only in their seed
// (`seeds` in data/experiments/, `finalRepeats` of a tuner), with the mean and 95% interval of
// each figure over the seeds. Pages and claims read a configuration's result from its group.
import { seedInterval, type SeedSummary } from "../stats.ts";

/** What grouping needs of a run summary (loaders/report/summary.ts: summarize). */
export interface GroupableRun {
  id: string;
  group: string;
  seed: number;
  title: string;
  status: string;
  testAccuracy: number | null;
  testLoss: number | null;
  finalTrainAccuracy: number | null;
  finalValAccuracy: number | null;
  /** A search's objective for the run (best validation accuracy of any epoch), where the summary has it. */
  bestValAccuracy?: number | null;
}

export interface RunGroup<R extends GroupableRun = GroupableRun> {
  /** The group's id: the id of its first seed's run. */
  id: string;
  /** The first seed's title (the others add "(seed N)"). */
  title: string;
  /** The first seed's run: the one that keeps weights and stands for the group in per-run views. */
  first: R;
  /** Every run of the group, first seed first. */
  runs: R[];
  /** The runs that completed with test figures. */
  completed: R[];
  seeds: number[];
  /** Over the completed runs; null when none completed. */
  testAccuracy: SeedSummary | null;
  testLoss: SeedSummary | null;
  /** Final training accuracy minus final validation accuracy, per completed run. */
  trainValGap: SeedSummary | null;
}

function summary(values: (number | null)[]): SeedSummary | null {
  const finite = values.filter((v): v is number => v != null && Number.isFinite(v));
  return finite.length ? seedInterval(finite) : null;
}

/** Groups runs by `group`, in the order each group's first run appears; runs keep their given order within a group. */
export function groupRuns<R extends GroupableRun>(runs: readonly R[]): RunGroup<R>[] {
  const byGroup = new Map<string, R[]>();
  for (const run of runs) {
    let list = byGroup.get(run.group);
    if (!list) byGroup.set(run.group, (list = []));
    list.push(run);
  }
  return [...byGroup.entries()].map(([id, members]) => {
    const first = members.find((r) => r.id === id) ?? members[0];
    const ordered = [first, ...members.filter((r) => r !== first)];
    const completed = ordered.filter((r) => r.status === "completed" && r.testAccuracy != null);
    return {
      id,
      title: first.title,
      first,
      runs: ordered,
      completed,
      seeds: ordered.map((r) => r.seed),
      testAccuracy: summary(completed.map((r) => r.testAccuracy)),
      testLoss: summary(completed.map((r) => r.testLoss)),
      trainValGap: summary(completed.map((r) => (r.finalTrainAccuracy != null && r.finalValAccuracy != null ? r.finalTrainAccuracy - r.finalValAccuracy : null)))
    };
  });
}

/** Mean test accuracy of a group, or -Infinity when it has none (so it sorts last). */
export const meanAccuracy = (g: RunGroup): number => g.testAccuracy?.mean ?? -Infinity;
