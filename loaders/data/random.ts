// Seeded pseudo-random numbers (mulberry32), a Fisher–Yates shuffle and Box–Muller normals, identical on every run.

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  // Fold the high bits into the low 32 so that seeds above 2^32 still give distinct streams.
  return (seed ^ Math.floor(seed / 0x100000000)) >>> 0;
}

/**
 * A mulberry32 generator: 32 bits of state, period 2^32, good enough for shuffles and initial
 * values (not for cryptography). The same seed always gives the same sequence.
 */
export function createRng(seed: number): Rng {
  let state = checkSeed(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 0x100000000;
  };
}

/**
 * A seed for one purpose ("split", "subset", ...) derived from a user seed, so that the streams
 * used for different choices made with the same seed are not the same sequence.
 */
export function deriveSeed(seed: number, purpose: string): number {
  // FNV-1a over the purpose, then mixed with the seed by a murmur3-style finaliser.
  let h = 0x811c9dc5;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193);
  h ^= checkSeed(seed);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher–Yates shuffle of an array or typed array, in place; returns the same array. */
export function shuffleInPlace<T extends { length: number; [i: number]: any }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/**
 * One normally distributed number by the Box–Muller transform (the second value of the pair is
 * discarded, which keeps the function stateless). Consumes two draws from rng.
 */
export function normal(rng: Rng, mean = 0, std = 1): number {
  const u1 = 1 - rng(); // in (0, 1], so the log is finite
  const u2 = rng();
  return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
