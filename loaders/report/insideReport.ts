// A study's record of its networks' insides for its page (loaders/spec/inside.ts): for every run that
// recorded them, each layer's gradient norm per epoch; for each configuration's first seed, each layer's
// weight histogram per epoch too (the page draws one configuration's at a time, so one seed is enough).
import { readInside } from "../experiments/store.ts";
import { ensureStudy } from "../experiments/studies.ts";
import { INSIDE_FILE } from "../spec/inside.ts";
import type { ProfileName } from "../spec/schema.ts";

/** Four significant digits: what a chart can show, in a third of the characters. */
const short = (x: number) => (x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(4)));

export async function insideReport(profile: ProfileName, studyId: string) {
  const { experiments } = await ensureStudy(profile, studyId);
  const runs = experiments.flatMap(({ planned, record }) => {
    const inside = record.files?.[INSIDE_FILE] ? readInside(planned.dir) : null;
    if (!inside) return [];
    const e = planned.experiment;
    const group = e.group ?? e.id;
    return [
      {
        id: e.id,
        title: e.title,
        group,
        seed: e.seed,
        variant: e.variant ?? null,
        status: record.status,
        /** Per epoch (0: before training), each layer's gradient norm on the probe batch. */
        gradientNorms: inside.epochs.map((epoch) => epoch.layers.map((l) => (l.gradientNorm == null ? null : short(l.gradientNorm)))),
        /** The first seed's weights per epoch and layer: the range, the standard deviation and the bin counts. */
        histograms: group === e.id ? inside.epochs.map((epoch) => epoch.layers.map((l) => ({ min: short(l.min), max: short(l.max), std: short(l.std), counts: l.counts }))) : null,
        layers: inside.layers.map((l) => ({ label: l.label, weights: l.weights })),
        probe: inside.probe
      }
    ];
  });
  if (runs.length === 0) throw new Error(`study "${studyId}" has no run that records its insides ("recordInside": true in its declaration)`);
  return { profile, study: studyId, runs };
}
