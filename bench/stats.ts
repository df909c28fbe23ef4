/**
 * Small statistics for the benchmarks: every figure is a median with its min–max over repeated
 * runs (p99 where a distribution matters, e.g. webhook latency).
 */

export interface Figure {
  median: number;
  min: number;
  max: number;
  /** How many samples; 1 for a single measurement or a figure derived from medians (a ratio). */
  n: number;
  p99?: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[], options: { p99?: boolean } = {}): Figure {
  if (values.length === 0) throw new Error('summarize: no samples');
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: median(sorted),
    min: sorted[0]!,
    max: sorted.at(-1)!,
    n: sorted.length,
    ...(options.p99 ? { p99: percentile(sorted, 99) } : {}),
  };
}

/** One value measured once (a byte count, a total). */
export function single(value: number): Figure {
  return { median: value, min: value, max: value, n: 1 };
}

/** a / b of two medians measured in the same run. */
export function ratio(a: Figure, b: Figure): Figure {
  return single(a.median / b.median);
}

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A number as people read it: 3 significant digits for small values, thousands separators for large. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
