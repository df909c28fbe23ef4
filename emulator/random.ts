/**
 * Randomness behind SIDs, idempotency tokens and fault probabilities. A seed makes a run
 * reproducible (same SIDs, same faults hit), which matters when a flaky-looking test is replayed.
 */
export type Random = () => number;

/** mulberry32: tiny and fast; statistical quality is irrelevant here, reproducibility is not. */
export function createRandom(seed?: number): Random {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomHex(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

export type SidFactory = (prefix: string) => string;

/** Twilio SIDs: a two-letter type prefix and 32 lowercase hex digits. */
export function createSidFactory(random: Random): SidFactory {
  return (prefix) => prefix + randomHex(random, 32);
}

export const SID_PATTERN = /^[A-Z]{2}[0-9a-f]{32}$/;

export function isSid(value: string, prefix: string): boolean {
  return value.startsWith(prefix) && SID_PATTERN.test(value);
}
