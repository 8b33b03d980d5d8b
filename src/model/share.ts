/**
 * A share: a count as a percentage of a total, the one formula every view uses. The total is the profile's (or
 * the recording's) per-event total, the denominator `perf report --no-children` uses, so a share can be checked
 * against perf's Overhead column. A zero or missing total gives 0, never NaN or Infinity.
 */

/** `count` as a percentage of `total`; 0 when the total is not positive. */
export function shareOf(count: number, total: number): number {
  return total > 0 ? (100 * count) / total : 0;
}

/** Each event's count as a percentage of that event's total. */
export function sharesOf(counts: readonly number[], totals: readonly number[]): number[] {
  return counts.map((c, e) => shareOf(c, totals[e] ?? 0));
}
