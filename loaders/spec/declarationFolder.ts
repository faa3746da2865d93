// Declarations kept as a folder (data/experiments/): project.json holds the defaults, the profiles and
// the order of the studies; models.json the model families' experiments; <study>.json each study's
// title, question, experiments and searches. They are read back into the one object the schema checks,
// each entry remembering its file, so that an error names the file it is in.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { DeclarationError } from "./errors.ts";

/** The file of a folder that is not a study. */
const PROJECT = "project.json";
const MODELS = "models.json";

/** One declarations file as an object, or a DeclarationError naming the file and what is wrong with it. */
export function readDeclarationFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new DeclarationError(`${file}: cannot read the experiment declarations (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DeclarationError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new DeclarationError(`${file}: expected an object of fields`);
  return raw as Record<string, unknown>;
}

function entries(file: string, raw: Record<string, unknown>, field: string): Record<string, unknown>[] {
  const value = raw[field] ?? [];
  if (!Array.isArray(value) || value.some((e) => !e || typeof e !== "object" || Array.isArray(e))) {
    throw new DeclarationError(`${file}: field "${field}": expected a list of objects`);
  }
  return value as Record<string, unknown>[];
}

function onlyFields(file: string, raw: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(raw).filter((k) => !allowed.includes(k));
  if (extra.length) throw new DeclarationError(`${file}: field "${extra[0]}": not expected here (expected ${allowed.join(", ")})`);
}

/**
 * The declarations of a folder as one object of the single-file shape ({defaults, profiles,
 * experiments, studies, tuners}), each experiment and tuner carrying `$file`. A study's entries get
 * `study` from their file; one naming another study is an error.
 */
export function combinedDeclarations(dir: string): Record<string, unknown> {
  const projectFile = join(dir, PROJECT);
  if (!existsSync(projectFile)) throw new DeclarationError(`${dir}: no ${PROJECT} (the defaults, profiles and study order of a declarations folder)`);
  const project = readDeclarationFile(projectFile);
  onlyFields(projectFile, project, ["$comment", "defaults", "profiles", "studies"]);
  const order = project.studies ?? [];
  if (!Array.isArray(order) || order.some((id) => typeof id !== "string" || !/^[a-z0-9-]+$/.test(id))) {
    throw new DeclarationError(`${projectFile}: field "studies": expected the study ids in order, e.g. ["homework", "dynamics"]`);
  }
  const files = readdirSync(dir).filter((name) => name.endsWith(".json") && statSync(join(dir, name)).isFile());
  const strays = files.filter((name) => name !== PROJECT && name !== MODELS && !order.includes(basename(name, ".json")));
  if (strays.length) throw new DeclarationError(`${join(dir, strays[0])}: not a study listed in ${projectFile} (field "studies")`);
  const experiments: Record<string, unknown>[] = [];
  const tuners: Record<string, unknown>[] = [];
  const studies: Record<string, unknown>[] = [];
  if (existsSync(join(dir, MODELS))) {
    const file = join(dir, MODELS);
    const models = readDeclarationFile(file);
    onlyFields(file, models, ["$comment", "experiments"]);
    experiments.push(...entries(file, models, "experiments").map((e) => ({ ...e, $file: file })));
  }
  for (const id of order as string[]) {
    const file = join(dir, `${id}.json`);
    if (!existsSync(file)) throw new DeclarationError(`${projectFile}: field "studies": study "${id}" has no file ${file}`);
    const study = readDeclarationFile(file);
    onlyFields(file, study, ["$comment", "title", "question", "experiments", "tuners"]);
    studies.push({ id, title: study.title, question: study.question });
    for (const [field, list] of [["experiments", experiments], ["tuners", tuners]] as const) {
      for (const entry of entries(file, study, field)) {
        if (entry.study != null && entry.study !== id) {
          throw new DeclarationError(`${file}: ${field === "experiments" ? "experiment" : "tuner"} "${String(entry.id)}": field "study": "${String(entry.study)}", but this file is study "${id}"`);
        }
        list.push({ ...entry, study: id, $file: file });
      }
    }
  }
  return { $comment: project.$comment, defaults: project.defaults, profiles: project.profiles, studies, experiments, tuners };
}
