// Study 9 in a child process of its own, started by ensureClassicalInChild: computes and stores the
// result (PCA, clustering, classical classifiers). Progress goes to stderr.
import { parseArgs } from "node:util";
import { ensureClassical } from "./classical.ts";
import { exitWithParent } from "../experiments/orphan.ts";
import { currentProfile } from "../config.ts";

const { values } = parseArgs({ options: { profile: { type: "string" }, force: { type: "boolean", default: false } } });
const profile = values.profile ?? currentProfile();
// Started by `npm run train` or a build, it stops when they are gone rather than compute for no one.
exitWithParent();
const start = performance.now();
const { dir, computed } = await ensureClassical(profile, { force: values.force });
process.stderr.write(`${computed ? "computed" : "already stored"}: ${dir} (${((performance.now() - start) / 1000).toFixed(1)} s)\n`);
