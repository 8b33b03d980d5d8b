/**
 * Which of a profile's events mean "cycles" and which "cache misses", by the names perf and cachegrind give them,
 * so the cycle-heat, cache-miss-heat and miss-density modes work on any profile without configuration.
 */

const CYCLE_PREFERENCE = [
  /^(cpu-)?cycles(:[a-zA-Z]+)?$/,
  /^cpu_core\/cycles/,
  /^(cpu-clock|task-clock)(:[a-zA-Z]+)?$/,
  /^Ir$/,
  /^instructions/,
];
const MISS_PREFERENCE = [
  /^cache-misses(:[a-zA-Z]+)?$/,
  /^(LLC|l2|L2)-?.*miss/i,
  /^L1-dcache-load-misses/,
  /^D1mr$/,
  /^DLmr$/,
  /miss/i,
  /^(D1mw|DLmw|I1mr|ILmr)$/,
];

function firstMatching(events: readonly string[], preference: RegExp[]): number | undefined {
  for (const re of preference) {
    const i = events.findIndex((e) => re.test(e));
    if (i >= 0) return i;
  }
  return undefined;
}

/** The event cycle heat shows: cycles where recorded, else a clock event, else the first event. */
export function cycleEvent(events: readonly string[]): number {
  return firstMatching(events, CYCLE_PREFERENCE) ?? 0;
}

/** The event cache-miss heat shows, or undefined when the profile has none (software-event recordings). */
export function missEvent(events: readonly string[]): number | undefined {
  return firstMatching(events, MISS_PREFERENCE);
}

/**
 * Miss density of a line: its share of the misses divided by its share of the cycles. Above 1, memory stalls
 * concentrate there. Undefined where the line has no cycles to divide by.
 */
export function missDensity(missShare: number, cycleShare: number): number | undefined {
  return cycleShare > 0 ? missShare / cycleShare : undefined;
}
