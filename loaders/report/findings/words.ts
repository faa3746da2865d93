// How findings are worded: number formats and the fixed phrases a verdict allows. The claims
// checker (loaders/report/findings/check.ts) reads sentences with the same phrases, so a sentence can only
// say "beats" when its test said so.
import type { Verdict } from "../stats.ts";

/** 0.9748 → "97.48%". */
export function percent(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** A difference of two proportions, unsigned: "0.44 percentage points" ("1 percentage point"). */
export function pointsWord(x: number, digits = 2): string {
  const value = Math.abs(x * 100).toFixed(digits);
  return `${value} percentage point${Number(value) === 1 ? "" : "s"}`;
}

/** A plain decimal with a true minus sign: -0.912 → "−0.91". */
export function decimal(x: number, digits = 2): string {
  return x.toFixed(digits).replace(/^-/, "−");
}

/** A signed difference in percentage points: "+0.44 pp", "−0.09 pp" (a true minus sign). */
export function signedPoints(x: number, digits = 2): string {
  const value = Math.abs(x * 100).toFixed(digits);
  const zero = Number(value) === 0;
  return `${zero ? "" : x > 0 ? "+" : "−"}${value} pp`;
}

/** An interval of a difference in percentage points: "+0.10 to +0.78 pp". */
export function pointsInterval(low: number, high: number, digits = 2): string {
  return `${signedPoints(low, digits).replace(/ pp$/, "")} to ${signedPoints(high, digits)}`;
}

/** A p-value as a reader expects it: "p = 0.031", "p < 0.001". */
export function pValue(p: number): string {
  if (!Number.isFinite(p)) return "p not computable";
  if (p < 0.001) return "p < 0.001";
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

/** Integers with thousands separators: 101770 → "101,770". */
export function integer(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

/** A ratio: 6.58 → "6.6×". */
export function times(x: number, digits = 1): string {
  return `${x.toFixed(digits)}×`;
}

/** "a, b and c". */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** "one", "two", … for small counts; digits beyond ten. */
export function count(n: number): string {
  const words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
  return n >= 0 && n < words.length ? words[n] : integer(n);
}

export const capitalize = (s: string): string => (s ? s[0].toUpperCase() + s.slice(1) : s);

/**
 * The verb phrase each verdict allows between A's name and B's, per metric ("trainValGap" is training
 * accuracy minus validation accuracy at the end). No difference is a whole clause instead:
 * "A and B show no difference that these runs can detect".
 */
export const VERDICT_PHRASES: Record<"testAccuracy" | "trainValGap" | "objective", Record<Exclude<Verdict, "indistinguishable">, string>> = {
  testAccuracy: { higher: "beats", lower: "falls short of" },
  trainValGap: { higher: "ends with a higher training-minus-validation accuracy than", lower: "ends with a lower training-minus-validation accuracy than" },
  objective: { higher: "has a higher best validation accuracy than", lower: "has a lower best validation accuracy than" }
};
export const NO_DIFFERENCE: Record<"testAccuracy" | "trainValGap" | "objective", string> = {
  testAccuracy: "show no difference that these runs can detect",
  trainValGap: "show no difference in their training-minus-validation accuracy that these runs can detect",
  objective: "show no difference in best validation accuracy that these runs can detect"
};

/** How a metric moves with a setting, per verdict of Spearman's test ("{setting}" is the setting's name). */
export const CORRELATION_PHRASES: Record<Verdict, string> = {
  higher: "rises with {setting}",
  lower: "falls as {setting} rises",
  indistinguishable: "shows no monotone relation to {setting} that these runs can detect"
};

/**
 * How a ranking names its first place: "ranks first" only when the first place beats the runner-up;
 * otherwise it only "has the highest mean".
 */
export const RANKING_PHRASES = { clear: "ranks first", tied: "has the highest mean" } as const;

// The settings' words live with the settings, so that a trial's title can use them too.
export { SETTING_WORDS, settingWord } from "../../spec/params.ts";
