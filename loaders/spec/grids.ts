// Grids and seeds in declarations: an entry with a "grid" becomes one experiment per combination of
// its axes' values, and an entry with "seeds" one run per seed.
import { z } from "zod";
import { DeclarationError, describeIssues } from "./errors.ts";

/**
 * One axis of a grid: `path` is a dotted field path into the experiment ("batchSize",
 * "optimizer.learningRate"); "layers.*.activation" sets the field on every dense and conv2d layer;
 * "." merges each value (an object of fields, e.g. {"trainSize": 10, "epochs": 100}) into the experiment.
 */
const GridAxisSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, "letters and digits, starting with a letter"),
  path: z.string().min(1),
  values: z.array(z.unknown()).min(1),
  /** Short labels for the values, used in ids and titles; default: the values themselves. */
  labels: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes")).optional()
});
type GridAxis = z.infer<typeof GridAxisSchema>;

function valueLabel(value: unknown): string {
  if (typeof value === "number") return String(value).toLowerCase().replace("+", "").replace(".", "p");
  if (typeof value === "string") return value.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  throw new Error("needs labels");
}

function mergeObject(entry: Record<string, unknown>, value: unknown, where: string): Record<string, unknown> {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new DeclarationError(`${where}: with path "." each value must be an object of fields`);
  return { ...entry, ...(value as Record<string, unknown>) };
}

/** Sets `value` at a dotted path, copying objects on the way; "*" walks every dense and conv2d layer. */
function setPath(target: unknown, path: string[], value: unknown, where: string): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (head === "*") {
    if (!Array.isArray(target)) throw new DeclarationError(`${where}: "*" must point at an array`);
    return target.map((item) =>
      item && typeof item === "object" && ["dense", "conv2d"].includes((item as { type?: string }).type ?? "")
        ? setPath(item, rest, value, where)
        : item
    );
  }
  if (Array.isArray(target)) {
    const i = Number(head);
    if (!Number.isInteger(i) || i < 0 || i >= target.length) throw new DeclarationError(`${where}: no element ${head}`);
    return target.map((item, j) => (j === i ? setPath(item, rest, value, where) : item));
  }
  const object = target && typeof target === "object" ? (target as Record<string, unknown>) : {};
  return { ...object, [head]: setPath(object[head], rest, value, where) };
}

/**
 * An entry with a `grid` becomes one experiment per combination of the axes' values: the id gets
 * "-<label>" per axis, the title "(name label, ...)", and `variant` records the coordinates.
 */
export function expandGrid(entry: Record<string, unknown>, where: string): Record<string, unknown>[] {
  if (entry.grid === undefined) return [entry];
  const parsed = z.array(GridAxisSchema).min(1).safeParse(entry.grid);
  if (!parsed.success) throw new DeclarationError(`${where}: field "grid": ${describeIssues(parsed.error).replace(/field "/g, 'field "grid.')}`);
  const axes: (GridAxis & { labels: string[] })[] = parsed.data.map((axis, a) => {
    if (axis.labels && axis.labels.length !== axis.values.length) {
      throw new DeclarationError(`${where}: field "grid.${a}.labels": ${axis.labels.length} labels for ${axis.values.length} values`);
    }
    let labels: string[];
    try {
      labels = axis.labels ?? axis.values.map(valueLabel);
    } catch {
      throw new DeclarationError(`${where}: field "grid.${a}.labels": values of axis "${axis.name}" are not numbers or strings, so labels are required`);
    }
    if (new Set(labels).size !== labels.length) throw new DeclarationError(`${where}: field "grid.${a}": axis "${axis.name}" has repeated values or labels`);
    return { ...axis, labels };
  });
  let combos: { entry: Record<string, unknown>; labels: string[]; variant: Record<string, string | number> }[] = [
    { entry: { ...entry, grid: undefined }, labels: [], variant: {} }
  ];
  axes.forEach((axis, a) => {
    const path = axis.path.split(".");
    combos = combos.flatMap((combo) =>
      axis.values.map((value, v) => ({
        entry:
          axis.path === "."
            ? mergeObject(combo.entry, value, `${where}: field "grid.${a}.values.${v}"`)
            : (setPath(combo.entry, path, value, `${where}: field "grid.${a}.path"`) as Record<string, unknown>),
        labels: [...combo.labels, axis.labels[v]],
        variant: { ...combo.variant, [axis.name]: typeof value === "number" || typeof value === "string" ? value : axis.labels[v] }
      }))
    );
  });
  return combos.map(({ entry: e, labels, variant }) => {
    const { grid: _g, ...rest } = e;
    return {
      ...rest,
      id: `${String(entry.id)}-${labels.join("-")}`,
      title: `${String(entry.title)} (${axes.map((axis, a) => `${axis.name} ${labels[a]}`).join(", ")})`,
      variant
    };
  });
}

const SeedsSchema = z
  .array(z.number().int().nonnegative())
  .min(1)
  .refine((seeds) => new Set(seeds).size === seeds.length, "each seed may be listed once");

/**
 * An entry with `seeds` (e.g. [1, 2, 3]) becomes one run per seed, so that its results can be
 * given with the spread between seeds. The first seed's run keeps the entry's id and title and is
 * the one that keeps weights; the others are "<id>-s<seed>", "<title> (seed <seed>)". Every run of
 * the entry records `group`: the entry's id. A grid's runs are expanded first, so each grid point
 * is repeated.
 */
export function expandSeeds(entry: Record<string, unknown>, where: string): Record<string, unknown>[] {
  if (entry.seeds === undefined) return [entry];
  const parsed = SeedsSchema.safeParse(entry.seeds);
  if (!parsed.success) throw new DeclarationError(`${where}: field "seeds": ${parsed.error.issues[0].message} (expected a list of distinct non-negative integers, got ${JSON.stringify(entry.seeds)})`);
  if (entry.variant && typeof entry.variant === "object" && "seed" in entry.variant) {
    throw new DeclarationError(`${where}: field "seeds": the grid already has an axis named "seed"; use one or the other`);
  }
  const { seeds: _s, ...rest } = entry;
  const id = String(entry.id);
  return parsed.data.map((seed, i) =>
    i === 0
      ? { ...rest, seed, group: id }
      : { ...rest, id: `${id}-s${seed}`, title: `${String(entry.title)} (seed ${seed})`, seed, group: id, keepWeights: false }
  );
}
