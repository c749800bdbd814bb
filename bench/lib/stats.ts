/** Small statistics and number formatting for the benchmark tables. */

/** Median, min, max and count of a list of numbers. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Summarises samples; the median of an even count is the mean of the middle two.
 * @example summarize([3, 1, 2]) // { median: 2, min: 1, max: 3, n: 3 }
 */
export function summarize(values: number[]): Summary {
  if (!values.length) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

/** @example formatMs(1234.5) // '1.23 s' */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** @example formatKb(81920) // '80.0 MiB' */
export function formatKb(kb: number): string {
  if (!Number.isFinite(kb) || kb <= 0) return '—';
  return `${(kb / 1024).toFixed(1)} MiB`;
}

/** @example formatRatio(0.734) // '0.73×' */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '—';
}

/**
 * `median (min–max)` in the given unit formatter.
 * @example formatSummary(summarize([1200, 1000, 1500]), formatMs) // '1.20 s (1.00 s–1.50 s)'
 */
export function formatSummary(s: Summary, format: (v: number) => string): string {
  if (!s.n) return '—';
  if (s.n === 1) return format(s.median);
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}
