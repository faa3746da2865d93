// Number formats shared by the report's components and pages, so a figure reads the same everywhere.
import * as d3 from "d3";

const percentFormats = new Map<number, (x: number) => string>();

/** 0.9748 → "97.48%" (digits after the point, default 2); null → "—". */
export function percent(x: number | null | undefined, digits = 2): string {
  if (x == null || !Number.isFinite(x)) return "—";
  let f = percentFormats.get(digits);
  if (!f) percentFormats.set(digits, (f = d3.format(`.${digits}%`)));
  return f(x);
}

/** A difference of two proportions in percentage points, signed: +0.35 pp. */
export function points(x: number | null | undefined, digits = 2): string {
  if (x == null || !Number.isFinite(x)) return "—";
  const value = Math.abs(x * 100).toFixed(digits);
  // A difference that rounds to zero carries no sign.
  return `${Number(value) === 0 ? "" : x > 0 ? "+" : "−"}${value} pp`;
}

/** Integers with thousands separators: 101770 → "101,770". */
export const integer = (x: number | null | undefined): string => (x == null || !Number.isFinite(x) ? "—" : d3.format(",d")(Math.round(x)));

/** Loss values: three significant decimals. */
export const loss = (x: number | null | undefined): string => (x == null || !Number.isFinite(x) ? "—" : d3.format(".4f")(x));

/** A ratio such as 6.6×. */
/** A learning rate to three significant digits: 0.008964566 → "0.00896", 0.001 → "0.001". */
export const rate = (x: number | null | undefined): string => (x == null || !Number.isFinite(x) ? "—" : d3.format(".3~g")(x));

export const times = (x: number | null | undefined, digits = 1): string => (x == null || !Number.isFinite(x) ? "—" : `${x.toFixed(digits)}×`);

/** Seconds as "42 s", "3 min 05 s" or "1 h 02 min". */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** "one", "two", … for small counts in prose; digits beyond ten. */
export function count(n: number): string {
  const words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
  return n >= 0 && n < words.length ? words[n] : integer(n);
}

/** "a, b and c". */
/** "a" or "an" before a class name as it is read aloud: an 8, an 11, an Ankle boot, a Shirt. */
export const article = (name: string): string => (/^(8|11|18|[aeiou])/i.test(name) ? "an" : "a");

export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** Where each model family's page lives, relative to the site root. */
export const familyPages: Record<string, string> = {"baseline-mlp": "./baseline", "deep-mlp": "./deeper-mlps", cnn: "./cnns"};

/** The link to one run's section on its family page. */
export function runHref(run: { id: string; family?: string | null }): string {
  return `${(run.family != null && familyPages[run.family]) || "."}#run-${run.id}`;
}

/** The size of a difference of two proportions, unsigned, for prose: "6.00 percentage points". */
export function gap(x: number | null | undefined, digits = 2): string {
  if (x == null || !Number.isFinite(x)) return "—";
  return `${Math.abs(x * 100).toFixed(digits)} percentage point${Math.abs(x * 100).toFixed(digits) === "1.00" ? "" : "s"}`;
}

/** First letter upper-cased, for sentences that open with a computed word. */
export const capitalize = (s: string): string => (s ? s[0].toUpperCase() + s.slice(1) : s);

/** A source write-up's short name: "004_9f608cfe23ec8728.txt" → "write-up 004". */
export function writeup(source: string | null | undefined): string {
  const match = /^(\d+)_/.exec(source ?? "");
  return match ? `write-up ${match[1]}` : (source ?? "");
}
