// Which profile built the page and what that means in images and epochs, read from the runs themselves.
import * as d3 from "d3";
import type { RunSummary } from "../../loaders/report/summary.ts";
import type { Profile } from "../../loaders/spec/schema.ts";
import {capitalize, list, integer} from "./format.js";

/** What the banner reads of the profile: its name and description. */
export type BannerProfile = Pick<Profile, "name" | "description">;
/** What the banner reads of each run (a run summary): its data sizes, epochs, backend and CPU. */
export type BannerRun = Pick<RunSummary, "trainCount" | "validationCount" | "testCount" | "epochsRun"> & {
  backend?: string | null;
  cpu?: string | null;
};
/** `what` names the runs described, when they are not all the page shows; `note` is a sentence added after. */
export interface ProfileBannerOptions {
  what?: string | null;
  note?: string | null;
}

function span(values: number[], unit: string): string {
  const [lo, hi] = d3.extent(values);
  if (lo == null) return `no ${unit}`;
  if (lo === hi) return `${integer(lo)} ${lo === 1 ? unit.replace(/s$/, "") : unit}`;
  return `${integer(lo)} to ${integer(hi)} ${unit}`;
}

/**
 * A paragraph: profile name and description, training/validation/test sizes, epochs, backend. `what`
 * names the runs described, when they are not all the page shows ("the retrained winners"); `note`
 * is a sentence added after.
 */
export function ProfileBanner(profile: BannerProfile, runs: readonly BannerRun[], {what = null, note = null}: ProfileBannerOptions = {}): HTMLParagraphElement {
  const p = document.createElement("p");
  p.className = "profile-banner";
  // A run's backend reads "wasm", or "wasm, 2 replicas" / "wasm, 2 threads" when it trained over several cores.
  const bases = [...new Set(runs.map((r) => r.backend?.split(",")[0]).filter((b): b is string => Boolean(b)))];
  const modes = [...new Set(runs.map((r) => r.backend?.split(", ")[1]).filter((m): m is string => Boolean(m)))];
  const multicore = runs.filter((r) => r.backend?.includes(",")).length;
  const cpus = [...new Set(runs.map((r) => r.cpu).filter((c): c is string => Boolean(c)))];
  const strong = document.createElement("strong");
  strong.textContent = `${profile.name} profile`;
  p.append(
    "Built with the ",
    strong,
    ` (${profile.description}). ` +
      `${what ? `${capitalize(what)} (${runs.length} run${runs.length === 1 ? "" : "s"}) ${runs.length === 1 ? "was" : "were"}` : runs.length === 1 ? "The run was" : `The ${runs.length} runs were`} trained on ${span(runs.map((r) => r.trainCount), "images")}, ` +
      `validated on ${span(runs.map((r) => r.validationCount), "images")} held out of the training set, ` +
      `and scored on ${span(runs.map((r) => r.testCount), "test images")}; ` +
      `they ran for ${span(runs.map((r) => r.epochsRun), "epochs")}` +
      // "wasm", "wasm, 2 replicas": one backend, on one thread or over several cores.
      (bases.length ? `, on TensorFlow.js's ${list(bases)} backend${bases.length > 1 ? "s" : ""}${multicore ? ` (${multicore === 1 ? "one of them" : `${integer(multicore)} of them`} spread over several cores as ${list(modes)})` : ""}` : "") +
      (cpus.length ? ` on ${list(cpus)}` : "") +
      "." +
      (note ? ` ${note}` : "")
  );
  return p;
}
