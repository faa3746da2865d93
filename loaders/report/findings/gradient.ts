// The claim that compares how large a layer's gradient is before training under two configurations,
// and its check. Gradient norms span orders of magnitude, so the seeds are compared on their logarithms
// (Welch's test) and the sentence gives the ratio of the geometric means with its 95% interval.
import { verdictOf, welchTest, type Verdict } from "../stats.ts";
import { integer, pValue } from "./words.ts";

/** What the sentence says the first configuration's gradient is, compared with the second's, per verdict. */
export const GRADIENT_PHRASES: Record<Verdict, string> = {
  higher: "is larger than",
  lower: "is smaller than",
  indistinguishable: "shows no difference that these runs can detect from"
};

export interface GradientSide {
  label: string;
  /** Stored runs ("<id>--<key>"), one per seed, and their gradient norms. */
  runs: string[];
  norms: number[];
}

export interface GradientEvidence {
  kind: "gradient";
  /** The layer's words ("dense 1") and its position among the recorded layers. */
  layer: string;
  layerIndex: number;
  a: GradientSide;
  b: GradientSide;
  /** Geometric mean of A over geometric mean of B, and the 95% interval of that ratio. */
  ratio: number;
  low: number;
  high: number;
  pValue: number;
  verdict: Verdict;
}

const log10 = (values: number[]) => values.map((v) => Math.log10(v));
const geometricMean = (values: number[]) => 10 ** (log10(values).reduce((a, b) => a + b, 0) / values.length);

/** A ratio as a reader takes it in: "about 1/64" below one, "about 3.2 times" above. */
export function ratioWords(ratio: number): string {
  if (ratio >= 1) return `${Number(ratio.toPrecision(2))} times`;
  return `1/${Number((1 / ratio).toPrecision(2))}`;
}

const norm = (x: number) => Number(x.toPrecision(2)).toString();

/** The comparison of two sides' gradient norms; null when a side has fewer than two seeds. */
export function gradientEvidence(layer: string, layerIndex: number, a: GradientSide, b: GradientSide): GradientEvidence | null {
  const w = welchTest(log10(a.norms), log10(b.norms));
  if (!w) return null;
  return { kind: "gradient", layer, layerIndex, a, b, ratio: 10 ** w.difference, low: 10 ** w.low, high: 10 ** w.high, pValue: w.pValue, verdict: verdictOf(w.difference, w.pValue) };
}

/** "Before training, the gradient of dense 1 with A is smaller than with B: 1/64 of it (…)". */
export function gradientSentence(e: GradientEvidence): string {
  const detail = `geometric means ${norm(geometricMean(e.a.norms))} and ${norm(geometricMean(e.b.norms))} over ${e.a.norms.length === e.b.norms.length ? `${integer(e.a.norms.length)} seeds each` : `${integer(e.a.norms.length)} and ${integer(e.b.norms.length)} seeds`}; 95% interval of the ratio ${ratioWords(e.low)} to ${ratioWords(e.high)}, Welch's t-test on the logarithms ${pValue(e.pValue)}`;
  const head = `Before training, the gradient of ${e.layer} with ${e.a.label} ${GRADIENT_PHRASES[e.verdict]} with ${e.b.label}`;
  const size = e.ratio >= 1 ? `${ratioWords(e.ratio)} as large` : `${ratioWords(e.ratio)} of it`;
  return e.verdict === "indistinguishable" ? `${head} (${detail}).` : `${head}: ${size} (${detail}).`;
}

/** Problems with a gradient claim: the stored norms (read again by `normOf`), the test, the verdict and the words. */
export function checkGradient(e: GradientEvidence, text: string, normOf: (dir: string, layer: number) => number | null, where: string): string[] {
  const problems: string[] = [];
  for (const side of [e.a, e.b]) {
    side.runs.forEach((dir, i) => {
      const stored = normOf(dir, e.layerIndex);
      if (stored == null) problems.push(`${where}: run ${dir} stores no gradient norm for ${e.layer}`);
      else if (Math.abs(stored - side.norms[i]) > 1e-12 * Math.max(1, stored)) problems.push(`${where}: run ${dir} stores ${stored}, the claim quotes ${side.norms[i]}`);
    });
  }
  const again = gradientEvidence(e.layer, e.layerIndex, e.a, e.b);
  if (!again) return [...problems, `${where}: Welch's test needs two seeds a side`];
  if (again.verdict !== e.verdict) problems.push(`${where}: verdict "${e.verdict}", the stored runs give "${again.verdict}"`);
  if (Math.abs(again.ratio - e.ratio) > 1e-9 * again.ratio) problems.push(`${where}: ratio ${e.ratio}, the stored runs give ${again.ratio}`);
  const phrase = `${e.a.label} ${GRADIENT_PHRASES[again.verdict]} with ${e.b.label}`;
  if (!text.includes(phrase)) problems.push(`${where}: the sentence must say "${phrase}": "${text}"`);
  for (const [verdict, other] of Object.entries(GRADIENT_PHRASES)) if (verdict !== again.verdict && text.includes(other)) problems.push(`${where}: the sentence also says "${other}": "${text}"`);
  return problems;
}
